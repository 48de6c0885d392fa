// The one error every provider client throws. Each provider's map-<provider>-error.ts turns that
// platform's error shapes into it, so callers (resilience, cli, server) branch on `kind` alone.
import { OrchestratorError } from "../errors.ts";

export const PROVIDER_ERROR_KINDS = [
  "auth",
  "permission",
  "quota",
  "rate_limit",
  "overloaded",
  "invalid_request",
  "not_found",
  "too_large",
  "server",
  "timeout",
  "network",
  "protocol",
] as const;
export type ProviderErrorKind = (typeof PROVIDER_ERROR_KINDS)[number];

/** Whether a failure of this kind can succeed when tried again later, unless the provider says otherwise. */
const RETRYABLE_BY_DEFAULT: Readonly<Record<ProviderErrorKind, boolean>> = {
  auth: false,
  permission: false,
  quota: false,
  rate_limit: true,
  overloaded: true,
  invalid_request: false,
  not_found: false,
  too_large: false,
  server: true,
  timeout: true,
  network: true,
  protocol: false,
};

export interface ProviderErrorOptions {
  kind: ProviderErrorKind;
  provider: string;
  message: string;
  retryable?: boolean;
  retryAfterMs?: number | undefined;
  status?: number | undefined;
  requestId?: string | undefined;
  /** The provider's own error type or business code, e.g. `rate_limit_reached_error` or `1113`. */
  providerCode?: string | undefined;
  cause?: unknown;
}

export interface ProviderErrorJson {
  name: "ProviderError";
  kind: ProviderErrorKind;
  provider: string;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  status?: number;
  requestId?: string;
  providerCode?: string;
}

export class ProviderError extends OrchestratorError {
  override readonly name = "ProviderError";
  readonly kind: ProviderErrorKind;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  override readonly provider: string;
  override readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly providerCode: string | undefined;

  constructor(options: ProviderErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[options.kind];
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
    this.status = options.status;
    this.requestId = options.requestId;
    this.providerCode = options.providerCode;
  }

  /** Safe to log or send: no headers, no request body, no cause chain (which may hold URLs with keys). */
  toJSON(): ProviderErrorJson {
    return {
      name: "ProviderError",
      kind: this.kind,
      provider: this.provider,
      message: this.message,
      retryable: this.retryable,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.requestId === undefined ? {} : { requestId: this.requestId }),
      ...(this.providerCode === undefined ? {} : { providerCode: this.providerCode }),
    };
  }
}

export function isProviderError(value: unknown): value is ProviderError {
  return value instanceof ProviderError;
}

/** What a failed HTTP exchange looked like, handed to a provider's error mapper. */
export interface HttpFailure {
  provider: string;
  status: number;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** The fallback when a body says nothing usable: what the HTTP status alone means. */
export function kindFromStatus(status: number): ProviderErrorKind {
  // An error reported inside a successful response (a stream that failed midway) is the server's.
  if (status < 400) return "server";
  if (status === 401) return "auth";
  if (status === 402) return "quota";
  if (status === 403) return "permission";
  if (status === 404) return "not_found";
  if (status === 408 || status === 504) return "timeout";
  if (status === 413) return "too_large";
  if (status === 429) return "rate_limit";
  if (status === 503 || status === 529) return "overloaded";
  if (status >= 500 || status === 409) return "server";
  return "invalid_request";
}

/** An error built from the status only, for bodies that are HTML pages, empty, or not the provider's JSON. */
export function errorFromStatus(failure: HttpFailure, detail?: string): ProviderError {
  const kind = kindFromStatus(failure.status);
  return new ProviderError({
    kind,
    provider: failure.provider,
    status: failure.status,
    message: `${failure.provider} answered HTTP ${failure.status}${detail ? `: ${detail}` : ""}`,
    retryAfterMs: retryAfterFromHeaders(failure.headers),
    requestId: requestIdFromHeaders(failure.headers),
  });
}

/** Parses a body that should be JSON; undefined when it is not (HTML gateway pages, truncated bodies). */
export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** A short description of a non-JSON body: an HTML page's title, or the start of the text. */
export function describeNonJsonBody(body: string): string {
  const trimmed = body.trim();
  if (trimmed === "") return "empty body";
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1]?.trim();
  if (title) return `HTML page "${title.slice(0, 120)}"`;
  if (/^<!doctype html|^<html/i.test(trimmed)) return "HTML page";
  return `non-JSON body "${trimmed.replace(/\s+/g, " ").slice(0, 120)}"`;
}

