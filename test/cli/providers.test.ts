// `ai-orchestrator providers`: the breaker state a user sees, as stored by whichever process tripped it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { policySchema } from "../../src/config/schema/resilience.ts";
import { ProviderError } from "../../src/providers/errors.ts";
import { SqliteBreakerStore } from "../../src/resilience/breaker-store.ts";
import { createProviderPolicy } from "../../src/resilience/policy.ts";
import { openDatabase } from "../../src/store/database.ts";
import { runCli, temporaryHome } from "../support/cli.ts";

/** Trips zai's breaker the way the hub would, in this process, on the home's database. */
async function tripZai(home: string): Promise<void> {
  const database = openDatabase(join(home, "orchestrator.db"));
  const store = new SqliteBreakerStore(database, Date.now, () => database.close());
  const config = policySchema.parse({
    retry: { maxAttempts: 1 },
    breaker: { consecutiveFailures: 1, openMs: 120_000 },
  });
  const policy = createProviderPolicy({
    provider: "zai",
    config,
    gate: store.gate("zai", config.breaker, { probeLeaseMs: 1_000 }),
  });
  await assert.rejects(
    policy.execute(() =>
      Promise.reject(
        new ProviderError({
          kind: "overloaded",
          provider: "zai",
          status: 529,
          message: "Z.ai is overloaded",
        }),
      ),
    ),
  );
  await store.close();
}

test("lists every provider's breaker, and shows a trip made by another process", async (t) => {
  const home = temporaryHome(t);
  const env = { ...process.env, AI_ORCHESTRATOR_HOME: home };
  const fresh = await runCli(["providers", "--json"], { env });
  assert.equal(fresh.code, 0, fresh.stderr);
  const listed: { provider: string; breaker: string }[] = JSON.parse(fresh.stdout);
  assert.deepEqual(
    listed.map((entry) => [entry.provider, entry.breaker]),
    [
      ["anthropic", "closed"],
      ["google", "closed"],
      ["zai", "closed"],
      ["moonshot", "closed"],
    ],
  );

  await tripZai(home);
  const json = await runCli(["providers", "--json"], { env });
  const zai = JSON.parse(json.stdout).find((entry: { provider: string }) => entry.provider === "zai");
  assert.equal(zai.breaker, "open");
  assert.ok(zai.retryAfterMs > 100_000 && zai.retryAfterMs <= 120_000);
  assert.deepEqual(
    { kind: zai.lastError.kind, status: zai.lastError.status },
    { kind: "overloaded", status: 529 },
  );
  assert.deepEqual(zai.bulkhead, { inFlight: 0, maxConcurrent: 16, queued: 0, maxQueue: 64 });

  const text = await runCli(["providers"], { env });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^PROVIDER\s+BREAKER\s+BULKHEAD \(this process\)\s+LAST ERROR$/m);
  assert.match(
    text.stdout,
    /^zai\s+open \((\d+ min( \d+ s)?|1[01]\d s) more\)\s+0\/16 running, 0\/64 queued\s+overloaded 529: Z\.ai is overloaded \(\d+ s ago\)$/m,
  );
  assert.match(text.stdout, /^anthropic\s+closed\s+0\/16 running, 0\/64 queued\s+-$/m);
});

test("`providers reset` closes the circuit for the next process too", async (t) => {
  const home = temporaryHome(t);
  const env = { ...process.env, AI_ORCHESTRATOR_HOME: home };
  await tripZai(home);
  const reset = await runCli(["providers", "reset", "zai"], { env });
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal(reset.stdout, "zai: circuit closed (was open); failures forgotten\n");
  const after = await runCli(["providers", "--json"], { env });
  assert.equal(
    JSON.parse(after.stdout).find((entry: { provider: string }) => entry.provider === "zai").breaker,
    "closed",
  );
});

test("an unknown provider gets one line naming the known ones", async (t) => {
  const home = temporaryHome(t);
  const result = await runCli(["providers", "reset", "nosuch"], {
    env: { ...process.env, AI_ORCHESTRATOR_HOME: home },
  });
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim().split("\n").length, 1);
  assert.match(result.stderr, /unknown provider "nosuch"; known providers: anthropic, google, zai, moonshot/);
});

test("a broken resilience section is reported with its path and the fix", async (t) => {
  const home = temporaryHome(t);
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(home, "config.yaml"), "resilience:\n  store: redis\n");
  const result = await runCli(["providers"], { env: { ...process.env, AI_ORCHESTRATOR_HOME: home } });
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.match(
    result.stderr,
    /resilience\.store is redis but no Redis is named; set redis\.url \(or resilience\.redisUrl\), e\.g\. redis:\/\/127\.0\.0\.1:6379, or AI_ORCHESTRATOR_REDIS_URL/,
  );
});

test("store: redis finds its Redis in redis.url or AI_ORCHESTRATOR_REDIS_URL, as the replicas' rate limits do", async (t) => {
  const { writeFileSync } = await import("node:fs");
  const unreachable = "redis://127.0.0.1:1";
  for (const [config, env] of [
    [`resilience:\n  store: redis\nredis:\n  url: ${unreachable}\n`, {}],
    ["resilience:\n  store: redis\n", { AI_ORCHESTRATOR_REDIS_URL: unreachable }],
  ] as const) {
    const home = temporaryHome(t);
    writeFileSync(join(home, "config.yaml"), config);
    const list = await runCli(["providers", "--json"], {
      env: { ...process.env, ...env, AI_ORCHESTRATOR_HOME: home },
    });
    assert.equal(list.code, 0, list.stderr);
    // The breakers went to that Redis: unreachable there, so each provider says so.
    assert.ok(
      JSON.parse(list.stdout).every(
        (entry: { sharing: string }) => entry.sharing === "process (redis unreachable)",
      ),
      list.stdout,
    );
  }
});

test("with an unreachable Redis, `providers` still answers from local state and says so; `reset` fails in one line", async (t) => {
  const home = temporaryHome(t);
  const { writeFileSync } = await import("node:fs");
  writeFileSync(
    join(home, "config.yaml"),
    "resilience:\n  store: redis\n  redisUrl: redis://:pw-secret@127.0.0.1:1\n",
  );
  const env = { ...process.env, AI_ORCHESTRATOR_HOME: home };
  const list = await runCli(["providers", "--json"], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.ok(
    JSON.parse(list.stdout).every(
      (entry: { sharing: string }) => entry.sharing === "process (redis unreachable)",
    ),
  );
  const text = await runCli(["providers"], { env });
  assert.match(
    text.stderr,
    /^ai-orchestrator: the breaker store \(redis\) is unreachable; showing this process's view only$/m,
  );

  const reset = await runCli(["providers", "reset", "zai"], { env });
  assert.equal(reset.code, 1);
  assert.equal(reset.stderr.trim().split("\n").length, 1);
  assert.match(
    reset.stderr,
    /cannot reach redis at redis:\/\/:\[redacted\]@127\.0\.0\.1:1 to reset the shared circuit of zai/,
  );
  assert.doesNotMatch(reset.stderr + list.stderr + text.stderr, /pw-secret/);
});
