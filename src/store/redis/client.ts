// The Redis client as every shared-fast-state user here needs it: commands fail at once while
// disconnected (no offline queue replayed later), each command has a deadline, and reconnection
// backs off to 2 s. Callers fall back to process-local state while it is away.
import { createRequire } from "node:module";
import type { createClient } from "redis";

export type RedisClient = ReturnType<typeof createClient>;

// The client library is loaded by the first Redis client made: a process without Redis configured
// (the default hub, every one-shot command) never holds it in memory (about 20 MB).
const require = createRequire(import.meta.url);

export function createRedisClient(url: string, commandTimeoutMs: number): RedisClient {
  const redis: typeof import("redis") = require("redis");
  return redis.createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: commandTimeoutMs },
    socket: {
      connectTimeout: 1_000,
      reconnectStrategy: (retries: number) =>
        Math.min(100 * 2 ** Math.min(retries, 5), 2_000) + Math.random() * 100,
    },
  });
}
