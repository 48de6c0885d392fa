// How a failure reaches a person: an AppError as one line and its exit code, anything else as an
// internal error with its stack (that is a bug to report, not a mistake to fix). Kept apart from
// main.ts so the launch fast path can use it without loading the command-line framework.
import { isAppError } from "../errors.ts";

/** Exit code of an internal error (EX_SOFTWARE). */
const INTERNAL_ERROR_EXIT = 70;

export function reportFailure(error: unknown): number {
  if (isAppError(error)) {
    process.stderr.write(`ai-orchestrator: ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(
    `ai-orchestrator: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return INTERNAL_ERROR_EXIT;
}
