// The local admin key: a hub key of scope `admin` that this home's own commands (`status`) present
// to the home's background hub. Minted on first need, kept only in run/hub-admin.key (0600), never
// on a command line and never logged.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import type { Logger } from "../observability/logger.ts";
import { openHubKeys } from "./session-tokens.ts";

export function localAdminKeyFile(paths: Paths): string {
  return join(paths.runDir, "hub-admin.key");
}

/** The home's admin key, minted and stored when there is none (or when `renew` says the old one was refused). */
export async function localAdminKey(
  config: Config,
  paths: Paths,
  logger: Logger,
  options: { renew?: boolean } = {},
): Promise<string> {
  const file = localAdminKeyFile(paths);
  mkdirSync(paths.runDir, { recursive: true, mode: 0o700 });
  if (options.renew) rmSync(file, { force: true });
  const stored = readKey(file);
  if (stored !== undefined) return stored;
  const { keys, close } = await openHubKeys(config, paths, logger);
  try {
    const created = await keys.create(
      { name: `local-admin-${randomBytes(4).toString("hex")}`, scopes: ["admin"] },
      `cli:${process.pid}`,
    );
    try {
      writeFileSync(file, `${created.key}\n`, { flag: "wx", mode: 0o600 });
      return created.key;
    } catch {
      // Another command stored one first: keep that one, and this one goes.
      await keys.revoke(created.info.id, `cli:${process.pid}`);
      return readKey(file) ?? created.key;
    }
  } finally {
    await close();
  }
}

function readKey(file: string): string | undefined {
  try {
    const key = readFileSync(file, "utf8").trim();
    return key === "" ? undefined : key;
  } catch {
    return undefined;
  }
}
