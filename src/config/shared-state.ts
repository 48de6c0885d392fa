// Where the store and the shared Redis are, after the environment overrides containers use
// (AI_ORCHESTRATOR_STORE_URL, AI_ORCHESTRATOR_REDIS_URL) and the older resilience.redisUrl; and
// these URLs as messages and logs may show them.
import { AppError } from "../errors.ts";
import type { Paths } from "./paths.ts";
import { redisUrl as redisUrlSchema } from "./schema/common.ts";
import type { Config } from "./schema/index.ts";
import { storeUrlProblem } from "./schema/references.ts";

/**
 * The store's URL or file. The override is checked here, as config.yaml's `store.url` is by its
 * schema: a URL the store cannot open is refused before anything is opened, naming the variable.
 */
export function storeUrl(
  config: Pick<Config, "store">,
  paths: Pick<Paths, "databaseFile">,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const override = env.AI_ORCHESTRATOR_STORE_URL;
  if (override) {
    const problem = storeUrlProblem(override);
    if (problem !== undefined)
      throw new AppError("config", `AI_ORCHESTRATOR_STORE_URL=${redactUrl(override)} ${problem}`);
    return override;
  }
  return config.store.url || paths.databaseFile;
}

/**
 * The Redis replicas share, if any: the override, then `redis.url`, then `resilience.redisUrl`. The
 * override is checked here, as the two settings are by the schema, and refused naming the variable.
 */
export function redisUrl(
  config: Pick<Config, "redis" | "resilience">,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const override = env.AI_ORCHESTRATOR_REDIS_URL;
  if (override) {
    const checked = redisUrlSchema.safeParse(override);
    if (!checked.success)
      throw new AppError(
        "config",
        `AI_ORCHESTRATOR_REDIS_URL=${redactUrl(override)} ${checked.error.issues[0]?.message ?? "is not a Redis URL"}`,
      );
    return override;
  }
  return config.redis.url || config.resilience.redisUrl;
}

/** Why `resilience.store: redis` cannot run, if it cannot: no Redis named anywhere. */
export function missingBreakerRedis(
  config: Pick<Config, "redis" | "resilience">,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (config.resilience.store !== "redis" || redisUrl(config, env) !== undefined) return undefined;
  return "is redis but no Redis is named; set redis.url (or resilience.redisUrl), e.g. redis://127.0.0.1:6379, or AI_ORCHESTRATOR_REDIS_URL";
}

/** The URL with its password (and any secret-looking query parameter) replaced, for logs and messages. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL (a file path), or one URL cannot parse: still never let `user:pass@` through.
    return url.replace(/(\/\/[^/\s:@]*):[^@/\s]*@/g, "$1:[redacted]@");
  }
  if (parsed.password !== "") parsed.password = "[redacted]";
  for (const name of [...parsed.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(name)) parsed.searchParams.set(name, "[redacted]");
  }
  return parsed.toString().replaceAll("%5Bredacted%5D", "[redacted]");
}
