// The hub's live dashboard, a Hono sub-app the server mounts at /ui: server-rendered pages (hono/html),
// one small script of the hub's own that swaps in fragments pushed over server-sent events, sign-in by
// hub key into a server-side session, and every state-changing form checked twice against
// cross-site requests (Origin / Sec-Fetch-Site by Hono's csrf middleware, and the session's token).
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { compress } from "hono/compress";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { streamSSE } from "hono/streaming";
import type { AuditEvent, ChainVerdict } from "../audit/audit-trail.ts";
import { checkProviderIds } from "../auth/provider-access.ts";
import { grants } from "../auth/scopes.ts";
import type { Config } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { Traffic, TrafficFilter } from "../observability/traffic.ts";
import { providerIds } from "../providers/registry.ts";
import { type AssetName, isAssetName, loadAssets } from "./assets.ts";
import { auditPage } from "./pages/audit.ts";
import { filesPage } from "./pages/files.ts";
import { KEY_LIFETIMES, keysPage } from "./pages/keys.ts";
import type { Html, PageContext } from "./pages/layout.ts";
import { PROVIDERS_FRAGMENT, type ProviderRow, providersPage, providersTable } from "./pages/providers.ts";
import { problemPage, signInPage } from "./pages/sign-in.ts";
import {
  TRAFFIC_CHART_FRAGMENT,
  TRAFFIC_ROWS,
  TRAFFIC_TABLE_FRAGMENT,
  trafficChart,
  trafficPage,
  trafficRows,
  trafficTable,
} from "./pages/traffic.ts";
import { csrfTokenMatches, type DashboardSession, SessionBook, type SessionBookOptions } from "./sessions.ts";
import type {
  DashboardAudit,
  DashboardFiles,
  DashboardKeys,
  DashboardResilience,
  DashboardSandboxSessions,
} from "./sources.ts";

export interface DashboardOptions {
  config: Config;
  resilience: DashboardResilience;
  traffic: Traffic;
  keys: DashboardKeys;
  audit?: DashboardAudit | undefined;
  files?: DashboardFiles | undefined;
  sandboxSessions?: DashboardSandboxSessions | undefined;
  logger: Logger;
  /** Where the server mounts the dashboard. Default `/ui`. */
  base?: string;
  /** How often a live page is brought up to date. Default 1 s. */
  liveIntervalMs?: number;
  /** How often a session's key is checked again in the store (revoked, expired). Default 15 s. */
  keyCheckMs?: number;
  /** How long an audit chain verification is reused before walking the chain again. Default 30 s. */
  auditVerifyMs?: number;
  sessions?: SessionBookOptions;
  now?: () => number;
}

export interface Dashboard {
  app: Hono<DashboardEnv>;
  sessions: SessionBook;
}

interface DashboardEnv {
  Variables: { session: DashboardSession };
}

type DashboardContext = Context<DashboardEnv>;

/**
 * What the live feed sends: a fragment that replaces the element with that id, or — with `keep` —
 * table rows to put on top of that element's table, keeping at most `keep` rows.
 */
type LiveUpdate = readonly [id: string, html: Html, keep?: number];

const COOKIE = "aio_dashboard";
const HEARTBEAT_MS = 15_000;

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

