// Passthrough to a provider that speaks the client's dialect: the request goes out on the hub's
// pool for that endpoint with the provider's own key in the header that endpoint takes, and the
// answer comes back as a byte stream, untouched. A non-2xx answer becomes the provider's
// ProviderError (so the policy can retry or fall back) with the raw answer kept beside it.
import type { Readable } from "node:stream";
import { Pool } from "undici";
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
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
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
    async send(request) {
      const target = endpoint(request.provider, request.dialect);
      let response: Awaited<ReturnType<Pool["request"]>>;
      try {
        response = await target.pool.request({
          method: request.method,
          path: `${target.basePath}${request.path}`,
          headers: { ...request.headers, ...target.credentialHeaders },
          body: request.body,
          signal: request.signal,
        });
      } catch (error) {
        throw fromTransportError(request.provider.id, error);
      }
      if (response.statusCode >= 200 && response.statusCode < 300) {
        return { status: response.statusCode, headers: response.headers, body: response.body };
      }
      let text: string;
      try {
        text = await response.body.text();
      } catch (error) {
        throw fromTransportError(request.provider.id, error);
      }
      const headers = stringHeaders(response.headers);
      const error = target.mapError({
        provider: request.provider.id,
        status: response.statusCode,
        headers,
        body: text,
      });
      rawAnswers.set(error, { status: response.statusCode, headers, body: text });
      throw error;
    },
    async close() {
      const closing = [...pools.values()].map((pool) => pool.close());
      pools.clear();
      endpoints.clear();
      await Promise.all(closing);
    },
  };
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
