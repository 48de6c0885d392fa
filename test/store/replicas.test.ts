// Two real `ai-orchestrator serve` processes sharing one PostgreSQL and one Redis, as replicas behind a
// load balancer: a key made once works on both, a revocation on one reaches the other within 2 s, a
// thread started on one continues on the other, one upload per content across both, and concurrent
// audited operations from both leave one chain that verifies.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { stringify } from "yaml";
import { resolvePaths } from "../../src/config/paths.ts";
import { writeSecret } from "../../src/providers/credentials.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { homeEnv } from "../cli/home-env.ts";
import { BIN, runCli, temporaryHome } from "../support/cli.ts";
import { PROVIDER_KEY, pick } from "../support/hub.ts";
import { freshSchemaUrl, POSTGRES_URL, postgresUnavailable } from "../support/postgres.ts";
import { REDIS_URL, reachable } from "../support/redis.ts";
import { requireService } from "../support/services.ts";

/** The revocation contract of the issue: refused by every replica within this long. */
const REVOCATION_WINDOW_MS = 2_000;

interface Replica {
  origin: string;
  process: ChildProcess;
}

interface Replicas {
  simulators: Simulators;
  /** The environment the CLI runs in to reach the same store and Redis as the hubs. */
  env: NodeJS.ProcessEnv;
  hubs: [Replica, Replica];
  /** A key with every scope the tests use, made once through the CLI. */
  key: string;
}

/** `ai-orchestrator serve --port 0` in its own home; resolves once it prints where it listens. */
async function startReplica(home: string, env: NodeJS.ProcessEnv): Promise<Replica> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], {
    env: { ...env, AI_ORCHESTRATOR_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  const first = await Promise.race([
    once(lines, "line").then(([line]) => String(line)),
    once(child, "exit").then(([code]) => `exited with ${String(code)}: ${stderr}`),
  ]);
  const match = /^listening on (http:\/\/[^\s]+)$/.exec(first);
  assert.ok(match?.[1], `the replica did not start: ${first}`);
  return { origin: match[1], process: child };
}

async function stopReplica(replica: Replica): Promise<void> {
  if (replica.process.exitCode !== null) return;
  const exited = once(replica.process, "exit");
  replica.process.kill("SIGTERM");
  const stopped = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!stopped) replica.process.kill("SIGKILL");
}

/** One config for both replicas: every provider at the simulators, Redis keys under this run's prefix. */
function writeConfig(home: string, simulators: Simulators, redisKeyPrefix: string): void {
  const providers: Record<string, Record<string, unknown>> = {};
  for (const endpoint of Object.values(simulators.endpoints)) {
    providers[endpoint.provider] = {
      baseUrl: endpoint.baseUrl,
      ...(endpoint.anthropicBaseUrl ? { anthropicBaseUrl: endpoint.anthropicBaseUrl } : {}),
      policy: { retry: { maxAttempts: 1 } },
    };
  }
  writeFileSync(join(home, "config.yaml"), stringify({ providers, resilience: { redisKeyPrefix } }), {
    mode: 0o600,
  });
  const paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: home } });
  for (const id of Object.keys(providers)) writeSecret(paths, id, PROVIDER_KEY);
}

