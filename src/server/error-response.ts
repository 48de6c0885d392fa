// The one place any error becomes an HTTP answer: its status, the body in the client's dialect
// (Anthropic, OpenAI or Gemini error envelope), `retry-after` when a wait is known, and the same
// error as a stream event for failures after the first byte. Never a stack; an unexpected error is
// a generic 500 whose details stay in the log.
import { isAppError } from "../errors.ts";
import type { Dialect } from "../providers/definitions.ts";
import { isProviderError, type ProviderErrorKind } from "../providers/errors.ts";
import { FallbackExhaustedError, isResilienceError } from "../resilience/errors.ts";

/** What went wrong, in the categories every dialect has a name for. */
export type ErrorCategory =
  | "invalid_request"
  | "authentication"
  | "permission"
  | "not_found"
  | "conflict"
  | "too_large"
  | "rate_limit"
  | "api_error"
  /** The hub itself is not set up for this (a provider's key missing, its config wrong): 503. */
  | "not_configured"
  | "bad_gateway"
  | "overloaded"
  | "timeout";

export interface ClassifiedError {
  category: ErrorCategory;
  status: number;
  message: string;
  retryAfterMs: number | undefined;
  /** False for an error the hub did not expect: the caller logs it. */
  expected: boolean;
}

export interface ErrorAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const STATUS: Readonly<Record<ErrorCategory, number>> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limit: 429,
  api_error: 500,
  not_configured: 503,
  bad_gateway: 502,
  overloaded: 503,
  timeout: 504,
};

// A provider refusing the hub's own key is the hub's problem, not the client's: a 401 would make
// Claude Code ask its user for a new key. It is reported as a bad gateway with the provider's words.
const PROVIDER_CATEGORY: Readonly<Record<ProviderErrorKind, ErrorCategory>> = {
  auth: "bad_gateway",
  permission: "bad_gateway",
  quota: "rate_limit",
  rate_limit: "rate_limit",
  overloaded: "overloaded",
  invalid_request: "invalid_request",
  not_found: "not_found",
  too_large: "too_large",
  server: "bad_gateway",
  timeout: "timeout",
  network: "bad_gateway",
  protocol: "bad_gateway",
};

export function classifyError(error: unknown): ClassifiedError {
  if (isAppError(error)) {
    const category = APP_CATEGORY[error.kind];
    return {
      category,
      status: STATUS[category],
      message: error.message,
      retryAfterMs: error.retryAfterMs,
      expected: category !== "api_error",
    };
  }
  if (isProviderError(error)) {
    const category = PROVIDER_CATEGORY[error.kind];
    return {
      category,
      status: STATUS[category],
      message: error.message,
      retryAfterMs: error.retryAfterMs,
      expected: true,
    };
  }
  if (error instanceof FallbackExhaustedError) {
    const last = classifyError(error.lastError);
    return { ...last, message: error.message, retryAfterMs: error.retryAfterMs ?? last.retryAfterMs };
  }
  if (isResilienceError(error)) {
    return {
      category: "overloaded",
      status: STATUS.overloaded,
      message: error.message,
      retryAfterMs: error.retryAfterMs,
      expected: true,
    };
  }
  return {
    category: "api_error",
    status: 500,
    message: "internal error in the hub; its log has the details",
    retryAfterMs: undefined,
    expected: false,
  };
}

const APP_CATEGORY = {
  usage: "invalid_request",
  config: "not_configured",
  credential: "not_configured",
  not_found: "not_found",
  unavailable: "overloaded",
  conflict: "conflict",
  runtime: "api_error",
  unauthenticated: "authentication",
  forbidden: "permission",
  rate_limited: "rate_limit",
  too_large: "too_large",
} as const satisfies Record<string, ErrorCategory>;

/** The error as the client's dialect sends it as an HTTP answer. */
export function errorAnswer(dialect: Dialect, error: unknown): ErrorAnswer {
  const classified = classifyError(error);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (
    classified.retryAfterMs !== undefined &&
    (classified.status === 429 || classified.status === 503 || classified.category === "overloaded")
  ) {
    headers["retry-after"] = String(Math.max(1, Math.ceil(classified.retryAfterMs / 1000)));
  }
  const status = dialect === "anthropic" && classified.category === "overloaded" ? 529 : classified.status;
  return { status, body: JSON.stringify(errorBody(dialect, classified)), headers };
}

/**
 * The error as the dialect reports it inside a stream that has already begun (HTTP 200 sent):
 * Anthropic an `error` event, OpenAI and Gemini an error object as the next event, or as the last
 * element of a Gemini stream sent as one JSON array (`sse` false).
 */
export function errorStreamEvent(dialect: Dialect, error: unknown, sse = true): string {
  const body = JSON.stringify(errorBody(dialect, classifyError(error)));
  if (!sse) return `,\r\n${body}\r\n]`;
  return dialect === "anthropic" ? `event: error\ndata: ${body}\n\n` : `data: ${body}\n\n`;
}

export function errorBody(dialect: Dialect, error: ClassifiedError): unknown {
  switch (dialect) {
    case "anthropic":
      return { type: "error", error: { type: ANTHROPIC_TYPE[error.category], message: error.message } };
    case "openai":
      return {
        error: {
          message: error.message,
          type: OPENAI_TYPE[error.category],
          param: null,
          code: OPENAI_CODE[error.category],
        },
      };
    case "gemini":
      return { error: { code: error.status, message: error.message, status: GEMINI_STATUS[error.category] } };
  }
}

const ANTHROPIC_TYPE: Readonly<Record<ErrorCategory, string>> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  permission: "permission_error",
  not_found: "not_found_error",
  conflict: "invalid_request_error",
  too_large: "request_too_large",
  rate_limit: "rate_limit_error",
  api_error: "api_error",
  not_configured: "api_error",
  bad_gateway: "api_error",
  overloaded: "overloaded_error",
  timeout: "timeout_error",
};

const OPENAI_TYPE: Readonly<Record<ErrorCategory, string>> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  permission: "permission_error",
  not_found: "not_found_error",
  conflict: "invalid_request_error",
  too_large: "invalid_request_error",
  rate_limit: "rate_limit_error",
  api_error: "server_error",
  not_configured: "server_error",
  bad_gateway: "server_error",
  overloaded: "server_error",
  timeout: "server_error",
};

const OPENAI_CODE: Readonly<Record<ErrorCategory, string | null>> = {
  invalid_request: null,
  authentication: "invalid_api_key",
  permission: "permission_denied",
  not_found: "not_found",
  conflict: "conflict",
  too_large: "request_too_large",
  rate_limit: "rate_limit_exceeded",
  api_error: null,
  not_configured: "not_configured",
  bad_gateway: "bad_gateway",
  overloaded: "overloaded",
  timeout: "timeout",
};

const GEMINI_STATUS: Readonly<Record<ErrorCategory, string>> = {
  invalid_request: "INVALID_ARGUMENT",
  authentication: "UNAUTHENTICATED",
  permission: "PERMISSION_DENIED",
  not_found: "NOT_FOUND",
  conflict: "ALREADY_EXISTS",
  too_large: "INVALID_ARGUMENT",
  rate_limit: "RESOURCE_EXHAUSTED",
  api_error: "INTERNAL",
  not_configured: "UNAVAILABLE",
  bad_gateway: "UNAVAILABLE",
  overloaded: "UNAVAILABLE",
  timeout: "DEADLINE_EXCEEDED",
};
