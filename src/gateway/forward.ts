// Passthrough to a provider that speaks the client's dialect: the request goes out on the hub's
// pool for that endpoint with the provider's own key in the header that endpoint takes, and the
// answer comes back as a byte stream, untouched. A non-2xx answer becomes the provider's
// ProviderError (so the policy can retry or fall back) with the raw answer kept beside it.
import { Readable } from "node:stream";
import { type Dispatcher, errors, Pool } from "undici";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { mapAnthropicError } from "../providers/anthropic/map-anthropic-error.ts";
import { requireCredential } from "../providers/credentials.ts";
import type { Dialect } from "../providers/definitions.ts";
import { fromTransportError, type HttpFailure, type ProviderError } from "../providers/errors.ts";
import { mapGoogleError } from "../providers/google/map-google-error.ts";
import { mapMoonshotError } from "../providers/moonshot/map-moonshot-error.ts";
import type { ResolvedProvider } from "../providers/registry.ts";
import { mapZaiError } from "../providers/zai/map-zai-error.ts";
import { policyConfigFor } from "../resilience/resilience.ts";
import { passthroughBaseUrl } from "./routing.ts";

export interface UpstreamRequest {
  provider: ResolvedProvider;
  dialect: Dialect;
  method: "GET" | "POST";
  /** Appended to the endpoint's base path: `/v1/messages?beta=true`, `/chat/completions`, `/v1beta/models/…`. */
  path: string;
  /** The client's headers, already without hop-by-hop and credential headers. */
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  signal: AbortSignal;
  /**
   * Whether an answer with these headers is read whole before `send` resolves (into `whole`, no
   * stream made for it); unset, every answer is streamed.
   */
  readWhole?: (headers: UpstreamHeaders) => boolean;
  /** Told when the answer's headers arrive, before a whole answer's body is read. */
  onHeaders?: () => void;
}

export type UpstreamHeaders = Record<string, string | string[] | undefined>;

export interface UpstreamResponse {
  status: number;
  headers: UpstreamHeaders;
  /** The answer's bytes as they come (for an answer read whole, a stream of `whole`, made if asked for). */
  readonly body: Readable;
  /** The whole answer, when the request's `readWhole` chose so. */
  whole: Buffer | undefined;
}

