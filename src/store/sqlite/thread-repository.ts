// Conversation threads in orchestrator.db: one row per thread, one per turn numbered from 1. An
// append numbers its turns after the thread's count inside one write transaction. Every query but
// retention names the owner, so another owner's thread is never read, continued or deleted.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { AppError } from "../../errors.ts";
import type {
  Thread,
  ThreadListOptions,
  ThreadRepository,
  ThreadSummary,
  ThreadTurn,
} from "../repositories.ts";
import { integer, optionalText, type Row, stringList, text } from "./columns.ts";
import { immediateTransaction } from "./transaction.ts";

export class SqliteThreadRepository implements ThreadRepository {
  readonly #database: DatabaseSync;
  readonly #summary: StatementSync;
  readonly #create: StatementSync;
  readonly #advance: StatementSync;
  readonly #insertTurn: StatementSync;
  readonly #turns: StatementSync;
  readonly #newest: StatementSync;
  readonly #newestBefore: StatementSync;
  readonly #delete: StatementSync;
  readonly #deleteBefore: StatementSync;

  constructor(database: DatabaseSync) {
    this.#database = database;
    this.#summary = database.prepare(
      "SELECT id, owner, created_at, updated_at, turn_count FROM threads WHERE id = ? AND owner = ?",
    );
    this.#create = database.prepare(
      "INSERT INTO threads (id, owner, created_at, updated_at, turn_count) VALUES (?, ?, ?, ?, 0) ON CONFLICT (id) DO NOTHING",
    );
    this.#advance = database.prepare(
      `UPDATE threads SET turn_count = turn_count + ?, updated_at = max(updated_at, ?)
       WHERE id = ? RETURNING id, owner, created_at, updated_at, turn_count`,
    );
    this.#insertTurn = database.prepare(
      "INSERT INTO thread_turns (thread_id, seq, role, content, provider, model, files, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.#turns = database.prepare(
      "SELECT role, content, provider, model, files, at FROM thread_turns WHERE thread_id = ? ORDER BY seq",
    );
    this.#newest = database.prepare(
      "SELECT id, owner, created_at, updated_at, turn_count FROM threads WHERE owner = ? ORDER BY updated_at DESC, id LIMIT ?",
    );
    this.#newestBefore = database.prepare(
      "SELECT id, owner, created_at, updated_at, turn_count FROM threads WHERE owner = ? AND updated_at < ? ORDER BY updated_at DESC, id LIMIT ?",
    );
    this.#delete = database.prepare("DELETE FROM threads WHERE id = ? AND owner = ?");
    this.#deleteBefore = database.prepare("DELETE FROM threads WHERE updated_at < ?");
  }

  async append(owner: string, id: string, turns: readonly ThreadTurn[]): Promise<ThreadSummary> {
    const first = turns[0]?.at ?? Date.now();
    const last = Math.max(first, ...turns.map((turn) => turn.at));
    return immediateTransaction(this.#database, () => {
      this.#create.run(id, owner, first, first);
      const existing = this.#summary.get(id, owner);
      if (existing === undefined) throw new AppError("not_found", `no thread ${id} of ${owner}`);
      const before = integer(existing, "turn_count");
      turns.forEach((turn, index) => {
        this.#insertTurn.run(
          id,
          before + index + 1,
          turn.role,
          turn.content,
          turn.provider ?? null,
          turn.model ?? null,
          turn.files === undefined ? null : JSON.stringify(turn.files),
          turn.at,
        );
      });
      return summaryFromRow(this.#advance.get(turns.length, last, id) ?? {});
    });
  }

  async get(owner: string, id: string): Promise<Thread | undefined> {
    const row = this.#summary.get(id, owner);
    if (row === undefined) return undefined;
    return { ...summaryFromRow(row), turns: this.#turns.all(id).map(turnFromRow) };
  }

  async list(options: ThreadListOptions): Promise<ThreadSummary[]> {
    const { owner, limit, before } = options;
    const rows =
      before === undefined ? this.#newest.all(owner, limit) : this.#newestBefore.all(owner, before, limit);
    return rows.map(summaryFromRow);
  }

  async delete(owner: string, id: string): Promise<boolean> {
    return Number(this.#delete.run(id, owner).changes) > 0;
  }

  async deleteUpdatedBefore(at: number): Promise<number> {
    return Number(this.#deleteBefore.run(at).changes);
  }
}

function summaryFromRow(row: Row): ThreadSummary {
  return {
    id: text(row, "id"),
    owner: text(row, "owner"),
    createdAt: integer(row, "created_at"),
    updatedAt: integer(row, "updated_at"),
    turnCount: integer(row, "turn_count"),
  };
}

function turnFromRow(row: Row): ThreadTurn {
  const turn: ThreadTurn = {
    role: text(row, "role") === "assistant" ? "assistant" : "user",
    content: text(row, "content"),
    at: integer(row, "at"),
  };
  const provider = optionalText(row, "provider");
  const model = optionalText(row, "model");
  const files = stringList(row, "files");
  if (provider !== undefined) turn.provider = provider;
  if (model !== undefined) turn.model = model;
  if (files !== undefined) turn.files = files;
  return turn;
}
