// End to end: the real Claude Code launched with `--via-hub` under each runtime, from a parent shell
// holding every provider's canary key plus a bogus endpoint and token. The sandbox must hold only a
// hub session token and the hub's URL; the simulated provider must receive exactly its own key,
// from the hub; the token must die with the run, or within its lifetime if the launcher is killed.
// The workspace carries a SessionStart hook that dumps the assistant's environment: what a hostile
// repository's hook would see.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { resolvePaths } from "../../src/config/paths.ts";
import { HUB_NODE_FLAGS } from "../../src/hub/hub-process.ts";
import { localAdminKeyFile } from "../../src/hub/local-admin-key.ts";
import { ensureHub, isAlive, type LocalHub, localHubFiles } from "../../src/hub/local-hub.ts";
import { probeBwrap } from "../../src/runtimes/bwrap.ts";
import type { RuntimeName } from "../../src/runtimes/runtime.ts";
import { BIN, runCli, runProgram } from "../support/cli.ts";
import { dockerUnavailable } from "../support/docker.ts";
import {
  assertNoForeignKeyIn,
  assertOwnTrafficOnly,
  type IsolationWorld,
  MODE_EXPECTATIONS,
  startIsolationWorld,
} from "../support/isolation.ts";
import { HOSTILE_ENV } from "../support/sandbox.ts";
import { removeScratch, scratchDirectory } from "../support/scratch.ts";
import { requireService } from "../support/services.ts";

const TOKEN_TTL_SECONDS = 6;
let world: IsolationWorld;
let dockerMissing: string | undefined;

before(async () => {
  world = await startIsolationWorld([
    "server: { port: 0 }",
    `sessionTokenTtlSeconds: ${TOKEN_TTL_SECONDS}`,
    "resilience:",
    "  fallbacks:",
    "    zai: [moonshot]",
    "docker:",
    "  network: host",
  ]);
  dockerMissing = await dockerUnavailable(world.paths);
});

after(async () => {
  await runCli(["hub", "stop"], { env: world.env });
  await world.close();
});

function runtimeMissing(t: TestContext, runtime: RuntimeName): boolean {
  if (runtime === "docker") return !requireService(t, "docker", dockerMissing);
  if (runtime !== "bwrap") return false;
  const probe = probeBwrap();
  return !requireService(t, "bubblewrap", probe.available ? undefined : probe.reason);
}

/** A workspace whose Claude settings run `command` at session start, as a repository's hook would. */
function hookedWorkspace(t: { after(fn: () => void): void }, command: string): string {
  const workspace = scratchDirectory(t, "aio-via-hub-");
  mkdirSync(join(workspace, ".claude"));
  writeFileSync(
    join(workspace, ".claude", "settings.json"),
    JSON.stringify({ hooks: { SessionStart: [{ hooks: [{ type: "command", command }] }] } }),
  );
  return workspace;
}

function environmentIn(file: string): Map<string, string> {
  const entries = readFileSync(file, "utf8")
    .split("\n")
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const);
  return new Map(entries.filter(([name]) => name !== ""));
}

function hubOf(): LocalHub {
  const value: unknown = JSON.parse(readFileSync(localHubFiles(world.paths).state, "utf8"));
  assert.ok(typeof value === "object" && value !== null && "url" in value && "pid" in value);
  assert.ok(typeof value.url === "string" && typeof value.pid === "number");
  return { url: value.url, pid: value.pid, startedAt: "" };
}

/** The status the hub answers a small Messages request made with this token. */
async function statusWith(token: string): Promise<number> {
  const response = await fetch(new URL("/v1/messages", hubOf().url), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "glm-4.6", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
  });
  await response.body?.cancel();
  return response.status;
}

interface SessionKey {
  name: string;
  providers: unknown;
  status: unknown;
  lastUsedAt: unknown;
  expiresAt: number;
}

function sessionKeys(json: string): SessionKey[] {
  const list: unknown = JSON.parse(json);
  assert.ok(Array.isArray(list));
  return list.flatMap((key: unknown) =>
    typeof key === "object" && key !== null && "kind" in key && key.kind === "session" && "name" in key
      ? [
          {
            name: String(key.name),
            providers: "providers" in key ? key.providers : undefined,
            status: "status" in key ? key.status : undefined,
            lastUsedAt: "lastUsedAt" in key ? key.lastUsedAt : undefined,
            expiresAt:
              "expiresAt" in key && typeof key.expiresAt === "string" ? Date.parse(key.expiresAt) : 0,
          },
        ]
      : [],
  );
}

