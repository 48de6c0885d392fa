// The HTTP plumbing around one simulated provider: read and record the request, authenticate it,
// apply an armed fault, run the route, and write the reply (or withhold it, as the fault says).
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { ProviderApi } from "../config/schema/index.ts";
import { type Fault, type FaultBook, faultSchema } from "./faults.ts";
import {
  type Call,
  DEFAULT_KEEP_BODY,
  type Problem,
  type ProviderSimulator,
  type Reply,
  type ReplyHeaders,
  type Route,
  SimulatedError,
  type Surface,
} from "./wire.ts";

export interface RecordedRequest {
  provider: ProviderApi;
  method: string;
  /** Path with query string. */
  path: string;
  headers: Record<string, string>;
  /** The body as text, cut at RECORDED_BODY_LIMIT characters. */
  body: string;
  at: number;
}

/** Recorded bodies are for assertions, not storage: uploads are cut here. */
export const RECORDED_BODY_LIMIT = 64 * 1024;

export interface SimulatorContext {
  faults: FaultBook;
  record(request: RecordedRequest): void;
  requests(provider: ProviderApi): RecordedRequest[];
  clearRequests(provider: ProviderApi): void;
  /** Accepted keys; undefined: any non-empty key. */
  keys: readonly string[] | undefined;
  now: () => number;
}

export interface RunningServer {
  server: Server;
  /** Sets the origin once the port is known. */
  setOrigin(origin: string): void;
  /** Ends hung and streaming connections so close() returns promptly. */
  close(): Promise<void>;
}

export function createSimulatorServer(
  simulator: ProviderSimulator,
  context: SimulatorContext,
): RunningServer {
  let origin = "";
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server = createServer({ keepAliveTimeout: 30_000 }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A handler bug must still answer: as the provider's own 500, never a dropped socket.
      const requestId = simulator.newRequestId("native");
      if (!response.headersSent && !response.destroyed) {
        const message = error instanceof Error ? error.message : String(error);
        writeReply(
          response,
          withHeaders(
            simulator.errorReply("native", { kind: "server", message }, requestId),
            simulator.commonHeaders("native", requestId),
          ),
          undefined,
        );
      } else response.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://simulator.invalid");
    const method = (request.method ?? "GET").toUpperCase();
    const pathWithQuery = `${url.pathname}${url.search}`;

    if (url.pathname.startsWith("/_simulator/")) {
      const body = await readBody(request, DEFAULT_KEEP_BODY, undefined);
      writeReply(response, control(method, url.pathname, body.kept), undefined);
      return;
    }

    const found = findRoute(simulator.routes, method, url.pathname);
    const surface: Surface = found?.route.surface ?? "native";
    const requestId = simulator.newRequestId(surface);
    const common = simulator.commonHeaders(surface, requestId);
    const body = await readBody(
      request,
      found?.route.keepBody ?? DEFAULT_KEEP_BODY,
      found?.route.bodySink?.(url, request.headers),
    );
    context.record({
      provider: simulator.provider,
      method,
      path: pathWithQuery,
      headers: flattenHeaders(request.headers),
      body: body.kept.subarray(0, RECORDED_BODY_LIMIT).toString("utf8"),
      at: context.now(),
    });

    if (method === "HEAD") {
      // Claude Code probes the base URL with HEAD before its first request.
      writeReply(response, { type: "empty", status: 200, headers: common }, undefined);
      return;
    }
    if (!found) {
      writeReply(
        response,
        withHeaders(simulator.unknownRoute(method, url, request.headers, requestId), common),
        undefined,
      );
      return;
    }
    const fail = (problem: Problem): void =>
      writeReply(response, withHeaders(simulator.errorReply(surface, problem, requestId), common), undefined);

    let key = "";
    const authRequired =
      typeof found.route.auth === "function" ? found.route.auth(url) : found.route.auth !== false;
    if (authRequired) {
      const outcome = simulator.readKey(surface, request.headers, url);
      if (outcome.problem) return fail(outcome.problem);
      key = outcome.key ?? "";
      if (!keyAccepted(key, context.keys)) return fail({ kind: "invalid_key" });
    }

    const fault = context.faults.take(simulator.provider, pathWithQuery, method);
    if (fault?.kind === "latency") await sleep(fault.ms);
    if (fault?.kind === "hang") return; // the socket stays open until the client gives up or close()
    if (fault?.kind === "reset") {
      request.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === "status") {
      const problem = statusProblem(fault.status, fault.reason, fault.retryAfterSeconds);
      return fail(problem);
    }

    const call: Call = {
      provider: simulator.provider,
      surface,
      method,
      url,
      params: found.params,
      headers: request.headers,
      body: body.kept,
      bodyBytes: body.total,
      key,
      requestId,
      now: context.now,
      origin,
      fault,
    };
    let reply: Reply;
    try {
      reply = await found.route.handle(call);
    } catch (error) {
      if (!(error instanceof SimulatedError)) throw error;
      reply = simulator.errorReply(surface, error.problem, requestId);
    }
    if (fault?.kind === "slow-response") await sleep(fault.ms);
    if (fault?.kind === "lost-response") {
      // The work is done (file stored, chat counted); only the answer never arrives.
      request.socket.destroy();
      return;
    }
    await writeReplyPaced(response, withHeaders(reply, common), fault);
  }

  function control(method: string, path: string, body: Buffer): Reply {
    const provider = simulator.provider;
    if (path === "/_simulator/faults") {
      if (method === "GET")
        return { type: "json", status: 200, body: { faults: context.faults.list(provider) } };
      if (method === "DELETE") {
        context.faults.clear(provider);
        return { type: "json", status: 200, body: { cleared: true } };
      }
      if (method === "POST") {
        let candidate: unknown;
        try {
          candidate = JSON.parse(body.toString("utf8"));
        } catch {
          return controlError(400, 'body must be a JSON fault, e.g. {"kind":"status","status":529}');
        }
        const parsed = faultSchema.safeParse(candidate);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return controlError(
            400,
            `invalid fault: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`.trim(),
          );
        }
        context.faults.inject(provider, parsed.data);
        return { type: "json", status: 201, body: { injected: parsed.data } };
      }
    }
    if (path === "/_simulator/requests") {
      if (method === "GET")
        return { type: "json", status: 200, body: { requests: context.requests(provider) } };
      if (method === "DELETE") {
        context.clearRequests(provider);
        return { type: "json", status: 200, body: { cleared: true } };
      }
    }
    return controlError(404, `no simulator control route ${method} ${path}; see docs/simulators.md`);
  }

  async function writeReplyPaced(
    response: ServerResponse,
    reply: Reply,
    fault: Fault | undefined,
  ): Promise<void> {
    if (reply.type !== "sse") {
      writeReply(response, reply, fault);
      return;
    }
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      ...reply.headers,
    });
    const frames = fault?.kind === "malformed" ? malformFrames(reply.frames) : reply.frames;
    const stallAt =
      fault?.kind === "stall" ? (fault.afterEvents ?? Math.floor(frames.length / 2)) : undefined;
    for (const [index, frame] of frames.entries()) {
      if (stallAt !== undefined && index >= stallAt) return; // silent from here on, socket left open
      if (response.destroyed || closing) return;
      // One write per event, each flushed on its own, as a real stream arrives.
      if (!response.write(frame)) await new Promise((resolve) => response.once("drain", resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    response.end();
  }

  return {
    server,
    setOrigin(value) {
      origin = value;
    },
    close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
    },
  };
}

