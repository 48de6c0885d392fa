// One gateway request, start to end: body read under the limit, model resolved to a route of the
// targets this key may use, then the call through executeRoute (fallback only before anything
// reached the client): passed through byte for byte to a target speaking the client's dialect,
// translated through the chat vocabulary for any other. The answer carries the x-aio-* headers,
// usage is counted on the way past, and a failure after the first byte is the dialect's error event.
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { allowedTargets } from "../auth/provider-access.ts";
import { AppError } from "../errors.ts";
import { countAnswer, countingUnavailable, countsTokens, countTokens } from "../gateway/count-tokens.ts";
import {
  type DialectRequest,
  type GeminiCall,
  parseDialectRequest,
  type TranslatedAnswer,
  translateRequest,
} from "../gateway/dialects/translate.ts";
import { executeRoute } from "../gateway/execute-route.ts";
import { type UpstreamHeaders, type UpstreamResponse, upstreamErrorAnswer } from "../gateway/forward.ts";
import { passthroughBaseUrl, type Route, type RouteTarget } from "../gateway/routing.ts";
import type { Hub } from "../hub/hub.ts";
import type { Dialect } from "../providers/definitions.ts";
import { fromTransportError, ProviderError } from "../providers/errors.ts";
import { type FallbackAttempt, FallbackExhaustedError } from "../resilience/errors.ts";
import { answeredDirectly, type ServerEnv } from "./context.ts";
import { classifyError, errorStreamEvent } from "./error-response.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { parseJsonObject, readBody } from "./request-body.ts";
import { endGatewayCall, startGatewayCall } from "./traffic-recorder.ts";
import { createUsageScanner, type UsageScanner } from "./usage-scanner.ts";

/** How one dialect route finds the model in a request and where the request goes upstream. */
export interface DialectCall {
  dialect: Dialect;
  /** Gemini's model and streaming, from the URL. */
  gemini?: GeminiCall;
  /** The model the client asked for. */
  model(body: Record<string, unknown>): unknown;
  /** The upstream path, appended to the endpoint's base path. */
  path(target: RouteTarget): string;
  /** Whether the body names the model (Anthropic, OpenAI) and so is rewritten for another one. */
  modelInBody: boolean;
  /** False for a Gemini stream without `alt=sse`: one JSON array, sent as it is produced. */
  sse: boolean;
  /** A token count (Anthropic's count_tokens, Gemini's countTokens), not a generation. */
  count: boolean;
}

export interface RelayDependencies {
  hub: Hub;
  metrics: GatewayMetrics;
  bodyLimitBytes: number;
  /** The hub config's resolveRoute (gateway/routing.ts routeResolver). */
  resolveRoute: (asked: string) => Route;
}

// Request headers that describe this hop or carry the client's hub key, never the provider's.
const REQUEST_HEADERS_DROPPED = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
  "content-length",
  "authorization",
  "x-api-key",
  "x-goog-api-key",
  "cookie",
  // The hub scans answers for usage: it asks for them uncompressed.
  "accept-encoding",
]);

const RESPONSE_HEADERS_DROPPED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "trailer",
  "set-cookie",
]);