/** Asks until the hub answers `wanted` or the time is up; returns the last status. */
async function statusWithin(token: string, wanted: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let status = await statusWith(token);
  while (status !== wanted && Date.now() < deadline) {
    await sleep(100);
    status = await statusWith(token);
  }
  return status;
}

for (const runtime of ["process", "bwrap", "docker"] as const) {
  test(`${runtime}: \`--via-hub glm -p\` holds only a session token; Z.ai gets its key from the hub; the token dies with the run`, async (t) => {
    if (runtimeMissing(t, runtime)) return;
    const workspace = hookedWorkspace(t, "env > env-dump.txt");
    world.simulators.clearRequests();
    // The first launch finds no hub: it starts one by socket activation, and Claude Code's first
    // request is answered by a hub that was still loading when the launch went on.
    if (runtime === "process") await runCli(["hub", "stop"], { env: world.env });
    const result = await runCli(["--runtime", runtime, "--via-hub", "glm", "-p", "Say hello via the hub"], {
      env: world.env,
      cwd: workspace,
    });
    assert.equal(result.code, 0, result.stderr);
    if (runtime === "process")
      assert.match(result.stderr, /started the hub at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)/);
    assert.match(result.stdout, /Simulated Z\.ai reply to: .*Say hello via the hub/);

    const seen = environmentIn(join(workspace, "env-dump.txt"));
    const dump = readFileSync(join(workspace, "env-dump.txt"), "utf8");
    for (const [name, value] of Object.entries(HOSTILE_ENV)) {
      assert.equal(dump.includes(value), false, `${name} in the assistant's environment`);
    }
    assert.equal(seen.get("ANTHROPIC_BASE_URL"), hubOf().url, "the assistant talks to the hub");
    assert.equal(seen.get("ANTHROPIC_API_KEY"), "");
    const token = seen.get("ANTHROPIC_AUTH_TOKEN") ?? "";
    assert.match(token, /^aio_/, "the assistant holds a hub session token");

    // The provider received exactly its own key, from the hub, and nothing else.
    const expected = MODE_EXPECTATIONS.glm;
    assert.ok(expected);
    assertOwnTrafficOnly(world.simulators.requests(), expected);
    for (const request of world.simulators.requests())
      assert.equal(JSON.stringify(request.headers).includes(token), false, "the session token went upstream");
    assertNoForeignKeyIn(join(world.fixture.home, "state", "glm"), { ...expected, key: "" });

    // The revocation reaches the hub through the store's change feed (SQLite: polled every 250 ms).
    assert.equal(
      await statusWithin(token, 401, 2_000),
      401,
      "the session token is refused once the run ended",
    );
  });
}

/**
 * A glm session started through the hub under docker, in a fresh workspace whose Claude hook runs
 * `hook`; stopped, and the workspace removed, after the test. With how to read its active tokens.
 */
async function hubSessionIn(t: TestContext, hook: string) {
  const workspace = hookedWorkspace({ after: () => {} }, hook);
  const inWorkspace = { env: world.env, cwd: workspace };
  // `stop` before the workspace goes: the session's container is named after it.
  t.after(async () => {
    await runCli(["--runtime", "docker", "glm", "stop"], inWorkspace);
    removeScratch(workspace);
  });
  const started = await runCli(["--runtime", "docker", "--via-hub", "glm", "start"], inWorkspace);
  assert.equal(started.code, 0, started.stderr);
  const container = /\((aio-glm-[0-9a-f]+)\)/.exec(started.stdout)?.[1];
  assert.ok(container, started.stdout);
  const activeSessionKeys = async () =>
    sessionKeys((await runCli(["keys", "list", "--json"], { env: world.env })).stdout).filter(
      (key) => key.name.startsWith("session-glm-docker-") && key.status === "active",
    );
  return { workspace, inWorkspace, started, container, activeSessionKeys };
}