export function createDashboard(options: DashboardOptions): Dashboard {
  const base = options.base ?? "/ui";
  const now = options.now ?? Date.now;
  const liveIntervalMs = options.liveIntervalMs ?? 1_000;
  const keyCheckMs = options.keyCheckMs ?? 15_000;
  const auditVerifyMs = options.auditVerifyMs ?? 30_000;
  const { config, resilience, traffic, keys, audit, files, sandboxSessions, logger } = options;
  const sessions = new SessionBook({ now, ...options.sessions });
  const assets = loadAssets();
  const providers = providerIds(config);
  const app = new Hono<DashboardEnv>();
  let verified: { verdict: ChainVerdict; checkedAt: number } | undefined;

  const actorOf = (session: DashboardSession): string => `key:${session.principal.prefix}`;
  const isAdmin = (session: DashboardSession): boolean => grants(session.principal.scopes, "admin");
  const contextOf = (c: DashboardContext): PageContext => {
    const session = c.get("session");
    return { base, session, admin: isAdmin(session), now: now() };
  };
  const record = async (event: AuditEvent): Promise<void> => {
    if (audit === undefined) return;
    try {
      await audit.record(event);
    } catch (error) {
      logger.warn(
        { action: event.action, error: error instanceof Error ? error.message : String(error) },
        "dashboard action not written to the audit trail",
      );
    }
  };

  /** Whether the session's key is still valid; a revoked or expired key ends its sessions. */
  const keyStillValid = async (session: DashboardSession): Promise<boolean> => {
    const at = now();
    if (at - session.keyCheckedAt < keyCheckMs) return true;
    session.keyCheckedAt = at;
    let ended = false;
    try {
      const key = await keys.find(session.principal.keyId);
      ended = key.revokedAt !== undefined || (key.expiresAt !== undefined && key.expiresAt <= at);
    } catch (error) {
      ended = error instanceof AppError && error.kind === "not_found";
    }
    if (ended) sessions.endForKey(session.principal.keyId);
    return !ended;
  };

  const providerRows = (): ProviderRow[] =>
    providers.map((id) => ({ status: resilience.status(id), traffic: traffic.provider(id) }));

  app.onError((error, c) => {
    if (error instanceof HTTPException && error.status === 403) {
      return c.html(
        problemPage(
          base,
          "Refused",
          "This form was sent from another site (or without its page's token), so the hub refused it. Open the dashboard and submit the form from there.",
        ),
        403,
        SECURITY_HEADERS,
      );
    }
    if (error instanceof AppError && error.status < 500) {
      return c.html(problemPage(base, "Not done", error.message), statusOf(error), SECURITY_HEADERS);
    }
    logger.error({ path: c.req.path, error }, "dashboard request failed");
    return c.html(
      problemPage(base, "Something failed", "The hub could not answer this page; its log has the details."),
      500,
      SECURITY_HEADERS,
    );
  });

  app.get("/assets/:name", (c) => {
    const name = c.req.param("name");
    if (!isAssetName(name)) return c.notFound();
    return assetResponse(c, assets[name]);
  });

  // Cross-site form posts are refused before anything else looks at them; no form is large.
  app.use(csrf());
  app.use(
    bodyLimit({
      maxSize: 64 * 1024,
      onError: () => {
        throw new AppError("too_large", "that form is larger than any dashboard form (64 KiB)");
      },
    }),
  );

  app.get("/sign-in", async (c) => {
    if (sessions.get(getCookie(c, COOKIE)) !== undefined) return c.redirect(`${base}/providers`, 303);
    return c.html(signInPage(base, { next: safeNext(base, c.req.query("next")) }), 200, SECURITY_HEADERS);
  });

  app.post("/sign-in", async (c) => {
    const form = await c.req.parseBody({ all: true });
    const presented = firstValue(form.key).trim();
    const next = safeNext(base, firstValue(form.next) || undefined);
    const refuse = (problem: string, status: 401 | 403) =>
      c.html(signInPage(base, { next, problem }), status, SECURITY_HEADERS);
    if (presented === "") return refuse("Paste a hub key to sign in.", 401);
    let principal: Awaited<ReturnType<DashboardKeys["authenticate"]>>;
    try {
      principal = await keys.authenticate(presented);
    } catch (error) {
      if (error instanceof AppError && error.kind === "unauthenticated") return refuse(error.message, 401);
      throw error;
    }
    if (!grants(principal.scopes, "dashboard")) {
      await record({
        actor: `key:${principal.prefix}`,
        action: "dashboard.sign_in",
        subject: principal.keyId,
        outcome: "denied",
      });
      return refuse(
        `The key "${principal.name}" has the scopes ${principal.scopes.join(", ")}; signing in needs admin or dashboard (create one with \`ai-orchestrator keys create --name NAME --scopes dashboard\`).`,
        403,
      );
    }
    const session = sessions.start(principal);
    await record({
      actor: `key:${principal.prefix}`,
      action: "dashboard.sign_in",
      subject: principal.keyId,
      outcome: "ok",
    });
    setCookie(c, COOKIE, session.id, {
      path: base,
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      maxAge: Math.floor((session.expiresAt - now()) / 1000),
    });
    return c.redirect(next ?? `${base}/providers`, 303);
  });

  // Everything below needs a live session; a page without one goes to sign-in and comes back.
  const requireSession: MiddlewareHandler<DashboardEnv> = async (c, next) => {
    const session = sessions.get(getCookie(c, COOKIE));
    if (session === undefined || !(await keyStillValid(session))) {
      if (c.req.path === `${base}/events`) return c.body(null, 401, { "cache-control": "no-store" });
      const back = c.req.method === "GET" ? safeNext(base, c.req.path + queryOf(c.req.url)) : undefined;
      const target = back ? `${base}/sign-in?next=${encodeURIComponent(back)}` : `${base}/sign-in`;
      return c.redirect(target, 303);
    }
    c.set("session", session);
    if (c.req.method === "POST") {
      const form = await c.req.parseBody({ all: true });
      if (!csrfTokenMatches(session, firstValue(form.csrf))) throw new HTTPException(403);
    }
    await next();
  };
  const requireAdmin: MiddlewareHandler<DashboardEnv> = async (c, next) => {
    if (!isAdmin(c.get("session"))) {
      throw new AppError(
        "forbidden",
        "This needs a key with the admin scope; the key you signed in with may only look.",
      );
    }
    await next();
  };
  app.use("/*", requireSession);
  // Pages compress; the event feed must not be buffered.
  app.use("/*", async (c, next) => (c.req.path === `${base}/events` ? next() : compress()(c, next)));

  app.get("/", (c) => c.redirect(`${base}/providers`, 303));

  app.post("/sign-out", async (c) => {
    const session = c.get("session");
    sessions.end(session.id);
    await record({
      actor: actorOf(session),
      action: "dashboard.sign_out",
      subject: session.principal.keyId,
      outcome: "ok",
    });
    deleteCookie(c, COOKIE, { path: base, httpOnly: true, sameSite: "Strict" });
    return c.redirect(`${base}/sign-in`, 303);
  });

  app.get("/providers", (c) => {
    const context = contextOf(c);
    return c.html(
      providersPage(context, providerRows(), traffic.windowMs, `${base}/events?page=providers`),
      200,
      SECURITY_HEADERS,
    );
  });

  app.post("/providers/:provider/reset", requireAdmin, async (c) => {
    const provider = c.req.param("provider");
    if (!providers.includes(provider)) {
      throw new AppError("not_found", `no provider "${provider}" in this hub's configuration`);
    }
    const session = c.get("session");
    await resilience.reset(provider);
    await record({ actor: actorOf(session), action: "breaker.reset", subject: provider, outcome: "ok" });
    session.flash = `The circuit of ${provider} was reset (closed).`;
    return c.redirect(`${base}/providers`, 303);
  });

  app.get("/traffic", (c) => {
    const context = contextOf(c);
    const filter = trafficFilterOf(c);
    return c.html(
      trafficPage(context, {
        filter,
        choices: { ...traffic.seen(), providers: [...new Set([...providers, ...traffic.seen().providers])] },
        series: traffic.series(),
        windowMs: traffic.windowMs,
        entries: traffic.recent({ ...filter, limit: TRAFFIC_ROWS }),
        live: `${base}/events?page=traffic${queryOf(c.req.url).replace(/^\?/, "&")}`,
      }),
      200,
      SECURITY_HEADERS,
    );
  });

  app.get("/keys", async (c) => {
    const context = contextOf(c);
    return c.html(
      keysPage(context, { keys: await keys.list(), scopes: keys.scopes, providers }),
      200,
      SECURITY_HEADERS,
    );
  });

  app.post("/keys", requireAdmin, async (c) => {
    const context = contextOf(c);
    const form = await c.req.parseBody({ all: true });
    const rerender = async (
      view: { created?: { name: string; key: string }; problem?: string },
      status: 200 | 400 | 409,
    ) =>
      c.html(
        keysPage(context, { keys: await keys.list(), scopes: keys.scopes, providers, ...view }),
        status,
        SECURITY_HEADERS,
      );
    const name = firstValue(form.name).trim();
    const scopes = allValues(form.scopes);
    const chosenProviders = allValues(form.providers);
    const lifetime = KEY_LIFETIMES.find((entry) => entry.value === firstValue(form.expires));
    const rpmText = firstValue(form.rpm).trim();
    const rpm = rpmText === "" ? undefined : Number(rpmText);
    if (name === "") return rerender({ problem: "Give the key a name." }, 400);
    if (scopes.length === 0) return rerender({ problem: "Tick at least one scope." }, 400);
    if (lifetime === undefined) return rerender({ problem: "Choose when the key expires." }, 400);
    if (rpm !== undefined && !(Number.isInteger(rpm) && rpm > 0)) {
      return rerender({ problem: "Requests per minute must be a whole number above 0, or empty." }, 400);
    }
    try {
      // As `keys create` and POST /admin/keys: a mistyped provider would make a key that reaches none.
      checkProviderIds(chosenProviders, providers, "providers");
      const created = await keys.create(
        {
          name,
          scopes,
          providers: chosenProviders.length === 0 ? undefined : chosenProviders,
          ttlMs: lifetime.ms,
          rpm,
        },
        actorOf(context.session),
      );
      return rerender({ created: { name: created.info.name, key: created.key } }, 200);
    } catch (error) {
      if (error instanceof AppError && (error.kind === "usage" || error.kind === "conflict")) {
        return rerender({ problem: error.message }, error.kind === "conflict" ? 409 : 400);
      }
      throw error;
    }
  });

  app.post("/keys/:id/revoke", requireAdmin, async (c) => {
    const session = c.get("session");
    const key = await keys.find(c.req.param("id"));
    await keys.revoke(key.id, actorOf(session));
    sessions.endForKey(key.id);
    if (key.id === session.principal.keyId) return c.redirect(`${base}/sign-in`, 303);
    session.flash = `Key "${key.name}" revoked; requests with it are refused from now on.`;
    return c.redirect(`${base}/keys`, 303);
  });

  app.get("/files", async (c) =>
    c.html(
      filesPage(contextOf(c), files === undefined ? undefined : await files.list()),
      200,
      SECURITY_HEADERS,
    ),
  );

  for (const action of ["verify", "sync"] as const) {
    app.post(`/files/${action}`, requireAdmin, async (c) => {
      if (files === undefined) throw new AppError("not_found", "this hub has no file registry");
      const session = c.get("session");
      session.flash = await files[action](actorOf(session));
      return c.redirect(`${base}/files`, 303);
    });
  }

  app.get("/audit", async (c) => {
    const context = contextOf(c);
    let auditView: Parameters<typeof auditPage>[1]["audit"];
    if (audit !== undefined) {
      if (verified === undefined || context.now - verified.checkedAt >= auditVerifyMs) {
        verified = { verdict: await audit.verify(), checkedAt: context.now };
      }
      auditView = { ...verified, rows: await audit.list({ limit: 50 }) };
    }
    return c.html(
      auditPage(context, {
        sessions: sandboxSessions === undefined ? undefined : await sandboxSessions.list(),
        audit: auditView,
      }),
      200,
      SECURITY_HEADERS,
    );
  });

  app.get("/events", (c) => {
    const context = contextOf(c);
    const session = context.session;
    const which = c.req.query("page");
    let render: () => LiveUpdate[];
    if (which === "providers") {
      render = () => [
        [PROVIDERS_FRAGMENT, providersTable({ ...context, now: now() }, providerRows(), traffic.windowMs)],
      ];
    } else if (which === "traffic") {
      const filter = trafficFilterOf(c);
      // Nothing on this page moves unless a request was recorded or the chart's buckets shifted; new
      // requests are sent as rows to put on top of the table already shown, not as the whole table.
      let shown = "";
      let shownSeq: number | undefined;
      render = () => {
        const state = `${traffic.version}:${Math.floor(now() / traffic.bucketMs)}`;
        if (state === shown) return [];
        shown = state;
        const chart: LiveUpdate = [TRAFFIC_CHART_FRAGMENT, trafficChart(traffic.series(), traffic.windowMs)];
        const afterSeq = shownSeq;
        if (afterSeq !== undefined) {
          const added = traffic.recent({ ...filter, afterSeq, limit: TRAFFIC_ROWS });
          shownSeq = traffic.version;
          if (added.length === 0) return [chart];
          if (added.length < TRAFFIC_ROWS)
            return [chart, [TRAFFIC_TABLE_FRAGMENT, trafficRows(added), TRAFFIC_ROWS]];
        }
        const entries = traffic.recent({ ...filter, limit: TRAFFIC_ROWS });
        // "No requests match" has no table to put rows on: the next change sends the table whole.
        shownSeq = entries.length === 0 ? undefined : traffic.version;
        return [chart, [TRAFFIC_TABLE_FRAGMENT, trafficTable(entries)]];
      };
    } else {
      throw new AppError("usage", "the event feed serves page=providers or page=traffic");
    }
    return streamSSE(c, async (stream) => {
      const sent = new Map<string, string>();
      let lastWrite = now();
      while (!stream.aborted && !stream.closed) {
        if (!sessions.alive(session) || !(await keyStillValid(session))) {
          await stream.writeSSE({ event: "signed-out", data: `${base}/sign-in` });
          break;
        }
        for (const [id, fragment, keep] of render()) {
          const text = String(await fragment);
          if (keep !== undefined) {
            sent.delete(id);
            await stream.writeSSE({ event: "rows", data: JSON.stringify({ id, html: text, keep }) });
          } else if (sent.get(id) !== text) {
            sent.set(id, text);
            await stream.writeSSE({ event: "fragment", data: JSON.stringify({ id, html: text }) });
          } else {
            continue;
          }
          lastWrite = now();
        }
        if (now() - lastWrite >= HEARTBEAT_MS) {
          await stream.write(": still here\n\n");
          lastWrite = now();
        }
        await stream.sleep(liveIntervalMs);
      }
    });
  });

  return { app, sessions };
}

