// Where the store and the shared Redis are, after the environment overrides containers use
// (AI_ORCHESTRATOR_STORE_URL, AI_ORCHESTRATOR_REDIS_URL) and the older resilience.redisUrl.
import type { Paths } from "./paths.ts";
import type { Config } from "./schema/index.ts";

export function storeUrl(
  config: Pick<Config, "store">,
  paths: Pick<Paths, "databaseFile">,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return env.AI_ORCHESTRATOR_STORE_URL || config.store.url || paths.databaseFile;
}

/** The Redis replicas share, if any: the override, then `redis.url`, then `resilience.redisUrl`. */
export function redisUrl(
  config: Pick<Config, "redis" | "resilience">,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return env.AI_ORCHESTRATOR_REDIS_URL || config.redis.url || config.resilience.redisUrl;
}

/** Why `resilience.store: redis` cannot run, if it cannot: no Redis named anywhere. */
export function missingBreakerRedis(
  config: Pick<Config, "redis" | "resilience">,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (config.resilience.store !== "redis" || redisUrl(config, env) !== undefined) return undefined;
  return "is redis but no Redis is named; set redis.url (or resilience.redisUrl), e.g. redis://127.0.0.1:6379, or AI_ORCHESTRATOR_REDIS_URL";
}