test("docker: `--via-hub glm start` holds a token for the session's life, renewed by runs into it; `glm stop` revokes it", async (t) => {
  if (runtimeMissing(t, "docker")) return;
  const { workspace, inWorkspace, started, activeSessionKeys } = await hubSessionIn(t, "env > env-dump.txt");
  assert.match(started.stdout, /^glm: running since /);
  const [held] = await activeSessionKeys();
  assert.ok(held, "the session holds a token");
  assert.ok(held.expiresAt > Date.now() + 3_600_000, "for the session's life, not a run's two minutes");

  // A run in this workspace goes into the session and uses the session's token, not a provider key.
  const everSessionKeys = async () =>
    sessionKeys((await runCli(["keys", "list", "--json"], { env: world.env })).stdout).map((key) => key.name);
  const keysBefore = await everSessionKeys();
  world.simulators.clearRequests();
  const result = await runCli(
    ["--runtime", "docker", "--via-hub", "glm", "-p", "Say hello to the session"],
    inWorkspace,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Simulated Z\.ai reply to: .*Say hello to the session/);
  const dump = readFileSync(join(workspace, "env-dump.txt"), "utf8");
  for (const [name, value] of Object.entries(HOSTILE_ENV))
    assert.equal(dump.includes(value), false, `${name} in the session's environment`);
  const seen = environmentIn(join(workspace, "env-dump.txt"));
  assert.equal(seen.get("ANTHROPIC_BASE_URL"), hubOf().url, "the session's assistant talks to the hub");
  const token = seen.get("ANTHROPIC_AUTH_TOKEN") ?? "";
  assert.match(token, /^aio_/, "the session's assistant holds a hub session token");
  const expected = MODE_EXPECTATIONS.glm;
  assert.ok(expected);
  assertOwnTrafficOnly(world.simulators.requests(), expected);
  const renewed = (await activeSessionKeys()).find((key) => key.name === held.name);
  assert.ok(renewed && renewed.expiresAt > held.expiresAt, "the run renewed the session's token");
  assert.deepEqual(
    await everSessionKeys(),
    keysBefore,
    "the run into the session minted no token of its own",
  );

  // A run with the key in the sandbox cannot use a session that holds only a hub token.
  const keyed = await runCli(["--runtime", "docker", "glm", "-p", "never sent"], inWorkspace);
  assert.equal(keyed.code, 2, keyed.stderr);
  assert.match(
    keyed.stderr,
    /^ai-orchestrator: the glm session in this workspace runs through the hub: launch with `--via-hub`/,
  );

  // No launcher lives now, yet the session's token outlasts a run's token lifetime.
  await sleep((TOKEN_TTL_SECONDS + 2) * 1000);
  assert.equal(await statusWith(token), 200, "the session's token works while the session lives");
  assert.equal((await activeSessionKeys()).length, 1, "the session's token lives");

  const stopped = await runCli(["--runtime", "docker", "glm", "stop"], inWorkspace);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /^glm: stopped \(removed aio-glm-/);
  assert.equal(await statusWithin(token, 401, 2_000), 401, "the session's token is refused after `stop`");
  assert.equal((await activeSessionKeys()).length, 0);
});

test("docker: a `--via-hub` run into a session started without the hub is refused, before anything is sent", async (t) => {
  if (runtimeMissing(t, "docker")) return;
  const workspace = hookedWorkspace({ after: () => {} }, "true");
  const inWorkspace = { env: world.env, cwd: workspace };
  t.after(async () => {
    await runCli(["--runtime", "docker", "glm", "stop"], inWorkspace);
    removeScratch(workspace);
  });
  const started = await runCli(["--runtime", "docker", "glm", "start"], inWorkspace);
  assert.equal(started.code, 0, started.stderr);
  world.simulators.clearRequests();
  // The session's assistant holds the provider key: through the hub it would present that key there.
  const result = await runCli(["--runtime", "docker", "--via-hub", "glm", "-p", "never sent"], inWorkspace);
  assert.equal(result.code, 2, result.stderr);
  assert.equal(
    result.stderr,
    "ai-orchestrator: the glm session in this workspace was started without the hub and holds the provider key: launch without `--via-hub`, or restart the session through the hub with `ai-orchestrator --via-hub glm restart`\n",
  );
  assert.equal(world.simulators.requests().length, 0, "nothing reached a provider");
  const restarted = await runCli(["--runtime", "docker", "--via-hub", "glm", "restart"], inWorkspace);
  assert.equal(restarted.code, 0, restarted.stderr);
  const through = await runCli(["--runtime", "docker", "--via-hub", "glm", "-p", "Say hello"], inWorkspace);
  assert.equal(through.code, 0, through.stderr);
  assert.match(through.stdout, /Simulated Z\.ai reply to: .*Say hello/);
});