function assetResponse(c: DashboardContext, asset: ReturnType<typeof loadAssets>[AssetName]): Response {
  const headers: Record<string, string> = {
    "content-type": asset.contentType,
    etag: asset.etag,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    vary: "accept-encoding",
  };
  if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, headers);
  if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
    return c.body(new Uint8Array(asset.gzipped), 200, { ...headers, "content-encoding": "gzip" });
  }
  return c.body(new Uint8Array(asset.body), 200, headers);
}

function statusOf(error: AppError): 400 | 401 | 403 | 404 | 409 | 413 | 429 {
  const status = error.status;
  return status === 401 ||
    status === 403 ||
    status === 404 ||
    status === 409 ||
    status === 413 ||
    status === 429
    ? status
    : 400;
}

/** Only a path inside the dashboard may be returned to after sign-in (no open redirect). */
function safeNext(base: string, next: string | undefined): string | undefined {
  if (next === undefined || !next.startsWith(`${base}/`) || next.startsWith("//")) return undefined;
  if (next.startsWith(`${base}/sign-in`) || next.startsWith(`${base}/events`)) return undefined;
  return next;
}

function queryOf(url: string): string {
  const question = url.indexOf("?");
  return question < 0 ? "" : url.slice(question);
}

function trafficFilterOf(c: DashboardContext): TrafficFilter {
  const value = (name: string): string | undefined => c.req.query(name) || undefined;
  return {
    provider: value("provider"),
    key: value("key"),
    model: value("model"),
    dialect: value("dialect"),
    status: value("status"),
  };
}

type FormValue = string | File | (string | File)[] | undefined;

function allValues(value: FormValue): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((item): item is string => typeof item === "string" && item !== "");
}

function firstValue(value: FormValue): string {
  return allValues(value)[0] ?? "";
}