function bearer(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${key}`, ...extra };
}

function chat(replica: Replica, key: string, content: string): Promise<Response> {
  return fetch(`${replica.origin}/v1/chat/completions`, {
    method: "POST",
    headers: bearer(key, { "content-type": "application/json" }),
    body: JSON.stringify({ model: "glm-4.6", messages: [{ role: "user", content }] }),
  });
}

async function createKey(env: NodeJS.ProcessEnv, name: string, scopes: string): Promise<string> {
  const created = await runCli(["keys", "create", "--name", name, "--scopes", scopes, "--json"], { env });
  assert.equal(created.code, 0, created.stderr);
  const key = pick(JSON.parse(created.stdout), "key");
  assert.equal(typeof key, "string");
  return String(key);
}

describe("two hub replicas on one PostgreSQL and one Redis", () => {
  let unavailable: { postgres: string | undefined; redis: string | undefined } | undefined;
  let world: Replicas | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];

  before(async () => {
    unavailable = { postgres: await postgresUnavailable(), redis: await reachable(REDIS_URL) };
    if (unavailable.postgres !== undefined || unavailable.redis !== undefined || POSTGRES_URL === undefined)
      return;
    const run = randomBytes(6).toString("hex");
    const storeUrl = await freshSchemaUrl(POSTGRES_URL, { after: (fn) => cleanups.push(fn) });
    const simulators = await startSimulators();
    cleanups.push(() => simulators.close());
    const homes = [0, 1].map(() => temporaryHome({ after: (fn) => cleanups.push(fn) }));
    for (const home of homes) writeConfig(home, simulators, `aio-test-replicas-${run}:`);
    const env = homeEnv(homes[0] ?? "", {
      AI_ORCHESTRATOR_STORE_URL: storeUrl,
      AI_ORCHESTRATOR_REDIS_URL: REDIS_URL,
    });
    const key = await createKey(env, "replicas", "chat,files,mcp,admin");
    const hubs = await Promise.all(homes.map((home) => startReplica(home, env)));
    const [first, second] = hubs;
    assert.ok(first && second);
    cleanups.push(() => Promise.all(hubs.map(stopReplica)).then(() => undefined));
    world = { simulators, env, hubs: [first, second], key };
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** The running replicas, or undefined when the test was skipped for want of PostgreSQL or Redis. */
  function replicas(t: TestContext): Replicas | undefined {
    if (!requireService(t, "PostgreSQL", unavailable?.postgres)) return undefined;
    if (!requireService(t, "Redis", unavailable?.redis)) return undefined;
    assert.ok(world, "the replicas started");
    return world;
  }

  it("a key created once with `keys create` works on both replicas", async (t) => {
    const running = replicas(t);
    if (running === undefined) return;
    for (const [index, hub] of running.hubs.entries()) {
      const answer = await chat(hub, running.key, `hello replica ${index}`);
      const text = await answer.text();
      assert.equal(answer.status, 200, text);
      assert.equal(
        pick(JSON.parse(text), "choices", 0, "message", "content"),
        `Simulated Z.ai reply to: hello replica ${index}`,
        text,
      );
    }
  });

  it("a key revoked on one replica is refused (401) by both within 2 s", async (t) => {
    const running = replicas(t);
    if (running === undefined) return;
    const [a, b] = running.hubs;
    const doomed = await createKey(running.env, "doomed", "chat");
    // Both replicas have the key in their caches before it is revoked.
    for (const hub of running.hubs) {
      const answer = await chat(hub, doomed, "still good");
      assert.equal(answer.status, 200, await answer.clone().text());
    }
    const revoked = await fetch(`${a.origin}/admin/keys/doomed`, {
      method: "DELETE",
      headers: bearer(running.key),
    });
    assert.equal(revoked.status, 200, await revoked.clone().text());
    assert.equal(pick(await revoked.json(), "wasRevoked"), false);

    const deadline = Date.now() + REVOCATION_WINDOW_MS;
    const refused = new Set<string>();
    while (refused.size < 2 && Date.now() < deadline) {
      for (const hub of [a, b]) {
        if (refused.has(hub.origin)) continue;
        const answer = await fetch(`${hub.origin}/v1/models`, { headers: bearer(doomed) });
        await answer.body?.cancel();
        if (answer.status === 401) refused.add(hub.origin);
      }
      if (refused.size < 2) await sleep(50);
    }
    assert.deepEqual([...refused].sort(), [a.origin, b.origin].sort(), "both replicas refuse the key");
    for (const hub of running.hubs) {
      const answer = await chat(hub, doomed, "after revocation");
      assert.equal(answer.status, 401, await answer.text());
    }
  });

  it("a thread started over MCP on one replica continues on the other", async (t) => {
    const running = replicas(t);
    if (running === undefined) return;
    const connect = async (hub: Replica) => {
      const client = new Client({ name: "replicas", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${hub.origin}/mcp`), {
          requestInit: { headers: bearer(running.key) },
        }),
      );
      return client;
    };
    const marker = `Remember ${randomBytes(4).toString("hex")}.`;
    const first = await connect(running.hubs[0]);
    const started = await first.callTool({ name: "chat", arguments: { prompt: marker, model: "glm-4.6" } });
    await first.close();
    assert.notEqual(started.isError, true, JSON.stringify(started));
    const id = pick(started.structuredContent, "continuation_id");
    assert.equal(typeof id, "string");

    const before = running.simulators.requests().length;
    const second = await connect(running.hubs[1]);
    const continued = await second.callTool({
      name: "chat",
      arguments: { prompt: "What did I ask you to remember?", model: "glm-4.6", continuation_id: id },
    });
    await second.close();
    assert.notEqual(continued.isError, true, JSON.stringify(continued));
    assert.equal(pick(continued.structuredContent, "continuation_id"), id);
    const sent = running.simulators
      .requests()
      .slice(before)
      .filter((call) => call.provider === "zai" && call.method === "POST");
    assert.equal(sent.length, 1, "one call to Z.ai for the continued turn");
    assert.ok(sent[0]?.body.includes(marker), "the second replica sent the turn the first one recorded");
  });

  it("the same content uploaded through both replicas at once makes one remote file", async (t) => {
    const running = replicas(t);
    if (running === undefined) return;
    const content = `notes shared by two replicas ${randomBytes(8).toString("hex")}`;
    const uploadsBefore = running.simulators
      .requests()
      .filter(
        (call) => call.provider === "moonshot" && call.method === "POST" && call.path.endsWith("/files"),
      ).length;
    const upload = async (hub: Replica) => {
      const body = new FormData();
      body.append("providers", "moonshot");
      body.append("file", new File([content], "notes.txt", { type: "text/plain" }));
      const answer = await fetch(`${hub.origin}/v1/files`, {
        method: "POST",
        body,
        headers: bearer(running.key),
      });
      assert.equal(answer.status, 200, await answer.clone().text());
      return (await answer.json()) as { data: { sha256: string; dedup: boolean }[] };
    };
    const answers = await Promise.all(running.hubs.map(upload));
    const sums = answers.map((answer) => answer.data[0]?.sha256);
    assert.ok(sums[0]);
    assert.equal(sums[0], sums[1], "both replicas name the same content");
    const uploads = running.simulators
      .requests()
      .filter(
        (call) => call.provider === "moonshot" && call.method === "POST" && call.path.endsWith("/files"),
      );
    assert.equal(uploads.length - uploadsBefore, 1, "one upload reached Moonshot");
  });

  it("200 concurrent audited key creations over both replicas leave a chain that verifies", async (t) => {
    const running = replicas(t);
    if (running === undefined) return;
    const total = 200;
    const batch = 40;
    const run = randomBytes(4).toString("hex");
    for (let start = 0; start < total; start += batch) {
      const statuses = await Promise.all(
        Array.from({ length: batch }, async (_, offset) => {
          const index = start + offset;
          const hub = running.hubs[index % 2] ?? running.hubs[0];
          const answer = await fetch(`${hub.origin}/admin/keys`, {
            method: "POST",
            headers: bearer(running.key, { "content-type": "application/json" }),
            body: JSON.stringify({ name: `load-${run}-${index}`, scopes: ["chat"] }),
          });
          await answer.body?.cancel();
          return answer.status;
        }),
      );
      assert.deepEqual(
        statuses.filter((status) => status !== 201),
        [],
        "every creation succeeds",
      );
    }
    const verified = await runCli(["audit", "verify"], { env: running.env });
    assert.equal(verified.code, 0, verified.stderr);
    const rows = Number(/audit trail verified: (\d+) rows/.exec(verified.stdout)?.[1]);
    assert.ok(rows >= total, `the chain holds every creation: ${verified.stdout}`);
    const listed = await runCli(["keys", "list", "--json"], { env: running.env });
    assert.equal(listed.code, 0, listed.stderr);
    const names = (JSON.parse(listed.stdout) as { name: string }[])
      .map((key) => key.name)
      .filter((name) => name.startsWith(`load-${run}-`));
    assert.equal(new Set(names).size, total, "each key exists once");
  });
});
