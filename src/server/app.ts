// The hub's HTTP app: health and readiness without a key, then every route behind a hub key of the
// right scope — the three dialects' gateway routes (chat), /metrics (metrics) — and one error
// handler that answers in the dialect the client speaks. Other parts mount their own sub-apps on it
// (see docs/hub.md, "Mounting more on the hub").
// /mcp checks its own keys, to answer MCP clients in their protocol (401 with WWW-Authenticate).
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { Scope } from "../auth/scopes.ts";
import { AppError } from "../errors.ts";
import { routeResolver } from "../gateway/routing.ts";
import type { Hub } from "../hub/hub.ts";
import type { McpHttpEndpoint } from "../mcp/http.ts";
import type { Dialect } from "../providers/definitions.ts";
import { providerIds } from "../providers/registry.ts";
import { providerStatusesJson } from "../resilience/provider-status.ts";
import type { Store } from "../store/store.ts";
import { mountAdminRoutes } from "./admin-routes.ts";
import { presentedKey } from "./auth.ts";
import { answerStatus, requestHeader, type ServerEnv } from "./context.ts";
import { classifyError, errorAnswer } from "./error-response.ts";
import { filesRoutes } from "./files-routes.ts";
import { createGatewayMetrics, type GatewayMetrics } from "./metrics.ts";
import { modelList } from "./model-list.ts";
import { type DialectCall, relay, stampOverhead } from "./relay.ts";
import { SessionActivity, type SessionActivityJson } from "./session-activity.ts";
import { recordTraffic } from "./traffic-recorder.ts";
import { forwardedQuery } from "./upstream-query.ts";

export interface HubServer {
  app: Hono<ServerEnv>;
  metrics: GatewayMetrics;
  /** The middleware every keyed route uses; sub-apps mounted later use it too. */
  requireScope(scope: Scope): MiddlewareHandler<ServerEnv>;
  /** What each live hub-routed sandbox session did through this hub (`status`, the dashboard). */
  liveSessions(): Promise<SessionActivityJson[]>;
}

const READY_TIMEOUT_MS = 1_000;