export async function relay(
  c: Context<ServerEnv>,
  dependencies: RelayDependencies,
  call: DialectCall,
): Promise<Response> {
  const { hub, metrics } = dependencies;
  const { dialect } = call;
  const bytes = await readBody(c, dependencies.bodyLimitBytes);
  const body = parseJsonObject(c, bytes);
  const asked = call.model(body);
  if (typeof asked !== "string" || asked === "") {
    throw new AppError(
      "usage",
      "the request names no model: set `model` to a model or alias (GET /v1/models lists them)",
    );
  }
  const noted = startGatewayCall(c, asked);
  const { route, translation } = usableRoute(c, dependencies.resolveRoute(asked), call, body);
  const headers = forwardedHeaders(c);
  const clientSignal = c.req.raw.signal;
  // Who was given up on, and why, as the policy moves along the route: for the headers of an error too.
  const skipped: FallbackAttempt[] = [];
  // Passthrough answers are scanned for usage as they pass; translated ones report it when done.
  const usage = createUsageScanner(dialect);
  let result: Awaited<ReturnType<typeof executeRoute<Answer>>>;
  const calling = performance.now();
  try {
    result = await executeRoute(
      hub.resilience,
      route,
      async (target, context): Promise<Answer> => {
        const sent = performance.now();
        const answering = (): void => {
          metrics.upstreamFirstByte.observe(
            { provider: target.provider.id },
            (performance.now() - sent) / 1000,
          );
          context.progress();
        };
        if (translation === undefined || passthroughBaseUrl(target.provider, dialect) !== undefined) {
          const upstream = await hub.upstreams.send({
            provider: target.provider,
            dialect,
            method: "POST",
            path: call.path(target),
            headers,
            body:
              call.modelInBody && body.model !== target.model
                ? JSON.stringify({ ...body, model: target.model })
                : bytes,
            signal: context.signal,
            // A whole JSON answer is read here, inside the policy: one that breaks off or is not JSON is
            // the provider failing before the first byte reached the client, so the next one is tried.
            readWhole: (answerHeaders) => !streamedAnswer(call, answerHeaders),
            onHeaders: answering,
          });
          const whole = upstream.whole;
          return {
            kind: "passthrough",
            upstream,
            whole: whole === undefined ? undefined : checkedAnswer(target.provider.id, upstream, whole),
          };
        }
        let translated: TranslatedAnswer;
        if (call.count) {
          const total = await countTokens(hub.upstreams, target, translation.chat, context.signal);
          translated = { kind: "json", body: countAnswer(dialect, total) };
        } else {
          translated = await translateRequest(
            translation,
            { client: hub.providers.client(target.provider.id), model: target.model },
            // The client leaving must stop a translated stream too, after this call has returned.
            {
              // The model that answered, as a passthrough answer names it (a fallback's, an alias's target).
              reportedModel: target.model,
              signal: AbortSignal.any([context.signal, clientSignal]),
              onFinish: (finish) => usage.reported(finish.usage?.inputTokens, finish.usage?.outputTokens),
            },
          );
        }
        answering();
        return { kind: "translated", translated };
      },
      { signal: clientSignal, onFallback: (attempt) => skipped.push(attempt) },
    );
  } catch (error) {
    c.set("waitedMs", performance.now() - calling);
    // The target that failed last is the one after those given up on (an open circuit included).
    noted.provider = route.targets[Math.min(skipped.length, route.targets.length - 1)]!.provider.id;
    noted.fallbacks = skipped;
    const failed: Record<string, string> = { "x-aio-provider": noted.provider };
    if (skipped.length > 0) failed["x-aio-fallbacks"] = describeFallbacks(skipped);
    c.set("aioHeaders", failed);
    const raw = upstreamErrorAnswer(error instanceof FallbackExhaustedError ? error.lastError : error);
    // A mistake in the client's request, told by a provider of the client's own dialect: its own words.
    if (raw !== undefined && classifyError(error).category === "invalid_request") {
      stampOverhead(c, metrics, dialect, failed);
      return new Response(raw.body, {
        status: raw.status,
        headers: { ...relayedHeaders(raw.headers), ...failed },
      });
    }
    throw error;
  }
  c.set("waitedMs", performance.now() - calling);
  const answer = result.value;
  const provider = result.target.provider.id;
  noted.provider = provider;
  noted.fallbacks = result.fallbacks;
  const responseHeaders =
    answer.kind === "passthrough"
      ? relayedHeaders(answer.upstream.headers)
      : {
          "content-type":
            answer.translated.kind === "json" ? "application/json" : answer.translated.contentType,
        };
  responseHeaders["x-aio-provider"] = provider;
  if (result.fallbacks.length > 0) responseHeaders["x-aio-fallbacks"] = describeFallbacks(result.fallbacks);
  if (answer.kind === "translated" && answer.translated.kind === "stream")
    responseHeaders["cache-control"] = "no-cache";
  const status = answer.kind === "passthrough" ? answer.upstream.status : 200;
  // Set only for a passthrough stream answered through Hono (no node response to watch: see below).
  let stopOnDisconnect: (() => void) | undefined;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    if (stopOnDisconnect !== undefined) clientSignal.removeEventListener("abort", stopOnDisconnect);
    endGatewayCall(noted, usage.record(metrics, provider));
  };

  const whole = wholeBody(answer);
  // Under node the answer is written straight to its ServerResponse: no web stream, Response or
  // Headers object per request (Hono's node adapter is told the answer has been sent).
  const outgoing = directWrites ? c.env?.outgoing : undefined;
  if (whole === undefined) {
    stampOverhead(c, metrics, dialect, responseHeaders);
    const relay: StreamRelay = {
      usage,
      dialect,
      sse: call.sse,
      finish,
      failed: (caught) => {
        const error = fromTransportError(provider, caught);
        // A stream broken midway is the provider failing, though fallback can no longer help.
        hub.resilience.reportFailure(provider, error);
        hub.logger.warn(
          {
            requestId: c.get("requestId"),
            provider,
            error: error instanceof Error ? error.message : String(error),
          },
          `${provider} failed in the middle of a streamed answer; the client was sent an error event`,
        );
        return Buffer.from(errorStreamEvent(dialect, error, call.sse));
      },
    };
    if (outgoing === undefined) {
      if (answer.kind === "passthrough") {
        // A pending read would hold back an iterator's return(): the provider's body is destroyed instead.
        const body = answer.upstream.body;
        stopOnDisconnect = () => body.destroy();
        clientSignal.addEventListener("abort", stopOnDisconnect, { once: true });
      }
      return new Response(relayStream(answerChunks(answer), relay), { status, headers: responseHeaders });
    }
    outgoing.writeHead(status, responseHeaders);
    // The headers leave with the first event when it is already here (usually: it came in the same
    // read as the provider's headers), saving a write to the socket per stream; a provider that is
    // slower to send its first event still has its headers passed on at once, in this turn of the loop.
    setImmediate(flushHeadersIfUnsent, outgoing);
    if (answer.kind === "passthrough") pipeAnswer(answer.upstream.body, outgoing, relay);
    else void pumpAnswer(answerChunks(answer), outgoing, relay);
    return answeredDirectly(c, status, responseHeaders, RESPONSE_ALREADY_SENT);
  }
  stampOverhead(c, metrics, dialect, responseHeaders);
  if (outgoing === undefined) {
    usage.scan(whole);
    finish();
    return new Response(whole, { status, headers: responseHeaders });
  }
  responseHeaders["content-length"] = String(whole.byteLength);
  outgoing.writeHead(status, responseHeaders);
  outgoing.end(whole);
  // Counting tokens and noting the call wait until the answer is on its way: the client is not kept for them.
  usage.scan(whole);
  finish();
  return answeredDirectly(c, status, responseHeaders, RESPONSE_ALREADY_SENT);
}

