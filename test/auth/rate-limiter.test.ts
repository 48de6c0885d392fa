// Per-key rate limits: the GCRA arithmetic on a fake clock, the same limit counted across two
// replicas through a real Redis, and the fallback to counting per process when Redis is away.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { Writable } from "node:stream";
import { test } from "node:test";
import { MemoryRateLimiter } from "../../src/auth/rate-limiter.ts";
import { RedisRateLimiter } from "../../src/auth/redis-rate-limiter.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { REDIS_URL, reachable } from "../support/redis.ts";
import { requireService } from "../support/services.ts";

test("N requests a minute: a burst of N, then one every 60/N s, with the wait to the next one", async () => {
  let now = 1_000_000;
  const limiter = new MemoryRateLimiter({ now: () => now });
  for (let index = 0; index < 6; index += 1) assert.deepEqual(await limiter.take("k", 6), { allowed: true });
  assert.deepEqual(await limiter.take("k", 6), { allowed: false, retryAfterMs: 10_000 });
  assert.deepEqual(await limiter.take("other", 6), { allowed: true }, "each key counts alone");
  now += 9_999;
  assert.equal((await limiter.take("k", 6)).allowed, false);
  now += 1;
  assert.deepEqual(await limiter.take("k", 6), { allowed: true });
  assert.equal((await limiter.take("k", 6)).allowed, false, "only one request per interval after the burst");
  now += 60_000;
  for (let index = 0; index < 6; index += 1) assert.equal((await limiter.take("k", 6)).allowed, true);
});

test("two replicas sharing a Redis count one key's requests together", async (t) => {
  if (!requireService(t, "redis", await reachable(REDIS_URL))) return;
  const keyPrefix = `aio-test:${randomUUID()}:`;
  const logger = createLogger({ level: "silent" });
  const replicas = [
    new RedisRateLimiter({ url: REDIS_URL, keyPrefix, logger }),
    new RedisRateLimiter({ url: REDIS_URL, keyPrefix, logger }),
  ];
  t.after(() => Promise.all(replicas.map((replica) => replica.close())));
  for (const replica of replicas) {
    for (let tries = 0; tries < 100 && !replica.shared; tries += 1)
      await new Promise((r) => setTimeout(r, 20));
    assert.ok(replica.shared, "connected to Redis");
  }
  const [first, second] = replicas;
  assert.ok(first && second);
  const decisions = [];
  for (let index = 0; index < 4; index += 1)
    decisions.push(await (index % 2 ? second : first).take("key_a", 4));
  assert.deepEqual(decisions, Array(4).fill({ allowed: true }));
  for (const replica of replicas) {
    const refused = await replica.take("key_a", 4);
    assert.equal(refused.allowed, false, "the fifth request is over the limit on either replica");
    assert.ok(!refused.allowed && refused.retryAfterMs > 0 && refused.retryAfterMs <= 15_000);
  }
  assert.deepEqual(await first.take("key_b", 4), { allowed: true }, "another key has its own count");
});

test("with Redis unreachable each process still enforces the limit, and says so once", async (t) => {
  // A port that accepts nothing: bind one, note it, close it.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  const port = typeof address === "object" && address ? address.port : 1;
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const limiter = new RedisRateLimiter({
    url: `redis://:hunter2@127.0.0.1:${port}`,
    keyPrefix: "aio-test:",
    logger: createLogger({ level: "warn", destination }),
  });
  t.after(() => limiter.close());
  for (let index = 0; index < 3; index += 1) assert.deepEqual(await limiter.take("k", 3), { allowed: true });
  assert.equal((await limiter.take("k", 3)).allowed, false);
  for (let tries = 0; tries < 100 && lines.length === 0; tries += 1)
    await new Promise((r) => setTimeout(r, 20));
  const warnings = lines.filter((line) => line.includes("redis unreachable"));
  assert.equal(warnings.length, 1, lines.join(""));
  assert.ok(!lines.join("").includes("hunter2"), "the password in the URL is never logged");
});
