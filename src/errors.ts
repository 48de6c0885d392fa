// The one error vocabulary. Every error the program throws on purpose is an OrchestratorError: a
// `kind` callers branch on, whether trying again can help, how long to wait, and where it applies the
// HTTP status involved and the provider. `cli/report-error.ts` turns any of them into one line and an
// exit code; `server/error-response.ts` into each HTTP dialect's error body and status.

export abstract class OrchestratorError extends Error {
  abstract readonly kind: string;
  /** Trying the same thing again later can succeed. */
  abstract readonly retryable: boolean;
  /** How long to wait before trying again, when known. */
  abstract readonly retryAfterMs: number | undefined;
  /** The HTTP status involved: the provider's answer for a ProviderError, the hub's own for an AppError. */
  readonly status: number | undefined = undefined;
  /** The provider the error concerns, when it concerns one. */
  readonly provider: string | undefined = undefined;
}

export function isOrchestratorError(value: unknown): value is OrchestratorError {
  return value instanceof OrchestratorError;
}

export type AppErrorKind =
  /** A wrong flag, argument or request body: the caller fixes the call. */
  | "usage"
  | "config"
  | "credential"
  | "not_found"
  | "unavailable"
  | "conflict"
  | "runtime"
  /** No valid hub key or session token was presented (HTTP 401). */
  | "unauthenticated"
  /** The key is valid but may not do this (HTTP 403). */
  | "forbidden"
  /** The key is over its own request rate (HTTP 429). */
  | "rate_limited"
  /** A body or file larger than allowed (HTTP 413). */
  | "too_large";

export interface AppErrorOptions {
  exitCode?: number;
  cause?: unknown;
  retryAfterMs?: number | undefined;
  provider?: string | undefined;
}

/** The error a person can act on: what went wrong and how to fix it, in one line. */
export class AppError extends OrchestratorError {
  override readonly name = "AppError";
  readonly kind: AppErrorKind;
  readonly exitCode: number;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  override readonly status: number;
  override readonly provider: string | undefined;

  constructor(kind: AppErrorKind, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.exitCode = options.exitCode ?? (kind === "usage" || kind === "config" ? 2 : 1);
    this.retryAfterMs = options.retryAfterMs;
    this.retryable = kind === "unavailable" || kind === "rate_limited";
    this.status = APP_ERROR_STATUS[kind];
    this.provider = options.provider;
  }
}

const APP_ERROR_STATUS: Readonly<Record<AppErrorKind, number>> = {
  usage: 400,
  config: 500,
  credential: 500,
  not_found: 404,
  unavailable: 503,
  conflict: 409,
  runtime: 500,
  unauthenticated: 401,
  forbidden: 403,
  rate_limited: 429,
  too_large: 413,
};

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
