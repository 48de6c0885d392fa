// End to end under the docker runtime: the real Claude Code and Gemini CLI from the sandbox image,
// launched through `ai-orchestrator --runtime docker <mode>` from a parent shell holding every
// provider's key, reaching the simulated providers over the host network. The same isolation
// contract as the process and bwrap runtimes (test/support/isolation.ts), plus the session
// lifecycle through the command line, a session killed from outside, and no container left behind.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { z } from "zod";
import type { Paths } from "../../src/config/paths.ts";
import type { Config } from "../../src/config/schema/index.ts";
import { resolveMode } from "../../src/modes/registry.ts";
import { requireCredential } from "../../src/providers/credentials.ts";
import { dockerRuntime } from "../../src/runtimes/docker.ts";
import { buildSandboxSpec } from "../../src/sandbox/build-spec.ts";
import type { SandboxSpec } from "../../src/sandbox/spec.ts";
import type { Simulators } from "../../src/simulators/index.ts";
import { runCli } from "../support/cli.ts";
import { assertNoContainersLeft, containersOf, docker, dockerUnavailable } from "../support/docker.ts";
import {
  assertNoForeignKeyIn,
  assertOwnTrafficOnly,
  foreignSecrets,
  type IsolationWorld,
  MODE_EXPECTATIONS,
  startIsolationWorld,
} from "../support/isolation.ts";
import type { SandboxFixture } from "../support/sandbox.ts";
import { requireService } from "../support/services.ts";

let simulators: Simulators;
let fixture: SandboxFixture;
let config: Config;
let paths: Paths;
let env: NodeJS.ProcessEnv;
let unavailable: string | undefined;
let world: IsolationWorld;

before(async () => {
  world = await startIsolationWorld(["docker:", "  network: host"]);
  ({ simulators, fixture, paths, config, env } = world);
  unavailable = await dockerUnavailable(paths);
});

after(async () => {
  if (unavailable === undefined) assertNoContainersLeft(fixture.home);
  await world.close();
});

function ready(t: TestContext): boolean {
  return requireService(t, "docker", unavailable);
}

function specOf(mode: string): SandboxSpec {
  const resolved = resolveMode(config, mode);
  return buildSandboxSpec(resolved, requireCredential(resolved.provider, paths, env), {
    args: [],
    workspace: fixture.workspace,
    paths,
    hostEnv: env,
  });
}

function cli(args: readonly string[]) {
  return runCli(["--runtime", "docker", ...args], { env, cwd: fixture.workspace, input: "" });
}

for (const [mode, expected] of Object.entries(MODE_EXPECTATIONS)) {
  test(`docker: \`${mode} -p\` reaches only ${expected.provider}, with only its key, leaving no other key or container behind`, async (t) => {
    if (!ready(t)) return;
    simulators.clearRequests();
    const result = await cli([mode, "-p", `Say hello from ${mode}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /Simulated .+ reply to: .*Say hello from/,
      "the simulator's reply is printed",
    );
    assert.doesNotMatch(
      result.stdout + result.stderr,
      /trust|log ?in|onboarding|Do you want to use this API key/i,
    );

    assertOwnTrafficOnly(simulators.requests(), expected);
    assertNoForeignKeyIn(join(fixture.home, "state", mode), expected);
    assert.deepEqual(containersOf(fixture.home), [], "the one-shot container is gone");

    // What a program really receives in the same kind of container.
    const dump = await dockerRuntime({
      config: config.docker,
      paths,
      workspace: fixture.workspace,
      command: () => ["env"],
    }).run({ ...specOf(mode), args: [] }, { stdio: "pipe" }); // env takes none of the CLI's own arguments
    assert.equal(dump.exitCode, 0, dump.stderr);
    for (const [name, value] of foreignSecrets(expected.key)) {
      assert.equal(dump.stdout?.includes(value), false, `${name} in the container's environment`);
    }
    assert.ok(dump.stdout?.includes(`=${expected.key}\n`), "the mode's own key is there");
  });
}

test("docker: sessions through the command line — start, status, a run inside, logs, a kill from outside, restart, stop", async (t) => {
  if (!ready(t)) return;
  const started = await cli(["glm", "start"]);
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stdout, /^glm: running since \S+ \(aio-glm-[0-9a-f]{12}\)$/m);
  const [container] = containersOf(fixture.home);
  assert.ok(container);
  assert.match((await cli(["glm", "status"])).stdout, /^glm: running/m);

  // A run while the session is up goes into it, not into a new container.
  simulators.clearRequests();
  const inside = await cli(["glm", "-p", "Say hello from the session"]);
  assert.equal(inside.code, 0, inside.stderr);
  assert.match(inside.stdout, /Simulated .+ reply to: .*Say hello from the session/);
  assertOwnTrafficOnly(simulators.requests(), MODE_EXPECTATIONS.glm ?? assert.fail());
  assert.deepEqual(containersOf(fixture.home), [container]);
  assert.match((await cli(["glm", "logs"])).stdout, /session started \(mode glm\)[\s\S]*run claude/);

  const listed = await runCli(["status"], { env, cwd: fixture.workspace });
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^MODE\s+STATE\s+UPTIME/m);
  assert.match(
    listed.stdout,
    new RegExp(`^glm\\s+running\\s+\\d+s\\s+session\\s+${container}\\s+${fixture.workspace}$`, "m"),
  );

  docker(["kill", container]);
  const afterKill = await runCli(["status"], { env, cwd: fixture.workspace });
  assert.match(afterKill.stdout, /^glm\s+exited \(killed\)/m);
  assert.deepEqual(containersOf(fixture.home), [], "status removed the dead container");
  const stopped = await cli(["glm", "status"]);
  assert.equal(stopped.code, 3);
  assert.match(stopped.stdout, /^glm: stopped/m);

  assert.equal((await cli(["glm", "start"])).code, 0);
  const restarted = await cli(["glm", "restart"]);
  assert.equal(restarted.code, 0, restarted.stderr);
  assert.match(restarted.stdout, /^glm: running/m);
  const stop = await cli(["glm", "stop"]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /^glm: stopped \(removed aio-glm-/m);
  assert.deepEqual(containersOf(fixture.home), []);
  assert.match(
    (await runCli(["status"], { env, cwd: fixture.workspace })).stdout,
    /^no sandbox containers$/m,
  );
});

test("docker: image status reports the pinned versions as current", async (t) => {
  if (!ready(t)) return;
  const result = await runCli(["image", "status", "--json"], { env });
  assert.equal(result.code, 0, result.stderr);
  const status: unknown = JSON.parse(result.stdout);
  assert.ok(typeof status === "object" && status !== null && "rebuildDue" in status && "reason" in status);
  assert.equal(status.rebuildDue, false);
  assert.equal(status.reason, null);
});

test("docker: doctor probes the engine with config.yaml's docker settings, as a launch does", async (t) => {
  if (!ready(t)) return;
  // The engine here has no "bridge" network: only the configured `network: host` makes docker available.
  const result = await runCli(["--runtime", "docker", "doctor", "--json"], { env, cwd: fixture.workspace });
  const report = z
    .object({ runtimes: z.array(z.object({ name: z.string(), available: z.boolean(), detail: z.string() })) })
    .parse(JSON.parse(result.stdout));
  const dockerProbe = report.runtimes.find((runtime) => runtime.name === "docker");
  assert.equal(dockerProbe?.available, true, dockerProbe?.detail);
});