/** The app of one hub (its gateway metrics register on the hub's registry: one server per hub). */
export function createServer(hub: Hub): HubServer {
  const { keys, store } = hub;
  if (keys === undefined || store === undefined) {
    throw new Error("createServer needs a hub with a store and its keys: build it with openHub()");
  }
  const metrics = createGatewayMetrics(hub.metrics.registry);
  const dependencies = {
    hub,
    metrics,
    bodyLimitBytes: hub.config.server.bodyLimitBytes,
    resolveRoute: routeResolver(hub.config),
  };
  const app = new Hono<ServerEnv>();
  let sequence = 0;
  const bootId = process.pid.toString(36);
  const sessions = new SessionActivity();

  app.use(async (c, next) => {
    c.set("started", performance.now());
    c.set("requestId", `${bootId}-${(++sequence).toString(36)}`);
    await next();
    sessions.answered(c);
    const route = c.get("route") ?? "unmatched";
    const dialect = dialectOf(c.req.path, requestHeader(c, "anthropic-version"));
    const status = answerStatus(c);
    metrics.requests.inc({ route, dialect, status: String(status) });
    recordTraffic(hub.traffic, c, dialect);
    const seconds = (performance.now() - c.get("started")) / 1000;
    metrics.duration.observe({ route, dialect }, seconds);
    // Per-request lines only when asked for (AI_ORCHESTRATOR_LOG_LEVEL=debug): at info the hot path
    // writes nothing, and the logger writes synchronously.
    if (hub.logger.isLevelEnabled("debug")) {
      hub.logger.debug(
        {
          requestId: c.get("requestId"),
          method: c.req.method,
          route,
          status,
          ms: seconds * 1000,
        },
        "request",
      );
    }
  });

  /** The caller's key checked for the scope and its rate, its principal set on the context. */
  const admit = async (c: Context<ServerEnv>, scope: Scope): Promise<void> => {
    const key = presentedKey(
      (name) => requestHeader(c, name),
      (name) => c.req.query(name),
    );
    const principal = await keys.authenticate(key);
    keys.authorize(principal, scope);
    // A key without a rate has nothing to count: no promise to wait a turn for.
    if (principal.rpm !== undefined) await keys.checkRate(principal);
    c.set("principal", principal);
  };
  const requireScope =
    (scope: Scope): MiddlewareHandler<ServerEnv> =>
    async (c, next) => {
      await admit(c, scope);
      await next();
    };
  const named =
    (route: string): MiddlewareHandler<ServerEnv> =>
    async (c, next) => {
      c.set("route", route);
      await next();
    };

  app.get("/healthz", named("/healthz"), (c) => c.json({ status: "ok" }));
  app.get("/readyz", named("/readyz"), async (c) => {
    const [storeUp, breakerStoreUp] = await Promise.all([
      storeAnswers(store, READY_TIMEOUT_MS),
      hub.resilience.ready(READY_TIMEOUT_MS),
    ]);
    // Without its store a replica cannot serve; without the shared breaker store (Redis) it serves on
    // its own breakers, so that is reported but keeps it ready: a Redis outage must not take every
    // replica out of the load balancer at once.
    const ready = storeUp;
    const checks = {
      store: storeUp ? "ok" : "unreachable",
      breakerStore: breakerStoreUp ? "ok" : "unreachable (this process's own breakers until it is back)",
    };
    return c.json({ status: ready ? "ready" : "not ready", checks }, ready ? 200 : 503);
  });

  app.get("/metrics", named("/metrics"), requireScope("metrics"), async (c) => {
    const { registry } = hub.metrics;
    return c.text(await registry.metrics(), 200, { "content-type": registry.contentType });
  });

  const chat = requireScope("chat");
  // The gateway routes name themselves and check the key in their one handler rather than through
  // `named` and `chat`: they are the hub's hot path, and each middleware layer costs a promise chain.
  const gateway =
    (route: string, call: (c: Context<ServerEnv>) => DialectCall) =>
    async (c: Context<ServerEnv>): Promise<Response> => {
      c.set("route", route);
      try {
        await admit(c, "chat");
        return await relay(c, dependencies, call(c));
      } catch (error) {
        // Every answer of a gateway route says how long the hub took, refusals and failures too.
        const headers = { ...c.get("aioHeaders") };
        stampOverhead(c, metrics, dialectOf(c.req.path, requestHeader(c, "anthropic-version")), headers);
        c.set("aioHeaders", headers);
        throw error;
      }
    };

  const anthropic =
    (suffix: string, count: boolean) =>
    (c: { req: { url: string } }): DialectCall => ({
      dialect: "anthropic",
      model: (body) => body.model,
      path: () => `${suffix}${forwardedQuery(c.req.url)}`,
      modelInBody: true,
      sse: true,
      count,
    });
  app.post("/v1/messages", gateway("/v1/messages", anthropic("/v1/messages", false)));
  app.post(
    "/v1/messages/count_tokens",
    gateway("/v1/messages/count_tokens", anthropic("/v1/messages/count_tokens", true)),
  );
  app.post(
    "/v1/chat/completions",
    gateway("/v1/chat/completions", (c) => ({
      dialect: "openai",
      model: (body) => body.model,
      path: () => `/chat/completions${forwardedQuery(c.req.url)}`,
      modelInBody: true,
      sse: true,
      count: false,
    })),
  );
  app.post(
    "/v1beta/models/:target{.+}",
    gateway("/v1beta/models/{model}", (c) => {
      const target = c.req.param("target") ?? "";
      const colon = target.lastIndexOf(":");
      const method = colon < 0 ? "" : target.slice(colon + 1);
      if (!GEMINI_METHODS.has(method)) {
        throw new AppError(
          "not_found",
          `POST /v1beta/models/${target} is not served: use /v1beta/models/MODEL:generateContent, :streamGenerateContent or :countTokens`,
        );
      }
      const query = forwardedQuery(c.req.url);
      const model = target.slice(0, colon);
      return {
        dialect: "gemini",
        gemini: { model, stream: method === "streamGenerateContent", sse: query.includes("alt=sse") },
        model: () => model,
        path: (routeTarget) => `/v1beta/models/${routeTarget.model}:${method}${query}`,
        modelInBody: false,
        sse: method !== "streamGenerateContent" || query.includes("alt=sse"),
        count: method === "countTokens",
      };
    }),
  );

  app.get("/v1/models", named("/v1/models"), chat, (c) => {
    const list = modelList(hub.config, c.get("principal"));
    return c.json(requestHeader(c, "anthropic-version") ? list.anthropic : list.openai);
  });
  app.get("/v1beta/models", named("/v1beta/models"), chat, (c) =>
    c.json(modelList(hub.config, c.get("principal")).gemini),
  );
  app.get("/v1/providers", named("/v1/providers"), chat, (c) =>
    c.json(providerStatusesJson(hub.config, hub.resilience)),
  );

  mountAdminRoutes(app, keys, requireScope("admin"), named, providerIds(hub.config));
  // The MCP server and its SDK are loaded by the first /mcp request: a hub that serves only the
  // gateway never holds them in memory.
  let mcp: Promise<McpHttpEndpoint> | undefined;
  app.all("/mcp", named("/mcp"), async (c) => {
    mcp ??= import("../mcp/http.ts").then(({ createHubMcpEndpoint }) =>
      createHubMcpEndpoint({ hub, store, keys }),
    );
    return (await mcp).fetch(c.req.raw);
  });
  sessions.mount(app, keys, requireScope("admin"), named);

  if (hub.files !== undefined) {
    const files = [named("/v1/files"), requireScope("files")] as const;
    app.use("/v1/files", ...files);
    app.use("/v1/files/*", ...files);
    app.route(
      "/v1/files",
      filesRoutes({
        service: hub.files,
        actor: (c) => `key:${c.get("principal").prefix}`,
        access: (c) => c.get("principal"),
        bodyLimitBytes: hub.config.server.bodyLimitBytes,
      }),
    );
  }

  app.notFound((c) => {
    const error = new AppError(
      "not_found",
      `${c.req.method} ${c.req.path} is not a route of this hub (see docs/hub.md)`,
    );
    return answerError(c.req.path, requestHeader(c, "anthropic-version"), error, {});
  });
  app.onError((error, c) => {
    if (!classifyError(error).expected) {
      hub.logger.error(
        { requestId: c.get("requestId"), path: c.req.path, error },
        "unexpected error answering a request",
      );
    }
    return answerError(c.req.path, requestHeader(c, "anthropic-version"), error, c.get("aioHeaders") ?? {});
  });

  return { app, metrics, requireScope, liveSessions: () => sessions.live(keys) };
}

/** Whether the store answers within the timeout (a hung database must not hang the probe). */
async function storeAnswers(store: Store, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      store.ping().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const GEMINI_METHODS = new Set(["generateContent", "streamGenerateContent", "countTokens"]);

function answerError(
  path: string,
  anthropicVersion: string | undefined,
  error: unknown,
  extraHeaders: Record<string, string>,
): Response {
  const answer = errorAnswer(dialectOf(path, anthropicVersion), error);
  return new Response(answer.body, {
    status: answer.status,
    headers: { ...answer.headers, ...extraHeaders },
  });
}

/** The dialect a client speaks, from the route it called; for shared routes, from its headers. */
export function dialectOf(path: string, anthropicVersion: string | undefined): Dialect {
  if (path.startsWith("/v1beta/")) return "gemini";
  if (path.startsWith("/v1/messages")) return "anthropic";
  if (path.startsWith("/v1/chat/")) return "openai";
  return anthropicVersion === undefined ? "openai" : "anthropic";
}
