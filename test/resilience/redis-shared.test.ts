// Three real processes share one breaker through a real Redis: a trip in one stops the others within
// a second, half-open probing is single-flight across them, a dead prober's lease expires, and when
// Redis dies mid-test every process carries on with its own breaker, no call failing because of it.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { describe, type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "redis";
import { policySchema } from "../../src/config/schema/resilience.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { ProviderError } from "../../src/providers/errors.ts";
import { createProviderPolicy } from "../../src/resilience/policy.ts";
import { RedisBreakerStore } from "../../src/resilience/redis-breaker-store.ts";
import { REDIS_URL, reachable } from "../support/redis.ts";
import { requireService } from "../support/services.ts";
import type { WorkerOptions } from "./breaker-process.ts";
import { startWorker, type Worker } from "./worker.ts";

function options(url: string, policy: Record<string, unknown>, probeLeaseMs = 1_000): WorkerOptions {
  // A fresh key prefix per test: the tests share the Redis but never a breaker.
  return {
    provider: "zai",
    store: { kind: "redis", url, keyPrefix: `aio-test:${randomUUID()}:` },
    policy,
    probeLeaseMs,
  };
}

async function startAll(count: number, workerOptions: WorkerOptions): Promise<Worker[]> {
  const workers = Array.from({ length: count }, () => startWorker(workerOptions));
  await Promise.all(workers.map((worker) => worker.ready));
  // Until a worker has connected, it decides alone: wait until all share.
  for (const worker of workers) {
    for (let tries = 0; tries < 50 && (await worker.send({ op: "status" })).sharing !== "redis"; tries += 1)
      await sleep(50);
  }
  return workers;
}

const stopAll = (workers: readonly Worker[]) => Promise.all(workers.map((worker) => worker.stop()));

