// Breaker state in orchestrator.db outlives the process: a second, real process on the same file
// refuses calls until the first one's open-until time, then probes and closes; a file that cannot be
// written never fails a call.
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { policySchema } from "../../src/config/schema/resilience.ts";
import { ProviderError } from "../../src/providers/errors.ts";
import { SqliteBreakerStore } from "../../src/resilience/breaker-store.ts";
import { createProviderPolicy } from "../../src/resilience/policy.ts";
import { openDatabase } from "../../src/store/database.ts";
import { temporaryHome } from "../support/cli.ts";
import { startWorker } from "./worker.ts";

test("an open circuit is still open after a restart, and closes on schedule", async (t) => {
  const file = join(temporaryHome(t), "orchestrator.db");
  const options = {
    provider: "zai",
    store: { kind: "sqlite" as const, file },
    // Long enough to outlast a slow restart on a loaded machine (4 s was not, under a CI run beside other work).
    policy: {
      retry: { maxAttempts: 1 },
      breaker: { consecutiveFailures: 2, failureRate: 0, openMs: 12_000 },
    },
  };

  const first = startWorker(options);
  await first.ready;
  await first.send({ op: "call", provider: "fail" });
  const tripped = await first.send({ op: "call", provider: "fail" });
  assert.equal(tripped.breaker, "open");
  await first.stop();

  const second = startWorker(options);
  t.after(() => second.stop());
  const started = await second.ready;
  assert.equal(started.breaker, "open", "the new process starts with the circuit open");
  const refused = await second.send({ op: "call", provider: "ok" });
  assert.equal(refused.outcome, "rejected");
  assert.equal(refused.invoked, false);
  assert.match(
    refused.message ?? "",
    /provider zai is failing: circuit open for ([1-9]|1[0-2]) s more \(last error: overloaded 529: overloaded\)/,
  );

  // Open-until is wall-clock time: once it has passed, the restarted process probes and closes.
  await sleep(Math.max(0, (refused.retryAfterMs ?? 0) + 50));
  const probe = await second.send({ op: "call", provider: "ok" });
  assert.equal(probe.outcome, "ok");
  assert.equal(probe.breaker, "closed");
});

test("`providers reset` from another process closes a running process's circuit within a second", async (t) => {
  const file = join(temporaryHome(t), "orchestrator.db");
  const options = {
    provider: "moonshot",
    store: { kind: "sqlite" as const, file },
    policy: {
      retry: { maxAttempts: 1 },
      breaker: { consecutiveFailures: 1, failureRate: 0, openMs: 60_000 },
    },
  };
  const hub = startWorker(options);
  const other = startWorker(options);
  t.after(() => Promise.all([hub.stop(), other.stop()]));
  await Promise.all([hub.ready, other.ready]);
  assert.equal((await hub.send({ op: "call", provider: "fail" })).breaker, "open");
  await other.send({ op: "reset" });
  await sleep(1_100);
  const after = await hub.send({ op: "call", provider: "ok" });
  assert.equal(after.outcome, "ok");
});

test("a locked or failing state file never fails a call: the breaker goes on in memory and says so once", async (t) => {
  const file = join(temporaryHome(t), "orchestrator.db");
  const database = openDatabase(file, { busyTimeoutMs: 0 });
  const errors: string[] = [];
  const store = new SqliteBreakerStore(
    database,
    Date.now,
    () => database.close(),
    (error) => errors.push(error instanceof Error ? error.message : String(error)),
  );
  t.after(() => store.close());
  const config = policySchema.parse({
    retry: { maxAttempts: 1 },
    breaker: { consecutiveFailures: 2, failureRate: 0, openMs: 60_000 },
  });
  const policy = createProviderPolicy({
    provider: "zai",
    config,
    gate: store.gate("zai", config.breaker, { probeLeaseMs: 1_000 }),
  });
  const overloaded = () =>
    Promise.reject(new ProviderError({ kind: "overloaded", provider: "zai", status: 529, message: "busy" }));

  // Another process holds the write lock for the whole test.
  const other = new DatabaseSync(file);
  other.exec("BEGIN IMMEDIATE");
  t.after(() => other.close());

  await assert.rejects(policy.execute(overloaded), { kind: "overloaded" });
  assert.equal(await policy.execute(async () => "answer"), "answer");
  await assert.rejects(policy.execute(overloaded), { kind: "overloaded" });
  await assert.rejects(policy.execute(overloaded), { kind: "overloaded" });
  assert.equal(policy.state(), "open", "the breaker still works, on this process's state");
  assert.deepEqual(errors, ["database is locked"]);

  other.exec("ROLLBACK");
  await policy.reset();
  assert.equal((await store.read("zai"))?.state, "closed", "written again once the file answers");
});
