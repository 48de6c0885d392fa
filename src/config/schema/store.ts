// The `store:` and `redis:` sections: where the hub keeps what it remembers (keys, threads, files,
// the audit trail) and the Redis that replicas share for what must be fast (breakers, rate limits).
import { z } from "zod";
import { redisUrl } from "./common.ts";

export const storeSchema = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A SQLite file (default: orchestrator.db under the home) or a postgres:// URL shared by several hub replicas. AI_ORCHESTRATOR_STORE_URL overrides it. A password in it is never logged.",
      ),
  })
  .describe("Where the hub keeps keys, threads, the file registry and the audit trail.");
export type StoreConfig = z.infer<typeof storeSchema>;

export const redisSchema = z
  .strictObject({
    url: redisUrl
      .optional()
      .describe(
        "The Redis shared by hub replicas for per-key rate limits (and breakers with resilience.store: redis). AI_ORCHESTRATOR_REDIS_URL overrides it. A password in it is never logged.",
      ),
  })
  .describe("Shared fast state for several hub replicas.");
export type RedisConfig = z.infer<typeof redisSchema>;