describe("a breaker shared through Redis", () => {
  test("one process opening it stops the other two", async (t) => {
    if (!requireService(t, "redis", await reachable(REDIS_URL))) return;
    const workers = await startAll(
      3,
      options(REDIS_URL, {
        retry: { maxAttempts: 1 },
        breaker: { consecutiveFailures: 3, failureRate: 0, openMs: 30_000 },
      }),
    );
    t.after(() => stopAll(workers));
    const [first, second, third] = workers;
    assert.ok(first && second && third);

    // Failures from different processes add up in the shared counter.
    await first.send({ op: "call", provider: "fail" });
    await second.send({ op: "call", provider: "fail" });
    await third.send({ op: "call", provider: "fail" });

    for (const worker of workers) {
      await eventually(
        async () => (await worker.send({ op: "status" })).breaker === "open",
        "every process sees it open",
      );
      const refused = await worker.send({ op: "call", provider: "ok" });
      assert.equal(refused.outcome, "rejected");
      assert.equal(refused.invoked, false);
      assert.match(
        refused.message ?? "",
        /provider zai is failing: circuit open for \d+ s more \(last error: overloaded 529/,
      );
    }
  });

  test("half-open probing is single-flight across processes, and a good probe closes it for all", async (t) => {
    if (!requireService(t, "redis", await reachable(REDIS_URL))) return;
    const workers = await startAll(
      3,
      options(REDIS_URL, {
        retry: { maxAttempts: 1 },
        breaker: { consecutiveFailures: 1, failureRate: 0, openMs: 600 },
      }),
    );
    t.after(() => stopAll(workers));
    const first = workers[0];
    assert.ok(first);
    await first.send({ op: "call", provider: "fail" });
    await sleep(1_200);

    // Every process fires five calls at once; the provider takes 400 ms to answer the probe.
    const replies = await Promise.all(
      workers.flatMap((worker) =>
        Array.from({ length: 5 }, () => worker.send({ op: "call", provider: "ok", delayMs: 400 })),
      ),
    );
    const invoked = replies.filter((reply) => reply.invoked);
    assert.equal(invoked.length, 1, `exactly one probe call reached the provider, saw ${invoked.length}`);
    assert.equal(replies.filter((reply) => reply.outcome === "rejected").length, 14);
    assert.ok(
      replies
        .filter((reply) => reply.outcome === "rejected")
        .every((reply) => /probing|circuit open/.test(reply.message ?? "")),
    );

    for (const worker of workers) {
      await eventually(
        async () => (await worker.send({ op: "status" })).breaker === "closed",
        "every process sees it closed",
      );
      const after = await worker.send({ op: "call", provider: "ok" });
      assert.equal(after.outcome, "ok");
      assert.equal(after.breaker, "closed");
    }
  });

  test("a prober that dies holding the lease does not block probing once the lease expires", async (t) => {
    if (!requireService(t, "redis", await reachable(REDIS_URL))) return;
    const workers = await startAll(
      2,
      options(
        REDIS_URL,
        {
          retry: { maxAttempts: 1 },
          breaker: { consecutiveFailures: 1, failureRate: 0, openMs: 300 },
        },
        800,
      ),
    );
    t.after(() => stopAll(workers));
    const [prober, survivor] = workers;
    assert.ok(prober && survivor);
    await prober.send({ op: "call", provider: "fail" });
    await sleep(1_100);
    // The prober starts a probe that would take 10 s, and is killed in the middle of it.
    void prober.send({ op: "call", provider: "ok", delayMs: 10_000 }).catch(() => {});
    await sleep(200);
    assert.equal(
      (await survivor.send({ op: "call", provider: "ok" })).outcome,
      "rejected",
      "the lease is held",
    );
    prober.child.kill("SIGKILL");
    // Refused while the dead prober's lease lasts (800 ms), then the survivor probes itself.
    let probe = await survivor.send({ op: "call", provider: "ok" });
    await eventually(async () => {
      probe = await survivor.send({ op: "call", provider: "ok" });
      return probe.invoked === true;
    }, "the survivor probed after the lease expired");
    assert.equal(probe.outcome, "ok");
    await eventually(
      async () => (await survivor.send({ op: "status" })).breaker === "closed",
      "closed by the probe",
    );
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startPrivateRedis(port: number): Promise<ChildProcess | string> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  const failed = new Promise<string>((resolve) =>
    child.once("error", (error) => resolve(`redis-server: ${error.message}`)),
  );
  for (let tries = 0; tries < 50; tries += 1) {
    const problem = await Promise.race([reachable(`redis://127.0.0.1:${port}`), failed]);
    if (problem === undefined) return child;
    if (problem.startsWith("redis-server:")) return problem;
    await sleep(100);
  }
  child.kill("SIGKILL");
  return "redis-server did not start listening";
}

/** A redis-server of the test's own, killed when the test ends; undefined when the test is skipped. */
async function privateRedis(
  t: TestContext,
): Promise<{ port: number; url: string; redis: ChildProcess } | undefined> {
  const port = await freePort();
  const redis = await startPrivateRedis(port);
  if (!requireService(t, "redis-server", typeof redis === "string" ? redis : undefined)) return undefined;
  if (typeof redis === "string") return undefined;
  t.after(() => {
    redis.kill("SIGKILL");
  });
  return { port, url: `redis://127.0.0.1:${port}`, redis };
}

test("Redis dying mid-test: every process falls back to its own breaker, logs it once, and no call fails because of it", async (t) => {
  const server = await privateRedis(t);
  if (server === undefined) return;
  const { port, url, redis } = server;
  const workers = await startAll(
    3,
    options(url, {
      retry: { maxAttempts: 1 },
      breaker: { consecutiveFailures: 2, failureRate: 0, openMs: 30_000 },
    }),
  );
  t.after(() => stopAll(workers));
  const [first, second, third] = workers;
  assert.ok(first && second && third);

  // Calls flow while Redis is killed under them.
  const during = workers.flatMap((worker) =>
    Array.from({ length: 20 }, () => worker.send({ op: "call", provider: "ok" })),
  );
  redis.kill("SIGKILL");
  const afterKill = workers.flatMap((worker) =>
    Array.from({ length: 20 }, () => worker.send({ op: "call", provider: "ok" })),
  );
  const replies = await Promise.all([...during, ...afterKill]);
  assert.deepEqual(
    replies.filter((reply) => reply.outcome !== "ok").map((reply) => reply.message),
    [],
    "no call failed because Redis went away",
  );

  for (const worker of workers) {
    await eventually(
      async () => (await worker.send({ op: "status" })).sharing === "process (redis unreachable)",
      "every process notices Redis is gone",
    );
  }

  // Each process now decides alone: the first one's failures open only its own circuit.
  await first.send({ op: "call", provider: "fail" });
  assert.equal((await first.send({ op: "call", provider: "fail" })).breaker, "open");
  assert.equal((await first.send({ op: "call", provider: "ok" })).outcome, "rejected");
  assert.equal((await second.send({ op: "call", provider: "ok" })).outcome, "ok");

  for (const worker of workers) {
    await eventually(async () => worker.stderr().includes("redis unreachable"), "each process warns");
    const warnings = worker
      .stderr()
      .split("\n")
      .filter((line) => line.includes("redis unreachable"));
    assert.equal(warnings.length, 1, `one warning per process, saw:\n${worker.stderr()}`);
    assert.equal(JSON.parse(warnings[0] ?? "{}").level, 40, "logged at warn");
  }

  // Redis comes back on the same port: every process reconnects by itself, shares again, and the
  // trip the first one made alone is published to the others.
  const restarted = await startPrivateRedis(port);
  assert.equal(typeof restarted, "object", String(restarted));
  if (typeof restarted !== "string") t.after(() => restarted.kill("SIGKILL"));
  for (const worker of workers) {
    let sharing = "";
    for (let tries = 0; tries < 60 && sharing !== "redis"; tries += 1) {
      sharing = (await worker.send({ op: "status" })).sharing;
      if (sharing !== "redis") await sleep(100);
    }
    assert.equal(sharing, "redis", "reconnected within 6 s");
  }
  // The first process publishes its trip once it is back; the third sees it at its next refresh.
  let seen = "";
  for (let tries = 0; tries < 20 && seen !== "open"; tries += 1) {
    seen = (await third.send({ op: "status" })).breaker;
    if (seen !== "open") await sleep(100);
  }
  const refused = await third.send({ op: "call", provider: "ok" });
  assert.equal(refused.outcome, "rejected", "the first process's trip reached the third through Redis");
  assert.ok(second.stderr().includes("redis reachable again"));
});

/** Two replicas in this process: each its own store, client and policy for zai, on one Redis. */
function inProcessReplicas(t: TestContext, url: string, policy: Record<string, unknown>) {
  const keyPrefix = `aio-test:${randomUUID()}:`;
  const config = policySchema.parse(policy);
  return [0, 1].map(() => {
    const replica = { outages: 0 };
    const store = new RedisBreakerStore({
      url,
      keyPrefix,
      logger: createLogger({ level: "silent" }),
      onHealthChange: (up) => {
        if (!up) replica.outages += 1;
      },
    });
    t.after(() => store.close());
    const gate = store.gate("zai", config.breaker, { probeLeaseMs: 1_000 });
    return Object.assign(replica, { store, policy: createProviderPolicy({ provider: "zai", config, gate }) });
  });
}

const overloadedCall = () =>
  Promise.reject(
    new ProviderError({ kind: "overloaded", provider: "zai", status: 529, message: "overloaded" }),
  );
const okCall = async () => "answer";

/**
 * Waits for what another process or Redis makes true, asking every 50 ms up to a deadline far
 * beyond the usual few hundred milliseconds, so a loaded machine is slow but never red.
 */
async function eventually(check: () => Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what}: not within ${deadlineMs / 1000} s`);
    await sleep(50);
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  await eventually(async () => check(), what);
}

test("a trip right after `providers reset` reaches a replica that saw the state before the reset", async (t) => {
  if (!requireService(t, "redis", await reachable(REDIS_URL))) return;
  const [first, second] = inProcessReplicas(t, REDIS_URL, {
    retry: { maxAttempts: 1 },
    breaker: { consecutiveFailures: 1, failureRate: 0, openMs: 200 },
  });
  assert.ok(first && second);
  await until(() => first.store.up && second.store.up, "both connected");
  // Opened, then closed by a good probe: the shared state has moved on twice.
  await assert.rejects(first.policy.execute(overloadedCall));
  await sleep(250);
  await first.policy.execute(okCall);
  await until(() => first.policy.state() === "closed", "closed by the probe");
  await sleep(600);

  await first.store.reset("zai");
  await assert.rejects(first.policy.execute(overloadedCall));
  await until(() => second.policy.state() !== "closed", "the second replica sees the new trip");
});

test("a short Redis outage does not re-open, for everyone, a circuit the replicas had closed", async (t) => {
  const server = await privateRedis(t);
  if (server === undefined) return;
  const { url } = server;
  const [first, second] = inProcessReplicas(t, url, {
    retry: { maxAttempts: 1 },
    breaker: { consecutiveFailures: 1, failureRate: 0, openMs: 200 },
  });
  assert.ok(first && second);
  await until(() => first.store.up && second.store.up, "both connected");
  // The first replica's failure trips the shared circuit; the second one's probe closes it again.
  await assert.rejects(first.policy.execute(overloadedCall));
  await until(() => second.policy.state() !== "closed", "the second replica sees the trip");
  await sleep(250);
  await second.policy.execute(okCall);
  await until(() => first.policy.state() === "closed", "the first replica sees it closed");

  // Redis drops every connection; both replicas reconnect by themselves.
  const admin = createClient({ url });
  await admin.connect();
  await admin.sendCommand(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
  await admin.close();
  await until(() => first.outages === 1 && second.outages === 1, "the outage is noticed");
  await until(() => first.store.up && second.store.up, "both reconnected");
  await sleep(600);

  assert.equal((await first.store.read("zai"))?.state, "closed");
  const calls = await Promise.allSettled(Array.from({ length: 5 }, () => second.policy.execute(okCall)));
  assert.deepEqual(
    calls.map((call) => call.status),
    ["fulfilled", "fulfilled", "fulfilled", "fulfilled", "fulfilled"],
    "no caller is held back behind a half-open probe",
  );
});
