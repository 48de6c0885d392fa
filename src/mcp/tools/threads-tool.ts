// `threads`: the caller's stored conversation threads, newest first; one thread's turns; or deleting
// one. Another owner's thread answers exactly as an unknown one.
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { AppError } from "../../errors.ts";
import type { ToolContext } from "../tool-context.ts";
import { guarded, textResult } from "../tool-result.ts";

export const threadsInput = z.object({
  action: z.enum(["list", "show", "delete"]),
  continuation_id: z.string().min(1).max(200).optional().describe("The thread, for show and delete."),
});

const LIST_LIMIT = 50;

export function registerThreadsTool(server: McpServer, context: ToolContext): void {
  const { repository, owner } = context.conversations;
  server.registerTool(
    "threads",
    {
      description: "List the stored chat threads (newest first), show one, or delete one.",
      inputSchema: threadsInput,
    },
    (input) =>
      guarded(context.logger, "threads", async () => {
        if (input.action === "list") {
          const threads = await repository.list({ owner, limit: LIST_LIMIT });
          const lines = threads.map(
            (thread) =>
              `${thread.id}  ${thread.turnCount} turns  last ${new Date(thread.updatedAt).toISOString()}`,
          );
          return textResult(lines.length > 0 ? lines.join("\n") : "no threads yet", {
            threads: threads.map((thread) => ({
              continuation_id: thread.id,
              turns: thread.turnCount,
              created_at: new Date(thread.createdAt).toISOString(),
              updated_at: new Date(thread.updatedAt).toISOString(),
            })),
          });
        }
        const id = input.continuation_id;
        if (id === undefined) {
          throw new AppError("usage", `threads ${input.action}: give the thread's continuation_id`);
        }
        if (input.action === "delete") {
          if (!(await repository.delete(owner, id))) throw unknownThread(id);
          return textResult(`deleted thread ${id}`, { continuation_id: id, deleted: true });
        }
        const thread = await repository.get(owner, id);
        if (!thread) throw unknownThread(id);
        const text = thread.turns
          .map((turn) => {
            const who =
              turn.role === "user" ? "user" : `assistant (${turn.provider ?? "?"}/${turn.model ?? "?"})`;
            return `[${new Date(turn.at).toISOString()}] ${who}:\n${turn.content}`;
          })
          .join("\n\n");
        return textResult(text, {
          continuation_id: thread.id,
          turns: thread.turns.map((turn) => ({ ...turn, at: new Date(turn.at).toISOString() })),
        });
      }),
  );
}

function unknownThread(id: string): AppError {
  return new AppError(
    "not_found",
    `unknown continuation_id "${id}": the threads tool's list action shows the stored ones`,
  );
}