/** The raw error answer a provider sent, for passing a client's mistake back in the provider's words. */
export interface UpstreamErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Upstreams {
  /** The 2xx answer of the provider; throws its ProviderError for anything else. */
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

interface Endpoint {
  pool: Pool;
  basePath: string;
  origin: string;
  credentialHeaders: Record<string, string>;
  mapError: (failure: HttpFailure) => ProviderError;
}

const rawAnswers = new WeakMap<object, UpstreamErrorAnswer>();

/** The provider's own error answer behind a ProviderError thrown by `send`, if it had one. */
export function upstreamErrorAnswer(error: unknown): UpstreamErrorAnswer | undefined {
  return typeof error === "object" && error !== null ? rawAnswers.get(error) : undefined;
}

export function createUpstreams(config: Config, paths: Paths): Upstreams {
  const endpoints = new Map<string, Endpoint>();
  const pools = new Map<string, Pool>();

  const endpoint = (provider: ResolvedProvider, dialect: Dialect): Endpoint => {
    const id = `${provider.id} ${dialect}`;
    const existing = endpoints.get(id);
    if (existing) return existing;
    const base = passthroughBaseUrl(provider, dialect);
    if (base === undefined) throw new Error(`${provider.id} does not speak ${dialect}`);
    const url = new URL(base);
    // One pool per provider and origin: a provider that hangs exhausts its own sockets only.
    const poolId = `${provider.id} ${url.origin}`;
    let pool = pools.get(poolId);
    if (!pool) {
      const timeouts = policyConfigFor(config, provider.id).timeouts;
      pool = new Pool(url.origin, {
        connections: 128,
        pipelining: 1,
        connect: { timeout: timeouts.connectMs },
        headersTimeout: timeouts.firstByteMs,
        bodyTimeout: timeouts.idleMs,
        keepAliveTimeout: 30_000,
      });
      pools.set(poolId, pool);
    }
    const key = requireCredential(provider, paths).value;
    const created: Endpoint = {
      pool,
      origin: url.origin,
      basePath: url.pathname.replace(/\/+$/, ""),
      credentialHeaders: credentialHeaders(provider, dialect, key),
      mapError: errorMapper(provider, dialect),
    };
    endpoints.set(id, created);
    return created;
  };

  return {
    send(request) {
      return exchange(endpoint(request.provider, request.dialect), request);
    },
    async close() {
      const closing = [...pools.values()].map((pool) => pool.close());
      pools.clear();
      endpoints.clear();
      await Promise.all(closing);
    },
  };
}

/**
 * One request on the endpoint's pool through undici's dispatch: a 2xx answer resolves at its headers
 * as a stream, or at its end when `readWhole` says so; anything else rejects with the provider's
 * error once its body is read. The caller's signal aborts the request at any point, its stream too.
 * (undici's `request()` made a stream object, a promise and an async resource for every answer, even
 * for the one JSON body the hub reads whole.)
 */
function exchange(target: Endpoint, request: UpstreamRequest): Promise<UpstreamResponse> {
  const provider = request.provider.id;
  const { signal } = request;
  if (signal.aborted) return Promise.reject(fromTransportError(provider, abortReason(signal)));
  return new Promise<UpstreamResponse>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let stopped: Error | undefined;
    let status = 0;
    let headers: UpstreamHeaders = {};
    let mode: "stream" | "whole" | "refused" = "stream";
    let stream: Readable | undefined;
    let ended = false;
    const chunks: Buffer[] = [];
    const onAbort = (): void => {
      stopped = abortReason(signal);
      controller?.abort(stopped);
    };
    const detach = (): void => signal.removeEventListener("abort", onAbort);
    signal.addEventListener("abort", onAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (stopped !== undefined) started.abort(stopped);
      },
      onResponseStart(started, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
        if (statusCode < 200 || statusCode >= 300) {
          mode = "refused";
          return;
        }
        request.onHeaders?.();
        if (request.readWhole?.(responseHeaders) === true) {
          mode = "whole";
          return;
        }
        stream = new Readable({
          read: () => started.resume(),
          destroy: (error, callback) => {
            // The reader giving up (the client left) stops the provider's side too.
            if (!ended) {
              ended = true;
              detach();
              started.abort(error ?? new errors.RequestAbortedError());
            }
            callback(error);
          },
        });
        resolve({ status, headers, body: stream, whole: undefined });
      },
      onResponseData(started, chunk) {
        if (stream === undefined) chunks.push(chunk);
        else if (!stream.push(chunk)) started.pause();
      },
      onResponseEnd() {
        ended = true;
        detach();
        if (stream !== undefined) {
          stream.push(null);
          return;
        }
        const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (mode === "whole") resolve(wholeResponse(status, headers, whole));
        else reject(refusal(target, provider, status, headers, whole.toString("utf8")));
      },
      onResponseError(_controller, error) {
        const first = !ended;
        ended = true;
        detach();
        if (stream !== undefined) {
          if (first) stream.destroy(error);
        } else {
          reject(fromTransportError(provider, error));
        }
      },
    };
    try {
      target.pool.dispatch(
        {
          method: request.method,
          path: `${target.basePath}${request.path}`,
          headers: { ...request.headers, ...target.credentialHeaders },
          body: request.body,
        },
        handler,
      );
    } catch (error) {
      detach();
      reject(fromTransportError(provider, error));
    }
  });
}

function wholeResponse(status: number, headers: UpstreamHeaders, whole: Buffer): UpstreamResponse {
  let stream: Readable | undefined;
  return {
    status,
    headers,
    whole,
    get body() {
      stream ??= Readable.from([whole]);
      return stream;
    },
  };
}

/** The provider's error for a non-2xx answer, its raw answer kept beside it (upstreamErrorAnswer). */
function refusal(
  target: Endpoint,
  provider: string,
  status: number,
  responseHeaders: UpstreamHeaders,
  text: string,
): ProviderError {
  const headers = stringHeaders(responseHeaders);
  const error = target.mapError({ provider, status, headers, body: text });
  rawAnswers.set(error, { status, headers, body: text });
  return error;
}

/** What a request stopped by `signal` fails with: its reason, as undici's own request() does. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new errors.RequestAbortedError();
}

// How each endpoint takes a key, as the provider clients and Claude Code send it: Anthropic's own API
// x-api-key; Z.ai's and Moonshot's Anthropic endpoints and the OpenAI-style APIs a bearer token;
// Gemini x-goog-api-key.
function credentialHeaders(
  provider: ResolvedProvider,
  dialect: Dialect,
  key: string,
): Record<string, string> {
  if (dialect === "gemini") return { "x-goog-api-key": key };
  if (dialect === "anthropic" && provider.api === "anthropic") return { "x-api-key": key };
  return { authorization: `Bearer ${key}` };
}

function errorMapper(provider: ResolvedProvider, dialect: Dialect): (failure: HttpFailure) => ProviderError {
  if (dialect === "anthropic") return mapAnthropicError;
  if (dialect === "gemini") return mapGoogleError;
  return provider.api === "moonshot" ? mapMoonshotError : mapZaiError;
}

export function stringHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
