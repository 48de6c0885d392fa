// What the Hono app carries per request: the node bindings (absent under app.request() in tests),
// the caller's principal once authenticated, when the request arrived, and the x-aio-* headers an
// error answer must carry too.
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import type { Principal } from "../auth/hub-keys.ts";
import type { GatewayCall } from "./traffic-recorder.ts";

export interface ServerEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    /** performance.now() when the request reached the hub. */
    started: number;
    requestId: string;
    principal: Principal;
    /** Headers an error answer must carry too (x-aio-provider, x-aio-fallbacks, x-aio-overhead-ms). */
    aioHeaders: Record<string, string>;
    /** Milliseconds a gateway request spent inside its route's policies: not the hub's own time. */
    waitedMs: number;
    /** The route template, the `route` label of the request metrics. */
    route: string;
    /** What the relay learned about a gateway call, for the traffic record. */
    gatewayCall: GatewayCall;
    /** Set when the answer was written straight to node's response instead of returned to Hono. */
    directAnswer: DirectAnswer;
  };
}

/**
 * A request header, read from node's own header object when there is one: Hono's `c.req.header()`
 * would first copy every header into a fetch Headers object, on every request.
 */
export function requestHeader(c: Context<ServerEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** What a handler that wrote its answer straight to node's response sent, for the middleware after it. */
export interface DirectAnswer {
  status: number;
  headers: Readonly<Record<string, string>>;
}

/** Notes the answer written to node's response and returns the adapter's "already sent" marker. */
export function answeredDirectly(
  c: Context<ServerEnv>,
  status: number,
  headers: Readonly<Record<string, string>>,
  marker: Response,
): Response {
  c.set("directAnswer", { status, headers });
  return marker;
}

/** The status the client got, whether the answer went through Hono or straight to node. */
export function answerStatus(c: Context<ServerEnv>): number {
  return c.get("directAnswer")?.status ?? c.res.status;
}

/** A header of the answer the client got, whether it went through Hono or straight to node. */
export function answerHeader(c: Context<ServerEnv>, name: string): string | null {
  const direct = c.get("directAnswer");
  return direct === undefined ? c.res.headers.get(name) : (direct.headers[name] ?? null);
}