/**
 * A docker session started through the hub in a fresh workspace, then its container removed by
 * other hands; with the session's hub token as it was, and how to read the active ones.
 */
async function hubSessionRemovedByOthers(t: TestContext) {
  const { inWorkspace, container, activeSessionKeys: heldTokens } = await hubSessionIn(t, "true");
  const [held] = await heldTokens();
  assert.ok(held);
  const removed = await runProgram("docker", ["rm", "--force", container]);
  assert.equal(removed.code, 0, removed.stderr);
  return { inWorkspace, held, heldTokens };
}

test("docker: a session removed by other hands loses its hub token at the next `glm status`", async (t) => {
  if (runtimeMissing(t, "docker")) return;
  const { inWorkspace, held, heldTokens } = await hubSessionRemovedByOthers(t);
  const status = await runCli(["--runtime", "docker", "glm", "status"], inWorkspace);
  assert.equal(status.code, 3, status.stdout);
  assert.equal(
    (await heldTokens()).some((key) => key.name === held.name),
    false,
    "the gone session's token is revoked",
  );
});

test("docker: a session removed by other hands: the next run is answered in a sandbox of its own and revokes the session's token", async (t) => {
  if (runtimeMissing(t, "docker")) return;
  const { inWorkspace, heldTokens } = await hubSessionRemovedByOthers(t);

  // Without the hub: the session is gone, so nothing runs through the hub any more.
  const keyed = await runCli(["--runtime", "docker", "glm", "-p", "Say hello alone"], inWorkspace);
  assert.equal(keyed.code, 0, keyed.stderr);
  assert.match(keyed.stdout, /Simulated Z\.ai reply to: .*Say hello alone/);
  assert.deepEqual(await heldTokens(), [], "the gone session's token is revoked, not renewed");
});

/**
 * A `docker` client in front of the real one that removes `container` right after the launcher's
 * first look at it (`container inspect`), once: the session stopped by other hands between the
 * launcher choosing to run in it and the run.
 */
