// What each live sandbox session did through this hub: requests, the provider that answered last and
// the fallbacks taken, read from the answer's x-aio-* headers after the gateway route ran, and the
// tokens its answers used, counted once each answer has ended (a stream at its last byte). Kept in
// memory (a session lives as long as one launch) and listed at GET /admin/sessions for `status`.
import type { Context, Hono, MiddlewareHandler } from "hono";
import type { HubKeys, Principal } from "../auth/hub-keys.ts";
import { AppError } from "../errors.ts";
import { answerHeader, type ServerEnv } from "./context.ts";
import { whenGatewayCallEnds } from "./traffic-recorder.ts";

export interface SessionActivityJson {
  keyId: string;
  prefix: string;
  mode: string | null;
  runtime: string | null;
  requests: number;
  fallbacks: number;
  /** Input and output tokens the providers reported for this session's answers. */
  tokensIn: number;
  tokensOut: number;
  lastProvider: string | null;
  lastRequestAt: string | null;
  expiresAt: string | null;
}

interface Activity {
  principal: Principal;
  requests: number;
  fallbacks: number;
  tokensIn: number;
  tokensOut: number;
  lastProvider: string | undefined;
  lastRequestAt: number | undefined;
}

// Sessions no request touched for this long are dropped, whatever their token's fate.
const FORGET_AFTER_MS = 24 * 3_600_000;

export class SessionActivity {
  readonly #sessions = new Map<string, Activity>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Counts a request of a session token; other keys are not tracked here. */
  record(principal: Principal | undefined, provider: string | null, fallbacks: string | null): void {
    const activity = this.#activityOf(principal);
    if (activity === undefined) return;
    activity.requests += 1;
    activity.lastRequestAt = this.#now();
    if (provider) activity.lastProvider = provider;
    if (fallbacks) activity.fallbacks += fallbacks.split(",").length;
  }

  /** Adds the tokens one of a session's answers used. */
  recordTokens(principal: Principal | undefined, tokens: { input: number; output: number }): void {
    const activity = this.#activityOf(principal);
    if (activity === undefined) return;
    activity.tokensIn += tokens.input;
    activity.tokensOut += tokens.output;
  }

  #activityOf(principal: Principal | undefined): Activity | undefined {
    if (principal?.kind !== "session") return undefined;
    let activity = this.#sessions.get(principal.keyId);
    if (activity === undefined) {
      activity = {
        principal,
        requests: 0,
        fallbacks: 0,
        tokensIn: 0,
        tokensOut: 0,
        lastProvider: undefined,
        lastRequestAt: undefined,
      };
      this.#sessions.set(principal.keyId, activity);
    }
    activity.principal = principal;
    return activity;
  }

  /**
   * Sessions whose token is neither revoked nor expired, oldest first. The store is asked, not the
   * principal seen at the last request: a session renews its token without making requests.
   */
  async live(keys: HubKeys): Promise<SessionActivityJson[]> {
    const now = this.#now();
    const list: SessionActivityJson[] = [];
    for (const [keyId, activity] of this.#sessions) {
      const { principal } = activity;
      // Only a key the store no longer has is forgotten: a store that cannot answer (PostgreSQL
      // restarting) fails the listing, and every session's counts are still there once it is back.
      const info = await keys.find(keyId).catch((error: unknown) => {
        if (error instanceof AppError && error.kind === "not_found") return undefined;
        throw error;
      });
      if (info === undefined || (activity.lastRequestAt ?? 0) < now - FORGET_AFTER_MS) {
        this.#sessions.delete(keyId);
        continue;
      }
      if (info.revokedAt !== undefined || (info.expiresAt !== undefined && info.expiresAt <= now)) continue;
      list.push({
        keyId,
        prefix: principal.prefix,
        mode: principal.mode ?? null,
        runtime: runtimeOf(principal.name),
        requests: activity.requests,
        fallbacks: activity.fallbacks,
        tokensIn: activity.tokensIn,
        tokensOut: activity.tokensOut,
        lastProvider: activity.lastProvider ?? null,
        lastRequestAt:
          activity.lastRequestAt === undefined ? null : new Date(activity.lastRequestAt).toISOString(),
        expiresAt: info.expiresAt === undefined ? null : new Date(info.expiresAt).toISOString(),
      });
    }
    return list;
  }

  /**
   * Called by the server's outer middleware once any route has answered (not a middleware of its
   * own: every request would pay for one more layer): a session's request is counted.
   */
  answered(c: Context<ServerEnv>): void {
    if (c.req.method !== "POST") return;
    // Only session tokens are tracked: other keys' answers are not looked at.
    const principal = c.get("principal");
    if (principal?.kind !== "session") return;
    this.record(principal, answerHeader(c, "x-aio-provider"), answerHeader(c, "x-aio-fallbacks"));
    const call = c.get("gatewayCall");
    if (call !== undefined) {
      whenGatewayCallEnds(call, () =>
        this.recordTokens(principal, { input: call.tokensIn, output: call.tokensOut }),
      );
    }
  }

  /** GET /admin/sessions (scope admin): the live sessions as JSON. */
  mount(
    app: Hono<ServerEnv>,
    keys: HubKeys,
    admin: MiddlewareHandler<ServerEnv>,
    named: (route: string) => MiddlewareHandler<ServerEnv>,
  ): void {
    app.get("/admin/sessions", named("/admin/sessions"), admin, async (c) => c.json(await this.live(keys)));
  }
}

/** The launcher names a session token `session-<mode>-<runtime>-<hex>`. */
function runtimeOf(name: string): string | null {
  const parts = name.split("-");
  return parts[0] === "session" && parts.length >= 4 ? (parts.at(-2) ?? null) : null;
}
