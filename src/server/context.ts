// What the Hono app carries per request: the node bindings (absent under app.request() in tests),
// the caller's principal once authenticated, when the request arrived, and the x-aio-* headers an
// error answer must carry too.
import type { HttpBindings } from "@hono/node-server";
import type { Principal } from "./auth.ts";

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
  };
}