function controlError(status: number, message: string): Reply {
  return { type: "json", status, body: { error: { message } } };
}

export function statusProblem(
  status: number,
  reason: "rate_limit" | "quota" | "overloaded" | undefined,
  retryAfterSeconds: number | undefined,
): Problem {
  const withRetry = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  if (status === 429) return { kind: reason ?? "rate_limit", status, ...withRetry };
  if (status === 529) return { kind: "overloaded", status, ...withRetry };
  if (status === 503) return { kind: "unavailable", status, ...withRetry };
  if (status === 504) return { kind: "timeout", status, ...withRetry };
  if (status >= 500) return { kind: "server", status, ...withRetry };
  if (status === 401) return { kind: "invalid_key", status };
  if (status === 402) return { kind: "quota", status };
  if (status === 403) return { kind: "permission", status };
  if (status === 404) return { kind: "not_found", status };
  if (status === 413) return { kind: "too_large", status };
  return { kind: "invalid_request", status };
}

function findRoute(
  routes: readonly Route[],
  method: string,
  pathname: string,
): { route: Route; params: string[] } | undefined {
  const lookup = method === "HEAD" ? "GET" : method;
  for (const route of routes) {
    if (route.method !== lookup) continue;
    const match = route.path.exec(pathname);
    if (match) return { route, params: match.slice(1).map((value) => decodeURIComponent(value ?? "")) };
  }
  return undefined;
}

function keyAccepted(key: string, accepted: readonly string[] | undefined): boolean {
  if (key.length === 0) return false;
  if (accepted === undefined) return true;
  const given = Buffer.from(key);
  return accepted.some((candidate) => {
    const expected = Buffer.from(candidate);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

async function readBody(
  request: IncomingMessage,
  keep: number,
  sink: ((chunk: Buffer) => void) | undefined,
): Promise<{ kept: Buffer; total: number }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let total = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    total += buffer.length;
    sink?.(buffer);
    if (kept < keep) {
      const slice = buffer.subarray(0, keep - kept);
      chunks.push(slice);
      kept += slice.length;
    }
  }
  return { kept: Buffer.concat(chunks), total };
}

function flattenHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function withHeaders(reply: Reply, headers: ReplyHeaders): Reply {
  return { ...reply, headers: { ...headers, ...reply.headers } };
}

function malformFrames(frames: readonly string[]): string[] {
  const first = frames[0] ?? "";
  return [first, 'data: {"simulated": "malformed event\n\n'];
}

function writeReply(response: ServerResponse, reply: Reply, fault: Fault | undefined): void {
  if (response.destroyed) return;
  const headers = reply.headers ?? {};
  if (reply.type === "empty") {
    response.writeHead(reply.status, headers).end();
    return;
  }
  if (reply.type === "sse") {
    response.writeHead(200, { "content-type": "text/event-stream", ...headers }).end(reply.frames.join(""));
    return;
  }
  const contentType = reply.type === "json" ? "application/json; charset=utf-8" : reply.contentType;
  let payload: Buffer =
    reply.type === "json"
      ? Buffer.from(JSON.stringify(reply.body))
      : typeof reply.body === "string"
        ? Buffer.from(reply.body)
        : Buffer.from(reply.body);
  if (fault?.kind === "malformed")
    payload = Buffer.concat([payload.subarray(0, Math.floor(payload.length / 2)), Buffer.from("\u0000{")]);
  if (fault?.kind === "stall") {
    // Headers announce the whole body, half of it arrives, then nothing.
    response.writeHead(reply.status, {
      ...headers,
      "content-type": contentType,
      "content-length": String(payload.length),
    });
    response.write(payload.subarray(0, Math.floor(payload.length / 2)));
    return;
  }
  response
    .writeHead(reply.status, {
      ...headers,
      "content-type": contentType,
      "content-length": String(payload.length),
    })
    .end(payload);
}