/**
 * Whether the node adapter will take RESPONSE_ALREADY_SENT as "already sent": only when it is the
 * platform's own Response (it is, unless the adapter had replaced the global before it was built).
 */
const directWrites = Object.getOwnPropertySymbols(RESPONSE_ALREADY_SENT).length === 0;

function flushHeadersIfUnsent(outgoing: ServerResponse): void {
  if (!outgoing.headersSent && !outgoing.destroyed) outgoing.flushHeaders();
}

/**
 * What a target answered: the provider's own bytes — still to come for a stream, `whole` for a
 * JSON answer — or an answer translated into the client's dialect.
 */
type Answer =
  | { kind: "passthrough"; upstream: UpstreamResponse; whole: Buffer | undefined }
  | { kind: "translated"; translated: TranslatedAnswer };

/** The bytes of an answer sent in one piece; undefined for a stream. */
function wholeBody(answer: Answer): Buffer | undefined {
  if (answer.kind === "passthrough") return answer.whole;
  const translated = answer.translated;
  return translated.kind === "json" ? Buffer.from(JSON.stringify(translated.body)) : undefined;
}

/** A streamed answer's bytes as they come; `return()` stops the provider's side. */
function answerChunks(answer: Answer): AsyncIterator<Buffer> {
  if (answer.kind === "passthrough") return answer.upstream.body[Symbol.asyncIterator]();
  const translated = answer.translated;
  if (translated.kind === "json") throw new Error("a JSON answer is sent whole, not streamed");
  const frames = translated.frames[Symbol.asyncIterator]();
  return {
    async next() {
      const frame = await frames.next();
      return frame.done === true
        ? { done: true, value: undefined }
        : { done: false, value: Buffer.from(frame.value) };
    },
    async return() {
      await frames.return?.();
      return { done: true, value: undefined };
    },
  };
}

