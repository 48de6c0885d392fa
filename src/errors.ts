// The error a person can act on: what went wrong and how to fix it, in one line.
// `cli/` prints it without a stack trace and exits with `exitCode`; `server/` maps it to a 4xx.

export type AppErrorKind =
  | "usage"
  | "config"
  | "credential"
  | "not_found"
  | "unavailable"
  | "conflict"
  | "runtime";

export class AppError extends Error {
  override readonly name = "AppError";
  readonly kind: AppErrorKind;
  readonly exitCode: number;

  constructor(kind: AppErrorKind, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.exitCode = options.exitCode ?? (kind === "usage" || kind === "config" ? 2 : 1);
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
