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
    /** Headers an error answer must carry too (x-aio-provider, x-aio-fallbacks). */
    aioHeaders: Record<string, string>;
    /** The route template, the `route` label of the request metrics. */
    route: string;
    /** What the relay learned about a gateway call, for the traffic record. */
    gatewayCall: GatewayCall;
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
