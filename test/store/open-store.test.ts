// Which store and Redis a process uses: config, then the container overrides; a URL that is neither a
// file nor PostgreSQL is one clear line, its password hidden.
import assert from "node:assert/strict";
import { test } from "node:test";
import { configSchema } from "../../src/config/schema/index.ts";
import { redisUrl, storeUrl } from "../../src/config/shared-state.ts";
import { isAppError } from "../../src/errors.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { openStore } from "../../src/store/store.ts";

const paths = { databaseFile: "/home/me/.ai-orchestrator/orchestrator.db" };

test("the store is orchestrator.db unless store.url or AI_ORCHESTRATOR_STORE_URL says otherwise", () => {
  const defaults = configSchema.parse({});
  assert.equal(storeUrl(defaults, paths, {}), paths.databaseFile);
  const configured = configSchema.parse({ store: { url: "postgres://aio@db/aio" } });
  assert.equal(storeUrl(configured, paths, {}), "postgres://aio@db/aio");
  assert.equal(
    storeUrl(configured, paths, { AI_ORCHESTRATOR_STORE_URL: "postgres://aio@other/aio" }),
    "postgres://aio@other/aio",
  );
});

test("an AI_ORCHESTRATOR_STORE_URL the store cannot open is refused before anything is opened, naming the variable", () => {
  assert.throws(
    () => storeUrl(configSchema.parse({}), paths, { AI_ORCHESTRATOR_STORE_URL: "redis://:hunter2@db:6379" }),
    (error) => {
      assert.ok(isAppError(error) && error.kind === "config");
      assert.match(error.message, /^AI_ORCHESTRATOR_STORE_URL=redis:\/\/:\[redacted\]@db:6379 is neither/);
      return true;
    },
  );
});

test("Redis comes from AI_ORCHESTRATOR_REDIS_URL, then redis.url, then the older resilience.redisUrl", () => {
  assert.equal(redisUrl(configSchema.parse({}), {}), undefined);
  const old = configSchema.parse({ resilience: { redisUrl: "redis://old:6379" } });
  assert.equal(redisUrl(old, {}), "redis://old:6379");
  const both = configSchema.parse({
    resilience: { redisUrl: "redis://old:6379" },
    redis: { url: "redis://new:6379" },
  });
  assert.equal(redisUrl(both, {}), "redis://new:6379");
  assert.equal(redisUrl(both, { AI_ORCHESTRATOR_REDIS_URL: "redis://env:6379" }), "redis://env:6379");
  assert.equal(configSchema.safeParse({ redis: { url: "http://x" } }).success, false);
});

test("a store URL of another scheme is refused in one line without its password", async () => {
  await assert.rejects(
    openStore({ url: "mysql://root:hunter2@db/aio", paths, logger: createLogger({ level: "silent" }) }),
    (error) => {
      assert.ok(isAppError(error) && error.kind === "config");
      assert.equal(
        error.message,
        "store.url mysql://root:[redacted]@db/aio is neither a file path nor a postgres:// URL; use one of them",
      );
      return true;
    },
  );
});

test("a malformed postgres:// URL is a config error, not a crash", async () => {
  await assert.rejects(
    openStore({ url: "postgres://aio:hunter2@[db/aio", paths, logger: createLogger({ level: "silent" }) }),
    (error) => {
      assert.ok(isAppError(error) && error.kind === "config", String(error));
      assert.match(error.message, /is not a valid URL; write postgres:\/\/user@host:5432\/database/);
      assert.ok(!error.message.includes("hunter2"), error.message);
      return true;
    },
  );
});

test("a postgres:// URL whose ?max= is not a number of connections is a config error naming it, not a store that never answers", async () => {
  for (const max of ["0", "ten", "2.5"]) {
    await assert.rejects(
      openStore({
        url: `postgres://aio:hunter2@db/aio?max=${max}`,
        paths,
        logger: createLogger({ level: "silent" }),
      }),
      (error) => {
        assert.ok(isAppError(error) && error.kind === "config", String(error));
        assert.equal(
          error.message,
          `store.url postgres://aio:[redacted]@db/aio?max=${max} has max=${max}; write ?max= as a whole number of connections, 1 or more`,
        );
        return true;
      },
    );
  }
});
