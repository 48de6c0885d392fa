// deploy/compose.yaml brought up for real with docker-compose and the images built locally: two hub
// replicas on one PostgreSQL and one Redis, each ready (/readyz 200), a hub key created once working on
// both, and a chat request through each replica reaching the provider (the simulators, on the host)
// with the provider key read from a compose secret file. The engine here has no bridge network, so
// compose.host-network.yaml puts every service on the host's network, on free loopback ports.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, chownSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import { parse, stringify } from "yaml";
import { resolvePaths } from "../../src/config/paths.ts";
import { PROVIDER_APIS } from "../../src/config/schema/index.ts";
import { startSimulators } from "../../src/simulators/index.ts";
import { scratchDirectory } from "../support/scratch.ts";
import { requireService } from "../support/services.ts";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const DEPLOY = join(ROOT, "deploy");
const IMAGES = {
  postgres: "ai-orchestrator-postgres:local",
  redis: "ai-orchestrator-redis:local",
} as const;
const PROVIDER_KEY = "sk-compose-provider-key-0001";
const READY_DEADLINE_MS = 120_000;

async function unavailable(): Promise<string | undefined> {
  try {
    await run("docker", ["info"], { timeout: 20_000 });
  } catch {
    return "docker cannot reach its engine";
  }
  try {
    await run("docker-compose", ["version"], { timeout: 20_000 });
  } catch {
    return "docker-compose is not installed (apt-get install docker-compose)";
  }
  return undefined;
}

async function imagePresent(image: string): Promise<boolean> {
  try {
    await run("docker", ["image", "inspect", image], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return address.port;
}

/** The uid docker/hub.Dockerfile runs the hub as: the owner the secret files need. */
function hubUid(): number {
  const uid = /--uid (\d+)/.exec(readFileSync(join(ROOT, "docker", "hub.Dockerfile"), "utf8"))?.[1];
  assert.ok(uid, "docker/hub.Dockerfile creates its user with --uid");
  return Number(uid);
}

async function readyz(origin: string): Promise<number> {
  try {
    return (await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(3_000) })).status;
  } catch {
    return 0;
  }
}

