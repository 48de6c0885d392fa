// Hub keys over a real store: what a presented key gets (a principal, or 401/403/429 as AppErrors),
// that only a hash is stored, that revocation reaches a warm cache in another process, and that the
// cache's lifetime is the backstop when no notice arrives.
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AuditTrail } from "../../src/audit/audit-trail.ts";
import { HubKeys, type HubKeysOptions, startHubKeys } from "../../src/auth/hub-keys.ts";
import { type AppErrorKind, isAppError } from "../../src/errors.ts";
import { createLogger } from "../../src/observability/logger.ts";
import type { Store } from "../../src/store/store.ts";
import { homeEnv } from "../cli/home-env.ts";
import { storeOn } from "../store/conformance.ts";
import { runCli, temporaryHome } from "../support/cli.ts";
import { postgresSchemaUrl } from "../support/postgres.ts";
import { REDIS_URL, reachable } from "../support/redis.ts";
import { requireService } from "../support/services.ts";

const logger = createLogger({ level: "silent" });

function hubKeys(store: Store, options: Partial<HubKeysOptions> = {}): HubKeys {
  const keys = new HubKeys({
    keys: store.keys,
    changes: store.keyChanges,
    audit: new AuditTrail({ log: store.audit }),
    logger,
    ...options,
  });
  return keys;
}

async function sqliteStore(t: TestContext, home = temporaryHome(t)): Promise<{ store: Store; file: string }> {
  const file = join(home, "orchestrator.db");
  return { store: await storeOn(t, { url: file, raw: async () => {} }), file };
}

async function rejectsWith(promise: Promise<unknown>, kind: AppErrorKind, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.kind, kind, error.message);
    assert.match(error.message, message);
    return true;
  });
}

function throwsWith(run: () => void, kind: AppErrorKind, message: RegExp): void {
  assert.throws(run, (error) => {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.kind, kind);
    assert.match(error.message, message);
    return true;
  });
}

test("a created key authenticates as its principal; only its SHA-256 is stored, and creation is audited", async (t) => {
  const { store, file } = await sqliteStore(t);
  const keys = hubKeys(store);
  const created = await keys.create(
    { name: "ci", scopes: ["chat", "files"], providers: ["zai"], rpm: 30, ttlMs: 86_400_000 },
    "cli:test",
  );
  assert.match(created.key, /^aio_[A-Za-z0-9_-]{43}$/, "aio_ then 32 random bytes in base64url");
  assert.equal(created.info.prefix, created.key.slice(0, 12));
  assert.equal("hash" in created.info, false, "what callers get never carries the hash");
  const principal = await keys.authenticate(created.key);
  assert.deepEqual(
    { ...principal, expiresAt: undefined },
    {
      keyId: created.info.id,
      name: "ci",
      kind: "key",
      prefix: created.info.prefix,
      scopes: ["chat", "files"],
      providers: ["zai"],
      mode: undefined,
      rpm: 30,
      expiresAt: undefined,
    },
  );
  await store.close();
  const database = new DatabaseSync(file);
  t.after(() => database.close());
  const row = database.prepare("SELECT hash FROM hub_keys").get();
  assert.equal(row?.hash, createHash("sha256").update(created.key).digest("hex"));
  const bytes = [file, `${file}-wal`]
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path).toString("latin1"))
    .join("");
  assert.ok(!bytes.includes(created.key.slice(12)), "the secret part of the key is nowhere in the database");
  const audit = database
    .prepare("SELECT actor, action, subject FROM audit_log")
    .all()
    .map((entry) => ({ ...entry }));
  assert.deepEqual(audit, [{ actor: "cli:test", action: "key.create", subject: created.info.id }]);
});

test("unknown, malformed, revoked and expired keys are refused as unauthenticated", async (t) => {
  const { store } = await sqliteStore(t);
  let now = 1_700_000_000_000;
  const keys = hubKeys(store, { now: () => now });
  await rejectsWith(keys.authenticate("not-a-key"), "unauthenticated", /not a hub key/);
  await rejectsWith(keys.authenticate(`aio_${"A".repeat(43)}`), "unauthenticated", /unknown hub key/);
  const revoked = await keys.create({ name: "gone" }, "cli:test");
  await keys.authenticate(revoked.key);
  const { wasRevoked } = await keys.revoke("gone", "cli:test");
  assert.equal(wasRevoked, false);
  assert.equal((await keys.revoke(revoked.info.id, "cli:test")).wasRevoked, true);
  await rejectsWith(keys.authenticate(revoked.key), "unauthenticated", /was revoked/);
  const shortLived = await keys.create({ name: "short", ttlMs: 60_000 }, "cli:test");
  await keys.authenticate(shortLived.key);
  now += 60_000;
  await rejectsWith(keys.authenticate(shortLived.key), "unauthenticated", /expired/);
  await rejectsWith(keys.revoke("nobody", "cli:test"), "not_found", /no hub key has the id or name "nobody"/);
});

test("authorize refuses a missing scope or a provider outside the allow-list as forbidden", async (t) => {
  const { store } = await sqliteStore(t);
  const keys = hubKeys(store);
  const chat = await keys.authenticate(
    (await keys.create({ name: "chat-zai", providers: ["zai"] }, "t")).key,
  );
  keys.authorize(chat, "chat", "zai");
  keys.authorize(chat, "chat");
  throwsWith(() => keys.authorize(chat, "files"), "forbidden", /lacks the "files" scope/);
  throwsWith(() => keys.authorize(chat, "chat", "anthropic"), "forbidden", /may not use provider anthropic/);
  const admin = await keys.authenticate((await keys.create({ name: "admin", scopes: ["admin"] }, "t")).key);
  keys.authorize(admin, "admin", "anthropic");
  keys.authorize(admin, "dashboard");
  throwsWith(() => keys.authorize(admin, "chat"), "forbidden", /lacks the "chat" scope/);
});

