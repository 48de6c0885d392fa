// The HTTP layer every provider client sits on: one undici connection pool per provider client, with
// its own connection limit and timeouts (connect, first byte, body idle), so one provider's stuck
// sockets never hold another's requests. Failures come out as ProviderError, never as raw undici errors.
import { Readable } from "node:stream";
import { Agent, type Dispatcher, request } from "undici";
import type { z } from "zod";
import {
  fromTransportError,
  type HttpFailure,
  ProviderError,
  parseJsonBody,
  redactSecret,
  requestIdFromHeaders,
} from "./errors.ts";
import type { FileData } from "./files.ts";
import { createServerSentEventParser, type ServerSentEvent } from "./server-sent-events.ts";

export interface ProviderTimeouts {
  /** Establishing the TCP/TLS connection. */
  connectMs: number;
  /** From sending the request to the response headers (for a stream: its first byte). */
  firstByteMs: number;
  /** Longest silence between two chunks of a response body. */
  bodyIdleMs: number;
}

export const DEFAULT_PROVIDER_TIMEOUTS: Readonly<ProviderTimeouts> = {
  connectMs: 10_000,
  // Non-streaming chat with a large output can take minutes before the first byte.
  firstByteMs: 300_000,
  bodyIdleMs: 120_000,
};

export const DEFAULT_PROVIDER_CONNECTIONS = 16;

export interface ProviderTransportOptions {
  timeouts?: Partial<ProviderTimeouts> | undefined;
  /** Most sockets open to one origin of this provider at a time. */
  connections?: number | undefined;
  /** Send through this dispatcher instead of a pool of the client's own; the client then never closes it. */
  dispatcher?: Dispatcher | undefined;
}

/** One provider's connection pool. */
export function createProviderAgent(options: Omit<ProviderTransportOptions, "dispatcher"> = {}): Agent {
  const timeouts = { ...DEFAULT_PROVIDER_TIMEOUTS, ...options.timeouts };
  return new Agent({
    connections: options.connections ?? DEFAULT_PROVIDER_CONNECTIONS,
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.firstByteMs,
    bodyTimeout: timeouts.bodyIdleMs,
    keepAliveTimeout: 30_000,
  });
}

export type HttpMethod = "GET" | "POST" | "DELETE";

export interface HttpRequest {
  method: HttpMethod;
  /** Appended to the base URL, or an absolute URL (Gemini's upload session). */
  path: string;
  query?: Readonly<Record<string, string | number | undefined>>;
  headers?: Readonly<Record<string, string>>;
  /** Sent as application/json. */
  json?: unknown;
  /** A stream is sent as it is read; give its content-length in `headers`. */
  body?: Uint8Array | string | AsyncIterable<Uint8Array>;
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  text: string;
}

export interface ProviderHttpOptions extends ProviderTransportOptions {
  provider: string;
  baseUrl: string;
  /** Only used to keep the key out of error messages; authentication travels in `headers`. */
  apiKey: string;
  headers: Readonly<Record<string, string>>;
  mapError: (failure: HttpFailure) => ProviderError;
}

export interface ProviderHttp {
  readonly provider: string;
  /** A successful exchange with its body as text; a non-2xx status throws the mapped ProviderError. */
  send(request: HttpRequest): Promise<HttpResponse>;
  /** A successful JSON response, checked against `schema` (a mismatch is a `protocol` error). */
  json<T>(request: HttpRequest, schema: z.ZodType<T>): Promise<T>;
  bytes(request: HttpRequest): Promise<Uint8Array>;
  /** Server-sent events, parsed as they arrive. Breaking out of the loop closes the response. */
  events(request: HttpRequest): AsyncGenerator<ServerSentEvent, void, undefined>;
  close(): Promise<void>;
}

export function createProviderHttp(options: ProviderHttpOptions): ProviderHttp {
  const { provider, apiKey } = options;
  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher = options.dispatcher ?? createProviderAgent(options);
  const baseUrl = options.baseUrl.replace(/\/+$/, "");

  async function open(input: HttpRequest): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { ...options.headers, ...input.headers };
    let body: Uint8Array | string | Readable | undefined =
      input.body === undefined || typeof input.body === "string" || input.body instanceof Uint8Array
        ? input.body
        : Readable.from(input.body, { objectMode: false });
    if (input.json !== undefined) {
      body = JSON.stringify(input.json);
      headers["content-type"] = "application/json";
    }
    let response: Dispatcher.ResponseData;
    try {
      response = await request(buildUrl(baseUrl, input), {
        method: input.method,
        headers,
        body: body ?? null,
        signal: input.signal,
        dispatcher,
      });
    } catch (error) {
      throw fromTransportError(provider, error);
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    const responseHeaders = flattenHeaders(response.headers);
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw fromTransportError(provider, error);
    }
    throw options.mapError({
      provider,
      status: response.statusCode,
      headers: responseHeaders,
      body: redactSecret(text, apiKey),
    });
  }

  async function send(input: HttpRequest): Promise<HttpResponse> {
    const response = await open(input);
    try {
      const text = await response.body.text();
      return { status: response.statusCode, headers: flattenHeaders(response.headers), text };
    } catch (error) {
      throw fromTransportError(provider, error);
    }
  }

  return {
    provider,
    send,
    async json(input, schema) {
      const response = await send(input);
      return parseResponse(provider, response, schema);
    },
    async bytes(input) {
      const response = await open(input);
      try {
        return new Uint8Array(await response.body.arrayBuffer());
      } catch (error) {
        throw fromTransportError(provider, error);
      }
    },
    async *events(input) {
      const response = await open({ ...input, headers: { accept: "text/event-stream", ...input.headers } });
      const headers = flattenHeaders(response.headers);
      // A JSON body where a stream was asked for is the provider's mistake, not a dropped connection.
      if (/[/+]json\b/i.test(headers["content-type"] ?? "")) {
        let text = "";
        try {
          text = await response.body.text();
        } catch {
          // What arrived is enough to say what is wrong.
        }
        throw new ProviderError({
          kind: "protocol",
          provider,
          status: response.statusCode,
          requestId: requestIdFromHeaders(headers),
          message: `${provider} answered a streamed request with JSON instead of an event stream${parseJsonBody(text) === undefined ? ", cut off before its end" : ""} (HTTP ${response.statusCode})`,
        });
      }
      const parser = createServerSentEventParser();
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body) {
          const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
          yield* parser.push(text);
        }
        yield* parser.push(`${decoder.decode()}`);
        yield* parser.end();
      } catch (error) {
        throw fromTransportError(provider, error);
      } finally {
        // Stops the download when the consumer leaves early; a no-op once the body has ended.
        response.body.destroy();
      }
    },
    async close() {
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}