test("compose: two hub replicas on PostgreSQL and Redis serve requests with a key created once", {
  timeout: 900_000,
}, async (t) => {
  if (!requireService(t, "docker-compose", await unavailable())) return;

  // The hub image always follows this checkout (a rebuild reuses the cached dependency layer);
  // PostgreSQL and Redis are built only when missing (.ci/run builds them ahead).
  const toBuild = ["hub"];
  for (const name of ["postgres", "redis"] as const)
    if (!(await imagePresent(IMAGES[name]))) toBuild.push(name);
  await run("bash", [join(DEPLOY, "build-images.sh"), ...toBuild], { timeout: 840_000 });

  const simulators = await startSimulators({ keys: { anthropic: [PROVIDER_KEY] } });
  t.after(() => simulators.close());

  const work = scratchDirectory(t, "aio-compose-test-");
  const uid = hubUid();
  for (const provider of PROVIDER_APIS) {
    const file = join(work, provider);
    writeFileSync(file, provider === "anthropic" ? `${PROVIDER_KEY}\n` : "", { mode: 0o600 });
    // The hub reads the file as its own user; without root to hand it over, the 0700 work
    // directory is what keeps it private on this machine.
    if (process.getuid?.() === 0) chownSync(file, uid, uid);
    else chmodSync(file, 0o644);
  }
  const configFile = join(work, "config.yaml");
  const providers: Record<string, unknown> = {};
  for (const endpoint of Object.values(simulators.endpoints)) {
    providers[endpoint.provider] = { baseUrl: endpoint.baseUrl, policy: { retry: { maxAttempts: 1 } } };
  }
  writeFileSync(configFile, stringify({ providers }), { mode: 0o644 });

  const ports = {
    postgres: await freePort(),
    redis: await freePort(),
    a: await freePort(),
    b: await freePort(),
  };
  const project = `aio-deploy-${process.pid}-${Date.now().toString(36)}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POSTGRES_PASSWORD: `pw-${Date.now().toString(36)}-${process.pid}`,
    PROVIDER_SECRETS_DIR: work,
    HUB_CONFIG: configFile,
    AIO_POSTGRES_PORT: String(ports.postgres),
    AIO_REDIS_PORT: String(ports.redis),
    AIO_HUB_A_PORT: String(ports.a),
    AIO_HUB_B_PORT: String(ports.b),
  };
  const files = ["-f", join(DEPLOY, "compose.yaml"), "-f", join(DEPLOY, "compose.host-network.yaml")];
  const compose = (args: string[], timeout = 300_000) =>
    run("docker-compose", ["--project-name", project, ...files, ...args], {
      env,
      timeout,
      maxBuffer: 16 << 20,
    });
  t.after(async () => {
    await compose(["down", "--volumes", "--remove-orphans", "--timeout", "10"], 120_000);
  });

  // The first hub key, as docs/deploy.md says: a one-off container on the same store.
  await compose(["up", "-d", "postgres", "redis"]);
  const created = await compose([
    "run",
    "--rm",
    "-T",
    "hub-a",
    "keys",
    "create",
    "--name",
    "compose-test",
    "--json",
  ]);
  const { key } = JSON.parse(created.stdout) as { key: string };
  assert.match(key, /\S{20,}/);

  await compose(["up", "-d"]);
  const replicas = [`http://127.0.0.1:${ports.a}`, `http://127.0.0.1:${ports.b}`];
  const deadline = Date.now() + READY_DEADLINE_MS;
  let statuses = [0, 0];
  while (Date.now() < deadline) {
    statuses = await Promise.all(replicas.map(readyz));
    if (statuses.every((status) => status === 200)) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!statuses.every((status) => status === 200)) {
    const logs = await compose(["logs", "--no-color", "--tail", "30"]);
    assert.fail(`replicas' /readyz: ${statuses.join(", ")} after ${READY_DEADLINE_MS} ms\n${logs.stdout}`);
  }

  simulators.clearRequests();
  for (const [index, origin] of replicas.entries()) {
    const client = new Anthropic({ baseURL: origin, apiKey: key, maxRetries: 0 });
    const message = await client.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 64,
      messages: [{ role: "user", content: `hello from replica ${index}` }],
    });
    assert.equal(message.role, "assistant");
    assert.ok(message.content.some((block) => block.type === "text" && block.text.length > 0));
  }
  const sent = simulators.requests().filter((request) => request.path.startsWith("/v1/messages"));
  assert.equal(sent.length, 2, "one provider call per replica");
  for (const request of sent) assert.equal(request.headers["x-api-key"], PROVIDER_KEY);
  assert.deepEqual(
    sent.map(
      (request) => (JSON.parse(request.body) as { messages: { content: string }[] }).messages[0]?.content,
    ),
    ["hello from replica 0", "hello from replica 1"],
  );

  // A key unknown to the shared store is refused by a replica, and nothing logs a secret.
  const refused = await fetch(`${replicas[1]}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": `${key}x` },
    body: JSON.stringify({ model: "claude-haiku-4-5", max_tokens: 8, messages: [] }),
  });
  assert.equal(refused.status, 401);
  const logs = await compose(["logs", "--no-color"]);
  assert.ok(!logs.stdout.includes(PROVIDER_KEY), "the provider key is not logged");
  assert.ok(!logs.stdout.includes(key), "the hub key is not logged");
  assert.ok(!logs.stdout.includes(env.POSTGRES_PASSWORD ?? "-"), "the database password is not logged");
});

interface ComposeService {
  ports?: { published: number | string; target: number | string }[];
  environment?: Record<string, string>;
  secrets?: { source: string; target: string }[];
  healthcheck?: { test: string[] };
  network_mode?: string;
  read_only?: boolean;
}

test("compose: the normal file set publishes both replicas, keys arrive as secret files, no key in the environment", async (t) => {
  let reason: string | undefined;
  try {
    await run("docker-compose", ["version"], { timeout: 20_000 });
  } catch {
    reason = "docker-compose is not installed (apt-get install docker-compose)";
  }
  if (!requireService(t, "docker-compose", reason)) return;
  const env = { ...process.env, POSTGRES_PASSWORD: "placeholder", PROVIDER_SECRETS_DIR: tmpdir() };
  const files = ["-f", join(DEPLOY, "compose.yaml"), "-f", join(DEPLOY, "compose.ports.yaml")];
  const { stdout } = await run("docker-compose", [...files, "config"], { env, timeout: 60_000 });
  const services = (parse(stdout) as { services: Record<string, ComposeService> }).services;
  assert.deepEqual(Object.keys(services).sort(), ["hub-a", "hub-b", "postgres", "redis"]);
  const home = /AI_ORCHESTRATOR_HOME=(\S+)/.exec(
    readFileSync(join(ROOT, "docker", "hub.Dockerfile"), "utf8"),
  )?.[1];
  const secretsDir = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: home } }).secretsDir;
  const published = new Set<string>();
  for (const name of ["hub-a", "hub-b"]) {
    const hub = services[name];
    assert.ok(hub, name);
    assert.equal(hub.network_mode, undefined, "the default network, not the host's");
    assert.equal(hub.read_only, true, "a read-only root, as on Kubernetes");
    for (const port of hub.ports ?? []) published.add(String(port.published));
    assert.equal(hub.ports?.[0]?.target, 8787);
    assert.deepEqual(
      (hub.secrets ?? []).map((secret) => secret.target).sort(),
      PROVIDER_APIS.map((provider) => join(secretsDir, provider)).sort(),
    );
    assert.match(
      hub.environment?.AI_ORCHESTRATOR_STORE_URL ?? "",
      /^postgres:\/\/aio:placeholder@postgres:5432\/aio$/,
    );
    assert.equal(hub.environment?.AI_ORCHESTRATOR_REDIS_URL, "redis://redis:6379");
    for (const variable of Object.keys(hub.environment ?? {})) assert.doesNotMatch(variable, /API_KEY/);
    assert.ok(hub.healthcheck?.test.join(" ").includes("/readyz"));
  }
  assert.equal(published.size, 2, "the replicas are published on two host ports");
  for (const name of ["postgres", "redis"])
    assert.ok(services[name]?.healthcheck, `${name} has a healthcheck`);
});
