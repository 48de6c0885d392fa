// The hub session token of a persistent sandbox session (`<mode> start` through the hub). The
// container outlives the launcher that started it, so no launcher process can keep a short token
// alive: the token lives persistentSessionTokenTtlSeconds, is renewed whenever a launcher touches
// the session (start, status, a run into it), and is revoked by `stop`, or by the first look that
// finds the container gone. Which token belongs to which container is kept in
// run/hub-sessions/<container>.json: its key id only, never the token.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import type { ResolvedMode } from "../modes/registry.ts";
import type { Logger } from "../observability/logger.ts";
import { launcherActor, mintSessionToken, openHubKeys } from "./session-tokens.ts";

export interface PersistentTokenOptions {
  config: Config;
  paths: Paths;
  logger: Logger;
  /** The session's container: what the token is recorded under. */
  container: string;
}

/** A token minted for a session that is starting: kept once it started, revoked if it did not. */
export interface PersistentToken {
  token: string;
  /** Records the token as the container's; the launcher may exit now. */
  keep(): Promise<void>;
  /** Revokes the token: the session did not start. */
  close(): Promise<void>;
}

export async function mintPersistentToken(
  options: PersistentTokenOptions & { mode: ResolvedMode; runtime: string },
): Promise<PersistentToken> {
  const { config, paths, logger } = options;
  const { keys, close: closeKeys } = await openHubKeys(config, paths, logger);
  let created: Awaited<ReturnType<typeof mintSessionToken>>;
  try {
    created = await mintSessionToken(keys, options, config.persistentSessionTokenTtlSeconds * 1000);
  } catch (error) {
    await closeKeys();
    throw error;
  }
  let settled = false;
  return {
    token: created.key,
    keep: async () => {
      if (settled) return;
      settled = true;
      try {
        writeRecord(paths, options.container, created.info.id);
      } catch (error) {
        await keys.revoke(created.info.id, launcherActor()).finally(closeKeys);
        throw error;
      }
      await closeKeys();
    },
    close: async () => {
      if (settled) return;
      settled = true;
      try {
        await keys.revoke(created.info.id, launcherActor());
      } finally {
        await closeKeys();
      }
    },
  };
}

/**
 * Renews the token of a running session: "renewed"; "none" when the session holds no hub token;
 * "lapsed" when its token expired or was revoked (the session's assistant is refused until the
 * session is restarted).
 */
export async function renewPersistentToken(
  options: PersistentTokenOptions,
): Promise<"renewed" | "none" | "lapsed"> {
  const keyId = readRecord(options.paths, options.container);
  if (keyId === undefined) return "none";
  const { keys, close } = await openHubKeys(options.config, options.paths, options.logger);
  try {
    const info = await keys.find(keyId).catch(() => undefined);
    // An expired token is not brought back: it was out of anyone's hands for its whole lifetime.
    if (info === undefined || info.revokedAt !== undefined || (info.expiresAt ?? 0) <= Date.now()) {
      rmSync(recordFile(options.paths, options.container), { force: true });
      return "lapsed";
    }
    await keys.extend(keyId, options.config.persistentSessionTokenTtlSeconds * 1000, launcherActor());
    return "renewed";
  } finally {
    await close();
  }
}

/** Revokes the token of a session that was stopped or found gone; false when it held none. */
export async function revokePersistentToken(options: PersistentTokenOptions): Promise<boolean> {
  const keyId = readRecord(options.paths, options.container);
  if (keyId === undefined) return false;
  const { keys, close } = await openHubKeys(options.config, options.paths, options.logger);
  try {
    // Already revoked (by `keys revoke`), or gone with another store: nothing left to refuse.
    await keys.revoke(keyId, launcherActor()).catch(() => undefined);
  } finally {
    await close();
  }
  rmSync(recordFile(options.paths, options.container), { force: true });
  return true;
}

/** Whether the session in this container was started through the hub. */
export function holdsPersistentToken(paths: Paths, container: string): boolean {
  return readRecord(paths, container) !== undefined;
}

function recordFile(paths: Paths, container: string): string {
  return join(paths.runDir, "hub-sessions", `${container}.json`);
}

function writeRecord(paths: Paths, container: string, keyId: string): void {
  mkdirSync(join(paths.runDir, "hub-sessions"), { recursive: true, mode: 0o700 });
  writeFileSync(recordFile(paths, container), `${JSON.stringify({ keyId })}\n`, { mode: 0o600 });
}

function readRecord(paths: Paths, container: string): string | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(recordFile(paths, container), "utf8"));
    if (typeof value === "object" && value !== null && "keyId" in value && typeof value.keyId === "string")
      return value.keyId;
  } catch {
    // No record (a session started without the hub), or one cut short: no token to act on.
  }
  return undefined;
}