function dockerRemovingAfterFirstLook(
  t: TestContext,
  container: string,
): { env: NodeJS.ProcessEnv; armed: string } {
  const real = programPath("docker");
  const directory = scratchDirectory(t, "aio-docker-wrapper-");
  const armed = join(directory, "armed");
  writeFileSync(armed, "");
  writeFileSync(
    join(directory, "docker"),
    [
      "#!/bin/sh",
      `"${real}" "$@"; code=$?`,
      `if [ "$1 $2 $3" = "container inspect ${container}" ] && [ -e "${armed}" ]; then`,
      `  rm -f "${armed}"; "${real}" rm --force "${container}" >/dev/null`,
      "fi",
      'exit "$code"',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return { env: { ...world.env, PATH: `${directory}:${world.env.PATH ?? ""}` }, armed };
}

/** The absolute path of a program on this process's PATH. */
function programPath(name: string): string {
  for (const directory of (process.env.PATH ?? "").split(":")) {
    const candidate = join(directory, name);
    if (directory !== "" && existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not on PATH`);
}

test("docker: a `--via-hub` run whose session stops right after the run chose it mints its own token and is answered in a sandbox of its own", async (t) => {
  if (runtimeMissing(t, "docker")) return;
  const { workspace, container, activeSessionKeys } = await hubSessionIn(t, "env > env-dump.txt");
  const [held] = await activeSessionKeys();
  assert.ok(held, "the session holds a token");

  const { env, armed } = dockerRemovingAfterFirstLook(t, container);
  world.simulators.clearRequests();
  const result = await runCli(
    ["--runtime", "docker", "--via-hub", "glm", "-p", "Say hello after the session went"],
    {
      env,
      cwd: workspace,
    },
  );
  assert.equal(existsSync(armed), false, "the session was removed after the launcher's first look");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Simulated Z\.ai reply to: .*Say hello after the session went/);
  assert.match(
    result.stderr,
    /ai-orchestrator: warning: the glm session stopped as this run started: running in a sandbox of its own\n/,
  );
  const token = environmentIn(join(workspace, "env-dump.txt")).get("ANTHROPIC_AUTH_TOKEN") ?? "";
  assert.match(token, /^aio_/, "the run's sandbox held a hub session token of its own");
  const expected = MODE_EXPECTATIONS.glm;
  assert.ok(expected);
  assertOwnTrafficOnly(world.simulators.requests(), expected);
  assert.deepEqual(await activeSessionKeys(), [], "the gone session's token and the run's own are revoked");
  assert.equal(await statusWithin(token, 401, 2_000), 401, "the run's token dies with the run");
});

for (const runtime of ["process", "bwrap"] as const) {
  test(`${runtime}: \`--via-hub gemini -p\`: Gemini CLI through the hub, Google gets its key from the hub, the token revoked after`, async (t) => {
    if (runtimeMissing(t, runtime)) return;
    world.simulators.clearRequests();
    const result = await runCli(
      ["--runtime", runtime, "--via-hub", "gemini", "-p", "Say hello via the hub"],
      {
        env: world.env,
        cwd: world.fixture.workspace,
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Simulated Gemini reply to: .*Say hello via the hub/);
    const expected = MODE_EXPECTATIONS.gemini;
    assert.ok(expected);
    assertOwnTrafficOnly(world.simulators.requests(), expected);
    assertNoForeignKeyIn(join(world.fixture.home, "state", "gemini"), { ...expected, key: "" });

    const listed = await runCli(["keys", "list", "--json"], { env: world.env });
    const sessions = sessionKeys(listed.stdout).filter((key) =>
      key.name.startsWith(`session-gemini-${runtime}-`),
    );
    assert.equal(sessions.length, 1, listed.stdout);
    assert.deepEqual(sessions[0]?.providers, ["google"], "bound to the mode's provider chain");
    assert.equal(sessions[0]?.status, "revoked");
    assert.notEqual(sessions[0]?.lastUsedAt, null, "the assistant's requests used the token");
  });
}

test("fallback: with Z.ai failing before the first byte, `--via-hub glm -p` is answered by Moonshot with the kimi mode's model", async (t) => {
  const workspace = hookedWorkspace(t, "true");
  world.simulators.clearRequests();
  world.simulators.faults.inject("zai", { kind: "status", status: 500 });
  t.after(() => world.simulators.faults.clear());
  const result = await runCli(["--runtime", "process", "--via-hub", "glm", "-p", "Say hello despite Z.ai"], {
    env: world.env,
    cwd: workspace,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Simulated Moonshot reply to: .*Say hello despite Z\.ai/);
  const answered = world.simulators
    .requests()
    .filter((request) => request.provider === "moonshot" && request.method === "POST");
  assert.ok(answered.length > 0, "Moonshot answered");
  for (const request of answered) {
    assert.equal(request.headers.authorization, `Bearer ${HOSTILE_ENV.MOONSHOT_API_KEY}`);
    const model: unknown = JSON.parse(request.body).model;
    assert.ok(
      model === "kimi-k2.5" || model === "kimi-k2-turbo-preview",
      `Moonshot asked for ${String(model)}`,
    );
  }
  assert.ok(
    answered.some((request) => JSON.parse(request.body).model === "kimi-k2.5"),
    "the main model maps to the kimi mode's model",
  );
});

test("a launcher killed with -9: its session token stops working within its lifetime", async (t) => {
  const workspace = hookedWorkspace(t, "env > env-dump.txt; sleep 60");
  const launcher = spawn(
    process.execPath,
    [BIN, "--runtime", "process", "--via-hub", "glm", "-p", "never sent"],
    {
      env: world.env,
      cwd: workspace,
      stdio: "ignore",
      detached: true,
    },
  );
  const group = launcher.pid;
  assert.ok(group !== undefined);
  t.after(() => {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // Already gone.
    }
  });
  const dumpFile = join(workspace, "env-dump.txt");
  for (let waited = 0; !existsSync(dumpFile) || !readFileSync(dumpFile, "utf8").includes("\n"); waited++) {
    assert.ok(waited < 600, "the assistant started");
    await sleep(100);
  }
  const token = environmentIn(dumpFile).get("ANTHROPIC_AUTH_TOKEN") ?? "";
  assert.equal(await statusWith(token), 200, "the token works while its launcher lives");

  // `status` lists the live session with what it did: one request, answered by Z.ai, and the
  // tokens Z.ai's answer reported.
  const listed = await runCli(["status"], { env: world.env });
  const hub = hubOf();
  assert.match(listed.stdout, new RegExp(`^hub running at ${hub.url} \\(pid ${hub.pid}\\)$`, "m"));
  assert.match(
    listed.stdout,
    /^MODE +RUNTIME +PROVIDER +REQUESTS +TOKENS IN +TOKENS OUT +FALLBACKS +EXPIRES IN +TOKEN$/m,
  );
  const row = /^glm +process +zai +1 +(\d+) +(\d+) +0 +\d+s +aio_\S+…$/m.exec(listed.stdout);
  assert.ok(row, listed.stdout);
  assert.ok(Number(row[1]) > 0 && Number(row[2]) > 0, `tokens counted: ${row[0]}`);
  const json = await runCli(["status", "--json"], { env: world.env });
  const reported: unknown = JSON.parse(json.stdout);
  assert.ok(typeof reported === "object" && reported !== null && "hubSessions" in reported);
  assert.ok(Array.isArray(reported.hubSessions));
  assert.partialDeepStrictEqual(reported.hubSessions, [
    {
      mode: "glm",
      runtime: "process",
      lastProvider: "zai",
      requests: 1,
      tokensIn: Number(row[1]),
      tokensOut: Number(row[2]),
    },
  ]);
  const adminKey = localAdminKeyFile(world.paths);
  assert.equal(statSync(adminKey).mode & 0o777, 0o600, "the local admin key is private");
  assert.equal(listed.stdout.includes(readFileSync(adminKey, "utf8").trim()), false);
  process.kill(group, "SIGKILL");
  const status = await statusWithin(token, 401, (TOKEN_TTL_SECONDS + 2) * 1000);
  assert.equal(status, 401, `the token still works ${TOKEN_TTL_SECONDS + 2} s after its launcher died`);
});

/** A launcher's start of the home's hub, as `--via-hub` does it: by socket activation. */
function autoStart(paths = world.paths, env = world.env, onLateFailure?: (line: string) => void) {
  return ensureHub({
    paths,
    command: { executable: process.execPath, args: [BIN] },
    env,
    activate: { host: "127.0.0.1", port: 0 },
    ...(onLateFailure ? { onLateFailure } : {}),
  });
}

/** The `serve` processes of this home's config (read from /proc). */
/** The `serve` processes of the hub of `home` (the launcher starts it with AI_ORCHESTRATOR_HOME set). */
function serveProcesses(home: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
        return (
          argv.includes("serve") && environ.includes(`AI_ORCHESTRATOR_HOME=${home}\0`) && isAlive(Number(pid))
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

test("a launch's auto-start goes on before the hub has loaded; a request sent at once is answered; `hub stop` leaves no process", async () => {
  await runCli(["hub", "stop"], { env: world.env });
  const log = localHubFiles(world.paths).log;
  const logged = existsSync(log) ? readFileSync(log, "utf8").length : 0;
  const { hub, started } = await autoStart();
  assert.equal(started, true);
  // Loading serve's code alone takes hundreds of milliseconds: it has not said it listens yet.
  assert.equal(
    readFileSync(log, "utf8").slice(logged).includes("listening on"),
    false,
    "the start waited for the hub",
  );
  const response = await fetch(new URL("/healthz", hub.url));
  assert.equal(response.status, 200);
  await response.body?.cancel();
  // Spawned with serve's heap limits: re-executing itself to add them would lose the IPC channel.
  const argv = readFileSync(`/proc/${hub.pid}/cmdline`, "utf8").split("\0");
  for (const flag of HUB_NODE_FLAGS) assert.ok(argv.includes(flag), argv.join(" "));
  assert.deepEqual(hubOf(), { url: hub.url, pid: hub.pid, startedAt: "" });
  const stop = await runCli(["hub", "stop"], { env: world.env });
  assert.equal(stop.stdout, `hub stopped (pid ${hub.pid})\n`);
  assert.deepEqual(serveProcesses(world.paths.home), [], "no hub process is left");
});

test("two launches starting the hub at the same instant start one hub, and both use it", async () => {
  await runCli(["hub", "stop"], { env: world.env });
  const [first, second] = await Promise.all([autoStart(), autoStart()]);
  assert.deepEqual([first.started, second.started].sort(), [false, true]);
  assert.equal(first.hub.url, second.hub.url);
  assert.equal(first.hub.pid, second.hub.pid);
  const response = await fetch(new URL("/healthz", first.hub.url));
  assert.equal(response.status, 200);
  await response.body?.cancel();
  assert.deepEqual(serveProcesses(world.paths.home), [first.hub.pid], "one hub process");
  await runCli(["hub", "stop"], { env: world.env });
  assert.deepEqual(serveProcesses(world.paths.home), []);
});

test("two `--via-hub` launchers started at the same instant, as separate processes, start one hub and are both answered", async (t) => {
  await runCli(["hub", "stop"], { env: world.env });
  const launch = (words: string) => {
    const workspace = hookedWorkspace(t, "true");
    return runCli(["--runtime", "process", "--via-hub", "glm", "-p", words], {
      env: world.env,
      cwd: workspace,
    });
  };
  const [first, second] = await Promise.all([launch("Hello from one"), launch("Hello from two")]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(second.code, 0, second.stderr);
  assert.match(first.stdout, /Simulated Z\.ai reply to: .*Hello from one/);
  assert.match(second.stdout, /Simulated Z\.ai reply to: .*Hello from two/);
  const started = `${first.stderr}${second.stderr}`.match(/started the hub at /g) ?? [];
  assert.equal(started.length, 1, `${first.stderr}${second.stderr}`);
  assert.deepEqual(serveProcesses(world.paths.home), [hubOf().pid], "one hub process");
  await runCli(["hub", "stop"], { env: world.env });
  assert.deepEqual(serveProcesses(world.paths.home), []);
});

test("an auto-started hub that fails at start: one line naming the cause, and a waiting client is refused, not left hanging", async (t) => {
  const home = scratchDirectory(t, "aio-via-hub-broken-");
  writeFileSync(join(home, "config.yaml"), "server: { port: 0 }\n");
  // The store cannot be opened: serve fails after it has loaded, as a real broken home would.
  mkdirSync(join(home, "orchestrator.db"));
  const env = { ...world.env, AI_ORCHESTRATOR_HOME: home };
  const paths = resolvePaths({ env });
  const lines: string[] = [];
  const { hub } = await autoStart(paths, env, (line) => lines.push(line));
  await assert.rejects(
    fetch(new URL("/healthz", hub.url), { signal: AbortSignal.timeout(60_000) }),
    (error) => {
      assert.ok(error instanceof Error && error.name !== "TimeoutError", String(error));
      return true;
    },
  );
  assert.equal(lines.length, 1);
  assert.match(
    lines[0] ?? "",
    /^the hub exited at start \(cannot open the database .*orchestrator\.db.*\); see .*hub\.log$/,
  );
  assert.equal(existsSync(localHubFiles(paths).state), false, "no hub is recorded");
  assert.deepEqual(serveProcesses(paths.home), []);
});

test("`hub start` twice at the same instant starts one hub; `hub stop` leaves no hub process", async () => {
  await runCli(["hub", "stop"], { env: world.env });
  const [first, second] = await Promise.all([
    runCli(["hub", "start"], { env: world.env }),
    runCli(["hub", "start"], { env: world.env }),
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(second.code, 0, second.stderr);
  const lines = [first.stdout, second.stdout];
  assert.equal(lines.filter((line) => line.startsWith("hub started at ")).length, 1, lines.join(""));
  assert.equal(lines.filter((line) => line.startsWith("hub already running at ")).length, 1, lines.join(""));
  const hub = hubOf();
  assert.ok(lines.every((line) => line.includes(hub.url) && line.includes(`pid ${hub.pid}`)));

  const status = await runCli(["hub", "status"], { env: world.env });
  assert.equal(status.code, 0);
  assert.equal(status.stdout, `hub running at ${hub.url} (pid ${hub.pid})\n`);

  const stop = await runCli(["hub", "stop"], { env: world.env });
  assert.equal(stop.stdout, `hub stopped (pid ${hub.pid})\n`);
  assert.equal(isAlive(hub.pid), false, "the hub process is gone");
  const after = await runCli(["hub", "status"], { env: world.env });
  assert.equal(after.code, 3);
  assert.equal(after.stdout, "hub not running\n");
});
