// loadConfig for the launch path: a config.yaml that validated before, unchanged since, and read
// by the same schema, is taken from a small cache instead of being parsed and validated again.
// Loading the YAML parser and the schema library costs more than the rest of a launch together.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isMissingFile } from "../errno.ts";
import type { CheckOptions, LoadedConfig } from "./load.ts";
import type { Paths } from "./paths.ts";
import type { Config } from "./schema/index.ts";

interface CacheEntry {
  key: string;
  loaded: { config: Config; file: string | undefined };
}

export async function loadConfigCached(
  paths: Paths,
  references?: CheckOptions["references"],
): Promise<LoadedConfig> {
  const key = cacheKey(paths.configFile, paths.configNamed);
  const cacheFile = join(paths.runDir, "config-cache.json");
  if (key !== undefined) {
    const cached = readCache(cacheFile);
    if (cached && cached.key === key) return cached.loaded;
  }
  const { loadConfig } = await import("./load.ts");
  const loaded = loadConfig(paths.configFile, {
    mustExist: paths.configNamed,
    ...(references === undefined ? {} : { references }),
  });
  // Kept only if the file did not change while it was loaded, so an entry always describes its key's bytes.
  if (key !== undefined && cacheKey(paths.configFile, paths.configNamed) === key)
    writeCache(cacheFile, { key, loaded });
  return loaded;
}

/**
 * The config file's path and text, and the schema modules' identity: any change misses. Compared
 * as a plain string, not hashed: loading node:crypto would cost the launch more than the comparison.
 * Undefined when the file exists but cannot be read, or was named and is missing: loadConfig reports
 * that, the cache never hides it.
 */
function cacheKey(configFile: string, named: boolean): string | undefined {
  let key = `${configFile}\0`;
  try {
    key += readFileSync(configFile, "utf8");
  } catch (error) {
    if (named || !isMissingFile(error)) return undefined;
    key += "(no file)";
  }
  // By way of config/, so that the path also holds from dist/cli/launch.bundle.js, which carries this module.
  const schemaDirectory = new URL("../config/schema/", import.meta.url);
  for (const name of readdirSync(schemaDirectory).sort()) {
    const stat = statSync(new URL(name, schemaDirectory));
    key += `\0${name}:${stat.size}:${stat.mtimeMs}`;
  }
  return key;
}

function readCache(file: string): CacheEntry | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    return isCacheEntry(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isCacheEntry(value: unknown): value is CacheEntry {
  if (typeof value !== "object" || value === null) return false;
  if (!("key" in value) || typeof value.key !== "string") return false;
  if (!("loaded" in value) || typeof value.loaded !== "object" || value.loaded === null) return false;
  return "config" in value.loaded && typeof value.loaded.config === "object" && value.loaded.config !== null;
}

function writeCache(file: string, entry: CacheEntry): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, JSON.stringify(entry), { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    // A cache that cannot be written only costs the next launch some time.
    rmSync(temporary, { force: true });
  }
}
