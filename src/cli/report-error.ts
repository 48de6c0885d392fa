// How a failure reaches a person: any OrchestratorError as one line and an exit code, anything else
// as an internal error with its stack (that is a bug to report, not a mistake to fix). Kept apart from
// main.ts so the launch fast path can use it without loading the command-line framework.
import { isAppError, isOrchestratorError, type OrchestratorError } from "../errors.ts";
import { isProviderError } from "../providers/errors.ts";

/** Exit code of an internal error (EX_SOFTWARE). */
const INTERNAL_ERROR_EXIT = 70;

export function reportFailure(error: unknown): number {
  if (isOrchestratorError(error)) {
    process.stderr.write(`ai-orchestrator: ${describeError(error)}\n`);
    return isAppError(error) ? error.exitCode : 1;
  }
  process.stderr.write(
    `ai-orchestrator: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return INTERNAL_ERROR_EXIT;
}

/**
 * The one line for an error: an AppError's message says what to do already; a provider's failure
 * gets its kind, status and when to try again, because its message is the provider's own words.
 */
export function describeError(error: OrchestratorError): string {
  if (!isProviderError(error)) return error.message;
  const status = error.status === undefined ? "" : `, HTTP ${error.status}`;
  const retry = error.retryable
    ? error.retryAfterMs === undefined
      ? "; try again later"
      : `; try again in ${Math.ceil(error.retryAfterMs / 1000)} s`
    : "";
  return `${error.message} (${error.kind}${status})${retry}`;
}
