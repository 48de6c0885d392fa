// Conversation threads behind `continuation_id`: opening one (unknown, expired and full threads
// refused with what to do instead), turning its turns into chat messages, and recording a new
// exchange. The turns live in the store, so any process, before or after a restart, continues them.
// A Conversations is one owner's: another owner's thread answers exactly as an unknown one.
import { randomUUID } from "node:crypto";
import type { McpConfig } from "../config/schema/mcp.ts";
import { AppError } from "../errors.ts";
import type { ChatMessage } from "../providers/chat.ts";
import type { ThreadRepository, ThreadTurn } from "../store/repositories.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface OpenThread {
  id: string;
  /** Oldest first; empty for a new thread. */
  turns: readonly ThreadTurn[];
}

export interface Conversations {
  /**
   * The thread a question goes into: a new one when `id` is undefined; otherwise the stored one, if
   * it may still be continued and has room for the question and its answer.
   */
  openFor(id: string | undefined, prompt: string): Promise<OpenThread>;
  /** Appends an exchange (all of it or nothing). */
  record(thread: OpenThread, turns: readonly ThreadTurn[]): Promise<void>;
  /** Whose threads these are: `key:<hub key id>` over HTTP, LOCAL_THREAD_OWNER over stdio. */
  readonly owner: string;
  readonly repository: ThreadRepository;
}

export function createConversations(
  repository: ThreadRepository,
  limits: McpConfig["threads"],
  owner: string,
  now: () => number = Date.now,
): Conversations {
  return {
    owner,
    repository,
    async openFor(id, prompt) {
      if (id === undefined) return { id: randomUUID(), turns: [] };
      const thread = await repository.get(owner, id);
      if (!thread) {
        throw new AppError(
          "not_found",
          `unknown continuation_id "${id}": no stored thread has it; leave continuation_id out to start a new thread (the threads tool lists them)`,
        );
      }
      const idleDays = (now() - thread.updatedAt) / DAY_MS;
      if (idleDays > limits.maxAgeDays) {
        throw new AppError(
          "not_found",
          `continuation_id "${id}" has expired: its last turn was ${Math.floor(idleDays)} days ago and threads last ${limits.maxAgeDays} days (mcp.threads.maxAgeDays); leave continuation_id out to start a new thread`,
        );
      }
      // The question and its answer: two more turns.
      if (thread.turns.length + 2 > limits.maxTurns) {
        throw new AppError(
          "usage",
          `thread "${thread.id}" has ${thread.turns.length} turns and may hold ${limits.maxTurns} (mcp.threads.maxTurns); leave continuation_id out to start a new thread`,
        );
      }
      const bytes = threadBytes(thread.turns) + Buffer.byteLength(prompt);
      if (bytes > limits.maxBytes) {
        throw new AppError(
          "too_large",
          `thread "${thread.id}" would hold ${bytes} bytes with this prompt; the limit is ${limits.maxBytes} (mcp.threads.maxBytes); leave continuation_id out to start a new thread`,
        );
      }
      return { id: thread.id, turns: thread.turns };
    },
    async record(thread, turns) {
      await repository.append(owner, thread.id, turns);
    },
  };
}

/** The thread's turns as the chat messages a model is sent before the new prompt. */
export function threadMessages(turns: readonly ThreadTurn[]): ChatMessage[] {
  return turns.map((turn) => ({ role: turn.role, content: turn.content }));
}

function threadBytes(turns: readonly ThreadTurn[]): number {
  let total = 0;
  for (const turn of turns) total += Buffer.byteLength(turn.content);
  return total;
}