test("a key over its requests per minute is refused with when to retry, and admitted again after", async (t) => {
  const { store } = await sqliteStore(t);
  let now = 1_700_000_000_000;
  const keys = hubKeys(store, { now: () => now });
  const limited = await keys.authenticate((await keys.create({ name: "slow", rpm: 3 }, "t")).key);
  const free = await keys.authenticate((await keys.create({ name: "free" }, "t")).key);
  for (let index = 0; index < 3; index += 1) await keys.checkRate(limited);
  for (let index = 0; index < 100; index += 1) await keys.checkRate(free);
  await assert.rejects(keys.checkRate(limited), (error) => {
    assert.ok(isAppError(error) && error.kind === "rate_limited", String(error));
    assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs > 0 && error.retryAfterMs <= 20_000);
    assert.equal(error.status, 429);
    return true;
  });
  now += 20_000;
  await keys.checkRate(limited);
});

test("a session token is renewable; a revoked one is not", async (t) => {
  const { store } = await sqliteStore(t);
  let now = 1_700_000_000_000;
  const keys = hubKeys(store, { now: () => now });
  const session = await keys.create(
    { name: "session:glm:1", kind: "session", mode: "glm", providers: ["zai"], ttlMs: 60_000 },
    "launcher",
  );
  assert.equal((await keys.authenticate(session.key)).mode, "glm");
  now += 50_000;
  assert.equal((await keys.extend(session.info.id, 60_000, "launcher")).expiresAt, now + 60_000);
  now += 50_000;
  assert.equal((await keys.authenticate(session.key)).kind, "session", "renewed before it expired");
  await keys.revoke(session.info.id, "launcher");
  await rejectsWith(keys.extend(session.info.id, 60_000, "launcher"), "conflict", /cannot be renewed/);
});

test("verified keys are cached: a row changed behind the store's back is seen only when the entry expires", async (t) => {
  const { store, file } = await sqliteStore(t);
  let now = 1_700_000_000_000;
  const keys = hubKeys(store, { now: () => now, cacheTtlMs: 5_000 });
  const created = await keys.create({ name: "cached" }, "t");
  await keys.authenticate(created.key);
  const database = new DatabaseSync(file);
  t.after(() => database.close());
  // Revoked without any notice: only the cache lifetime can bring this to the hub.
  database.prepare("UPDATE hub_keys SET revoked_at = 1 WHERE id = ?").run(created.info.id);
  now += 4_000;
  await keys.authenticate(created.key);
  now += 1_001;
  await rejectsWith(keys.authenticate(created.key), "unauthenticated", /was revoked/);
});

async function revocationReachesWarmCache(
  t: TestContext,
  url: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const store = await storeOn(t, { url, raw: async () => {} });
  // A cache lifetime far beyond the deadline: only the change notice can stop the key in time.
  const hub = hubKeys(store, { cacheTtlMs: 600_000 });
  await hub.listen();
  t.after(() => hub.close());
  const created = await hub.create({ name: "to-revoke" }, "t");
  await hub.authenticate(created.key);
  const revoke = await runCli(["keys", "revoke", "to-revoke"], { env });
  assert.equal(revoke.code, 0, revoke.stderr);
  assert.match(revoke.stdout, /revoked hub key "to-revoke"/);
  const deadline = Date.now() + 2_000;
  let refusal: unknown;
  while (refusal === undefined && Date.now() < deadline) {
    refusal = await hub.authenticate(created.key).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (refusal === undefined) await sleep(20);
  }
  assert.ok(isAppError(refusal) && refusal.kind === "unauthenticated", "refused within 2 s of `keys revoke`");
}

test("`keys revoke` in another process reaches a hub's warm cache within 2 s (SQLite)", async (t) => {
  const home = temporaryHome(t);
  await revocationReachesWarmCache(t, join(home, "orchestrator.db"), homeEnv(home));
});

test("`keys revoke` in another process reaches a hub's warm cache within 2 s (PostgreSQL)", async (t) => {
  const url = await postgresSchemaUrl(t);
  if (url === undefined) return;
  const home = temporaryHome(t);
  await revocationReachesWarmCache(t, url, homeEnv(home, { AI_ORCHESTRATOR_STORE_URL: url }));
});

test("two hubs on one store and one Redis count a key's rate together", async (t) => {
  if (!requireService(t, "redis", await reachable(REDIS_URL))) return;
  const home = temporaryHome(t);
  const redisKeyPrefix = `aio-test:${randomUUID()}:`;
  const hubs = await Promise.all(
    [0, 1].map(async () => {
      const { store } = await sqliteStore(t, home);
      const hub = await startHubKeys({
        store,
        audit: new AuditTrail({ log: store.audit }),
        logger,
        redisUrl: REDIS_URL,
        redisKeyPrefix,
      });
      t.after(() => hub.close());
      return hub;
    }),
  );
  const [first, second] = hubs;
  assert.ok(first && second);
  const { key } = await first.create({ name: "shared", rpm: 2 }, "t");
  const onFirst = await first.authenticate(key);
  const onSecond = await second.authenticate(key);
  await first.checkRate(onFirst);
  await second.checkRate(onSecond);
  await rejectsWith(first.checkRate(onFirst), "rate_limited", /over its 2 requests per minute/);
  await rejectsWith(second.checkRate(onSecond), "rate_limited", /over its 2 requests per minute/);
});
