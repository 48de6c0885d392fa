// What a tool hands back: its answer as text (and structured content), or a tool error the client's
// model can read and act on. A user's mistake or a provider's failure is never a protocol error.
import type { CallToolResult } from "@modelcontextprotocol/server";
import { isOrchestratorError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";

export function textResult(text: string, structured?: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: "text", text }],
    ...(structured === undefined ? {} : { structuredContent: structured }),
  };
}

export function toolError(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/** The one line a tool error carries: our errors say what to do; anything else is a bug, logged in full. */
export function describeFailure(error: unknown, logger: Logger, tool: string): string {
  if (isOrchestratorError(error)) return error.message;
  if (error instanceof Error && error.name === "AbortError") return `${tool}: cancelled`;
  logger.error({ err: error, tool }, "MCP tool failed unexpectedly");
  return `${tool} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`;
}

/** Runs a tool's body, turning anything it throws into a tool error. */
export async function guarded(
  logger: Logger,
  tool: string,
  run: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  try {
    return await run();
  } catch (error) {
    return toolError(describeFailure(error, logger, tool));
  }
}
