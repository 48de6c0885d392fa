// The vocabulary shared by the four simulated providers: what a request handler receives (Call),
// what it returns (Reply), and the provider-neutral problems each provider renders its own way.
import type { IncomingHttpHeaders } from "node:http";
import type { ProviderApi } from "../config/schema/index.ts";
import type { Fault } from "./faults.ts";

/** Which API of a provider a route belongs to: its own, or its Anthropic-compatible one. */
export type Surface = "native" | "anthropic";

export type ProblemKind =
  | "invalid_request"
  | "unauthenticated"
  | "invalid_key"
  | "permission"
  | "not_found"
  | "too_large"
  | "rate_limit"
  | "quota"
  | "overloaded"
  | "server"
  | "unavailable"
  /** The provider gave up waiting on its own backend (HTTP 504). */
  | "timeout";

/** A provider-neutral failure; each simulator turns it into its own status and body. */
export interface Problem {
  kind: ProblemKind;
  /** Overrides the provider's usual status for this kind (e.g. 503 rather than 429 for overload). */
  status?: number;
  message?: string;
  retryAfterSeconds?: number;
  /** A provider-specific code (Z.ai business code, Moonshot error type) when the default is not the one. */
  code?: string;
}

/** Thrown by a handler to answer with the provider's error body for this problem. */
export class SimulatedError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.message ?? problem.kind);
    this.problem = problem;
  }
}

export type ReplyHeaders = Record<string, string>;

export type Reply =
  | { type: "json"; status: number; body: unknown; headers?: ReplyHeaders }
  | { type: "bytes"; status: number; body: Uint8Array | string; contentType: string; headers?: ReplyHeaders }
  /** Server-sent events, each frame already formatted with its trailing blank line. */
  | { type: "sse"; frames: readonly string[]; headers?: ReplyHeaders }
  | { type: "empty"; status: number; headers?: ReplyHeaders };

export interface Call {
  provider: ProviderApi;
  surface: Surface;
  method: string;
  url: URL;
  /** Capture groups of the route's path pattern. */
  params: readonly string[];
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Bytes received, including any beyond what the route keeps. */
  bodyBytes: number;
  /** The key the caller authenticated with. */
  key: string;
  requestId: string;
  now: () => number;
  /** This simulator's own origin, e.g. http://127.0.0.1:4100. */
  origin: string;
  /** The fault armed for this request, for the handlers that shape it themselves (stream-error). */
  fault: Fault | undefined;
}

export interface Route {
  method: string;
  path: RegExp;
  surface: Surface;
  /** False (or false for this URL) where no key is needed: upload session URLs are their own capability. */
  auth?: boolean | ((url: URL) => boolean);
  /** Bytes of body kept in memory; more is counted but dropped (default 32 MiB). */
  keepBody?: number;
  /** Receives every body chunk as it arrives, for bodies too large to keep. */
  bodySink?: (url: URL, headers: IncomingHttpHeaders) => ((chunk: Buffer) => void) | undefined;
  handle(call: Call): Reply | Promise<Reply>;
}

export interface AuthOutcome {
  key?: string;
  problem?: Problem;
}

/** One simulated platform: its routes and how it authenticates and words its errors. */
export interface ProviderSimulator {
  provider: ProviderApi;
  routes: readonly Route[];
  /** Reads the caller's key from this surface's header(s); `problem` when it is missing. */
  readKey(surface: Surface, headers: IncomingHttpHeaders, url: URL): AuthOutcome;
  errorReply(surface: Surface, problem: Problem, requestId: string): Reply;
  /** The answer for a path no route serves. */
  unknownRoute(method: string, url: URL, headers: IncomingHttpHeaders, requestId: string): Reply;
  newRequestId(surface: Surface): string;
  /** Headers every response of this surface carries (e.g. Anthropic's request-id). */
  commonHeaders(surface: Surface, requestId: string): ReplyHeaders;
}

export const DEFAULT_KEEP_BODY = 32 * 1024 * 1024;

export function json(body: unknown, status = 200, headers?: ReplyHeaders): Reply {
  return { type: "json", status, body, ...(headers ? { headers } : {}) };
}

/** A `data:`-only SSE frame (OpenAI-style and Gemini). */
export function dataFrame(payload: unknown, separator = "\n\n"): string {
  return `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}${separator}`;
}

/** An `event:` + `data:` SSE frame (Anthropic-style). */
export function eventFrame(event: string, payload: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** Parses a JSON body, answering the provider's invalid-request error when it is not JSON. */
export function jsonBody(call: Call): unknown {
  if (call.body.length === 0)
    throw new SimulatedError({ kind: "invalid_request", message: "request body is empty" });
  try {
    return JSON.parse(call.body.toString("utf8"));
  } catch {
    throw new SimulatedError({ kind: "invalid_request", message: "request body is not valid JSON" });
  }
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header(headers, "authorization") ?? "");
  return match?.[1]?.trim() || undefined;
}