interface UsableRoute {
  route: Route;
  /** The request in the chat vocabulary, when some target must be spoken to in another dialect. */
  translation: DialectRequest | undefined;
}

/**
 * The route narrowed to what this key may reach. Targets that speak the client's dialect are
 * passed through; the others need the request translated, and are dropped when it cannot be
 * (the reason is the 400 when no target is left).
 */
function usableRoute(
  c: Context<ServerEnv>,
  route: Route,
  call: DialectCall,
  body: Record<string, unknown>,
): UsableRoute {
  const allowed = allowedTargets(c.get("principal"), route.targets, route.asked);
  const speaks = (target: RouteTarget): boolean =>
    passthroughBaseUrl(target.provider, call.dialect) !== undefined;
  const speaking = allowed.filter(speaks);
  if (speaking.length === allowed.length)
    return { route: { ...route, targets: allowed }, translation: undefined };
  // A count goes only where the model's tokens can be counted: never a generation in its place.
  const reachable = call.count
    ? allowed.filter((target) => speaks(target) || countsTokens(target.provider))
    : allowed;
  const [first] = allowed;
  if (first !== undefined && !reachable.includes(first))
    throw countingUnavailable(route.asked, first.provider);
  try {
    const translation = parseDialectRequest(call.dialect, body, call.gemini, { count: call.count });
    return { route: { ...route, targets: reachable }, translation };
  } catch (error) {
    if (speaking.length === 0) throw error;
    return { route: { ...route, targets: speaking }, translation: undefined };
  }
}