/** Checks a 2xx body against the schema the client expects; anything else is a `protocol` error. */
export function parseResponse<T>(provider: string, response: HttpResponse, schema: z.ZodType<T>): T {
  const value = parseJsonBody(response.text);
  if (value === undefined) {
    throw new ProviderError({
      kind: "protocol",
      provider,
      status: response.status,
      requestId: requestIdFromHeaders(response.headers),
      message: `${provider} sent a response that is not JSON (HTTP ${response.status})`,
    });
  }
  return parseProviderValue(provider, value, schema, response.status);
}

export function parseProviderValue<T>(
  provider: string,
  value: unknown,
  schema: z.ZodType<T>,
  status?: number,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join(".") : "body";
  throw new ProviderError({
    kind: "protocol",
    provider,
    status,
    message: `${provider} sent an unexpected response: ${where}: ${issue?.message ?? "invalid"}`,
  });
}

/** The JSON of one stream event; anything else is a `protocol` error naming the start of it. */
export function parseEventData(provider: string, data: string): unknown {
  const value = parseJsonBody(data);
  if (value === undefined) {
    throw new ProviderError({
      kind: "protocol",
      provider,
      message: `${provider} sent a stream event that is not JSON: ${data.slice(0, 80)}`,
    });
  }
  return value;
}

/** A stream that closed before its provider said the answer was complete (no finish reason, no stop event). */
export function streamEndedEarly(provider: string, missing = "the answer was complete"): ProviderError {
  return new ProviderError({
    kind: "network",
    provider,
    message: `${provider}: the stream ended before ${missing}`,
  });
}

function buildUrl(baseUrl: string, input: HttpRequest): string {
  const url = new URL(/^https?:\/\//.test(input.path) ? input.path : `${baseUrl}${input.path}`);
  for (const [name, value] of Object.entries(input.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.toString();
}

export function flattenHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

export type MultipartPart =
  | { name: string; value: string }
  | { name: string; filename: string; contentType: string; data: FileData };

export interface MultipartBody {
  /** In memory when every part was; a stream when a part is a file read as it is sent. */
  body: Uint8Array | AsyncIterable<Uint8Array>;
  contentType: string;
  /** The body's exact size, for content-length. */
  length: number;
}

/** multipart/form-data, built by hand so the file name (often non-ASCII) is sent exactly as given. */
export function multipartBody(parts: readonly MultipartPart[]): MultipartBody {
  const boundary = `----ai-orchestrator-${crypto.randomUUID()}`;
  const segments: FileData[] = [];
  const encoder = new TextEncoder();
  for (const part of parts) {
    if ("data" in part) {
      segments.push(
        encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="${quoteField(part.name)}"; filename="${quoteField(part.filename)}"\r\nContent-Type: ${part.contentType}\r\n\r\n`,
        ),
        part.data,
        encoder.encode("\r\n"),
      );
    } else {
      segments.push(
        encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="${quoteField(part.name)}"\r\n\r\n${part.value}\r\n`,
        ),
      );
    }
  }
  segments.push(encoder.encode(`--${boundary}--\r\n`));
  const contentType = `multipart/form-data; boundary=${boundary}`;
  const length = segments.reduce((sum, segment) => sum + segment.byteLength, 0);
  const inMemory = segments.filter((segment) => segment instanceof Uint8Array);
  if (inMemory.length === segments.length) return { body: Buffer.concat(inMemory), contentType, length };
  return { body: streamSegments(segments), contentType, length };
}

async function* streamSegments(segments: readonly FileData[]): AsyncGenerator<Uint8Array> {
  for (const segment of segments) {
    if (segment instanceof Uint8Array) yield segment;
    else yield* segment.stream();
  }
}

function quoteField(value: string): string {
  return value.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
