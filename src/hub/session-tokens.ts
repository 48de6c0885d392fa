// A launch's hub session token: minted in the store the home's hub reads, bound to one mode and its
// provider chain, renewed while the run lives and revoked when it ends. A launcher that dies
// without revoking leaves a token that expires on its own within its lifetime.
import { randomBytes } from "node:crypto";
import { AuditTrail } from "../audit/audit-trail.ts";
import { HubKeys } from "../auth/hub-keys.ts";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { storeUrl } from "../config/shared-state.ts";
import type { ResolvedMode } from "../modes/registry.ts";
import type { Logger } from "../observability/logger.ts";
import { openStore } from "../store/store.ts";

export interface HubSession {
  /** The token the sandbox presents: the only credential it holds. */
  token: string;
  keyId: string;
  providers: readonly string[];
  expiresAt: number;
  /** Stops renewing and revokes the token. */
  close(): Promise<void>;
}

export interface OpenSessionOptions {
  config: Config;
  paths: Paths;
  mode: ResolvedMode;
  runtime: string;
  logger: Logger;
  onWarning(line: string): void;
}

/** The providers a mode's session may reach: its own, then its fallbacks in order. */
export function sessionProviders(config: Config, mode: ResolvedMode): string[] {
  const own = mode.provider.id;
  return [own, ...(config.resilience.fallbacks[own] ?? []).filter((id) => id !== own)];
}

/** The hub keys of the store the home's hub reads, and how to let go of them. */
export async function openHubKeys(
  config: Config,
  paths: Paths,
  logger: Logger,
): Promise<{ keys: HubKeys; close(): Promise<void> }> {
  const store = await openStore({ url: storeUrl(config, paths), paths, logger });
  const keys = new HubKeys({
    keys: store.keys,
    changes: store.keyChanges,
    audit: new AuditTrail({ log: store.audit }),
    logger,
  });
  return {
    keys,
    close: async () => {
      await keys.close();
      await store.close();
    },
  };
}

export async function openHubSession(options: OpenSessionOptions): Promise<HubSession> {
  const { config, paths, logger } = options;
  const { keys, close: closeKeys } = await openHubKeys(config, paths, logger);
  const ttlMs = config.sessionTokenTtlSeconds * 1000;
  const actor = launcherActor();
  let created: Awaited<ReturnType<typeof mintSessionToken>>;
  try {
    created = await mintSessionToken(keys, options, ttlMs);
  } catch (error) {
    await closeKeys();
    throw error;
  }
  const keyId = created.info.id;
  // Renewed at a quarter of its lifetime: three renewals may fail before the token lapses.
  const renewal = setInterval(
    () => {
      keys.extend(keyId, ttlMs, actor).catch((error: unknown) => {
        options.onWarning(
          `could not renew the hub session token (${error instanceof Error ? error.message : String(error)}); it lapses within ${config.sessionTokenTtlSeconds} s`,
        );
      });
    },
    Math.min(30_000, ttlMs / 4),
  );
  renewal.unref();
  let closed = false;
  return {
    token: created.key,
    keyId,
    providers: created.providers,
    expiresAt: created.info.expiresAt ?? Date.now() + ttlMs,
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(renewal);
      try {
        await keys.revoke(keyId, actor);
      } finally {
        await closeKeys();
      }
    },
  };
}

/** Who the audit trail says minted, renewed or revoked a token: this launcher process. */
export function launcherActor(): string {
  return `launcher:${process.pid}`;
}

/** A session token bound to the mode and its provider chain, named `session-<mode>-<runtime>-<hex>`. */
export async function mintSessionToken(
  keys: HubKeys,
  options: { config: Config; mode: ResolvedMode; runtime: string },
  ttlMs: number,
): Promise<Awaited<ReturnType<HubKeys["create"]>> & { providers: string[] }> {
  const providers = sessionProviders(options.config, options.mode);
  const created = await keys.create(
    {
      name: `session-${options.mode.name}-${options.runtime}-${randomBytes(4).toString("hex")}`,
      kind: "session",
      scopes: ["chat"],
      providers,
      mode: options.mode.name,
      ttlMs,
    },
    launcherActor(),
  );
  return { ...created, providers };
}