function forwardedHeaders(c: Context<ServerEnv>): Record<string, string> {
  const forwarded: Record<string, string> = {};
  const incoming = c.env?.incoming?.headers;
  if (incoming) {
    for (const name in incoming) {
      const value = incoming[name];
      if (value === undefined || REQUEST_HEADERS_DROPPED.has(name)) continue;
      forwarded[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    return forwarded;
  }
  c.req.raw.headers.forEach((value, name) => {
    if (!REQUEST_HEADERS_DROPPED.has(name)) forwarded[name] = value;
  });
  return forwarded;
}

function relayedHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const relayed: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || RESPONSE_HEADERS_DROPPED.has(name)) continue;
    relayed[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return relayed;
}

/** `zai=overloaded, moonshot=circuit_open`: who was skipped, and why, in order. */
export function describeFallbacks(attempts: readonly FallbackAttempt[]): string {
  return attempts.map((attempt) => `${attempt.provider}=${attempt.kind}`).join(", ");
}

/**
 * `x-aio-overhead-ms` on an answer about to leave, and the overhead metric: the time since the
 * request arrived less the time spent inside the route's policies — waiting on providers, and on
 * the policy's own waits (retry backoff, a bulkhead's queue), none of which is the hub's work.
 */
export function stampOverhead(
  c: Context<ServerEnv>,
  metrics: GatewayMetrics,
  dialect: Dialect,
  headers: Record<string, string>,
): void {
  const overheadMs = performance.now() - c.get("started") - (c.get("waitedMs") ?? 0);
  headers["x-aio-overhead-ms"] = overheadMs.toFixed(3);
  metrics.overhead.observe({ dialect }, overheadMs / 1000);
}

/** Whether a passed-through answer is a stream (relayed as it comes) rather than one JSON body. */
function streamedAnswer(call: DialectCall, headers: UpstreamHeaders): boolean {
  if (!call.sse) return true;
  const type = headers["content-type"];
  return typeof type === "string" && type.includes("event-stream");
}

/**
 * The provider's whole answer, checked: one labelled JSON that does not parse is the provider failing
 * (a `protocol` error: 502, counted on its breaker, the next target tried), as is one that broke off
 * (which `send` rejected already).
 */
function checkedAnswer(provider: string, upstream: UpstreamResponse, whole: Buffer): Buffer {
  const type = upstream.headers["content-type"];
  if (typeof type === "string" && type.includes("json")) {
    try {
      JSON.parse(whole.toString("utf8"));
    } catch {
      throw new ProviderError({
        kind: "protocol",
        provider,
        status: upstream.status,
        message: `${provider} sent a response that is not JSON (HTTP ${upstream.status})`,
      });
    }
  }
  return whole;
}

/**
 * The provider's stream as the client's: each chunk passed on as it comes, read only as fast as
 * the client takes it. A failure of the provider midway ends the stream with the dialect's error event.
 */
interface StreamRelay {
  usage: UsageScanner;
  dialect: Dialect;
  sse: boolean;
  /** Called once, when the stream ends, fails or the client leaves. */
  finish: () => void;
  /** The provider failed midway: reports it and returns the error event that ends the client's stream. */
  failed: (error: unknown) => Buffer;
}

/** A passthrough stream onto node's response: each chunk written as it arrives, paused while the client is behind. */
function pipeAnswer(body: Readable, outgoing: ServerResponse, relay: StreamRelay): void {
  const { usage, finish } = relay;
  const resume = (): void => {
    body.resume();
  };
  body.on("data", (chunk: Buffer) => {
    usage.scan(chunk);
    if (!outgoing.write(chunk)) body.pause();
  });
  outgoing.on("drain", resume);
  body.once("end", () => {
    finish();
    outgoing.end();
  });
  body.once("error", (caught) => {
    finish();
    // The client leaving destroys the provider's body too (see relay): nothing is left to tell.
    if (outgoing.destroyed || outgoing.writableEnded) return;
    outgoing.end(relay.failed(caught));
  });
  // The client leaving (the response closing before the provider's last byte) stops the provider's side.
  outgoing.once("close", () => {
    outgoing.off("drain", resume);
    if (!body.readableEnded) body.destroy();
    finish();
  });
}

/** A translated stream onto node's response, frame by frame, waiting for the client when it is behind. */
async function pumpAnswer(
  chunks: AsyncIterator<Buffer>,
  outgoing: ServerResponse,
  relay: StreamRelay,
): Promise<void> {
  try {
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
      relay.usage.scan(next.value);
      if (!outgoing.write(next.value)) await writable(outgoing);
      if (outgoing.destroyed) {
        await chunks.return?.();
        return;
      }
    }
    outgoing.end();
  } catch (caught) {
    if (!outgoing.destroyed && !outgoing.writableEnded) outgoing.end(relay.failed(caught));
  } finally {
    relay.finish();
  }
}

/** Resolves once the response can take more, or is gone. */
function writable(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      outgoing.off("drain", done);
      outgoing.off("close", done);
      resolve();
    };
    outgoing.on("drain", done);
    outgoing.on("close", done);
  });
}

function relayStream(chunks: AsyncIterator<Buffer>, relay: StreamRelay): ReadableStream<Uint8Array> {
  const { usage, finish } = relay;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) {
            finish();
            controller.close();
            return;
          }
          const chunk = next.value;
          usage.scan(chunk);
          controller.enqueue(chunk);
        } catch (caught) {
          finish();
          controller.enqueue(relay.failed(caught));
          controller.close();
        }
      },
      async cancel() {
        finish();
        await chunks.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