/** `retry-after-ms` (milliseconds) wins over `retry-after` (seconds, or an HTTP date). */
export function retryAfterFromHeaders(
  headers: Readonly<Record<string, string>>,
  now = Date.now(),
): number | undefined {
  const milliseconds = headers["retry-after-ms"];
  if (milliseconds !== undefined) {
    const value = Number.parseFloat(milliseconds);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const retryAfter = headers["retry-after"]?.trim();
  if (retryAfter === undefined || retryAfter === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number.parseFloat(retryAfter) * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Delays written into messages: Moonshot's "please try again after 3 seconds" and Gemini's
 * "Please retry in 33.5s" (or "in 450ms").
 */
export function retryAfterFromMessage(message: string): number | undefined {
  const after = /try again (?:after|in) (\d+(?:\.\d+)?) ?(ms|milliseconds?|s|sec|seconds?)?\b/i.exec(message);
  const retryIn =
    after ?? /retry (?:after|in) (\d+(?:\.\d+)?) ?(ms|milliseconds?|s|sec|seconds?)?\b/i.exec(message);
  if (!retryIn?.[1]) return undefined;
  const value = Number.parseFloat(retryIn[1]);
  const unit = retryIn[2]?.toLowerCase() ?? "s";
  return Math.round(unit.startsWith("ms") || unit.startsWith("milli") ? value : value * 1000);
}

export function requestIdFromHeaders(headers: Readonly<Record<string, string>>): string | undefined {
  return headers["request-id"] ?? headers["x-request-id"] ?? undefined;
}

/** Removes every occurrence of the key from text a user or a log may see. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join("[redacted]");
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
  "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);

const TIMEOUT_CODES: Readonly<Record<string, string>> = {
  UND_ERR_CONNECT_TIMEOUT: "connecting took too long",
  UND_ERR_HEADERS_TIMEOUT: "no response headers in time",
  UND_ERR_BODY_TIMEOUT: "the response body stalled",
};

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

/**
 * Turns what the transport threw (resets, refused connections, undici timeouts) into a ProviderError.
 * Anything else, such as the caller's own abort, is returned unchanged.
 */
export function fromTransportError(provider: string, error: unknown): unknown {
  if (isProviderError(error)) return error;
  const code = errorCode(error) ?? errorCode(error instanceof Error ? error.cause : undefined);
  if (code === undefined) return error;
  const timeout = TIMEOUT_CODES[code];
  if (timeout !== undefined) {
    return new ProviderError({
      kind: "timeout",
      provider,
      message: `${provider}: ${timeout} (${code})`,
      cause: error,
    });
  }
  if (NETWORK_CODES.has(code)) {
    return new ProviderError({
      kind: "network",
      provider,
      message: `${provider}: connection failed (${code})`,
      cause: error,
    });
  }
  if (code === "ENOTFOUND") {
    return new ProviderError({
      kind: "network",
      provider,
      retryable: false,
      message: `${provider}: host not found (ENOTFOUND); check providers.${provider}.baseUrl`,
      cause: error,
    });
  }
  if (code === "UND_ERR_INFO" || code === "HPE_INVALID_CONSTANT" || code.startsWith("HPE_")) {
    return new ProviderError({
      kind: "protocol",
      provider,
      message: `${provider}: malformed HTTP response (${code})`,
      cause: error,
    });
  }
  return error;
}
