// The docker runtime against a real engine and the real sandbox image: what `docker inspect`
// shows (no key, exactly two mounts, the security settings), the session lifecycle, a container
// killed from outside, signals, exit codes and file ownership. Programs stand in for the
// assistant where a test needs to look inside; test/e2e/docker-isolation.test.ts runs the real CLIs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
import { type DockerRuntimeOptions, dockerRuntime } from "../../src/runtimes/docker.ts";
import { CONTAINER_HOME, CONTAINER_WORKSPACE, sessionName } from "../../src/runtimes/docker-container.ts";
import { selectRuntime } from "../../src/runtimes/select.ts";
import type { SandboxSpec } from "../../src/sandbox/spec.ts";
import {
  assertNoContainersLeft,
  containersOf,
  docker,
  dockerUnavailable,
  testDockerConfig,
} from "../support/docker.ts";
import { CANARIES, HOSTILE_ENV, type SandboxFixture, sandboxFixture, specFor } from "../support/sandbox.ts";
import { requireService } from "../support/services.ts";

const inspectSchema = z.array(
  z.object({
    Config: z.object({ Env: z.array(z.string()), Labels: z.record(z.string(), z.string()) }),
    Args: z.array(z.string()),
    Mounts: z.array(
      z.object({ Type: z.string(), Source: z.string(), Destination: z.string(), RW: z.boolean() }),
    ),
    HostConfig: z.object({
      ReadonlyRootfs: z.boolean(),
      CapDrop: z.array(z.string()).nullable(),
      SecurityOpt: z.array(z.string()).nullable(),
      PidsLimit: z.number().nullable(),
      Memory: z.number(),
      NanoCpus: z.number(),
      Init: z.boolean().nullable(),
    }),
  }),
);

interface Setup {
  fixture: SandboxFixture;
  runtime: ReturnType<typeof dockerRuntime>;
  spec: (mode: string, key: string) => SandboxSpec;
}

/** A fixture, a runtime bound to it, and the check that it leaves no container behind; undefined when skipped. */
async function setup(
  t: TestContext,
  options: Partial<DockerRuntimeOptions> = {},
): Promise<Setup | undefined> {
  const fixture = sandboxFixture(t);
  if (!requireService(t, "docker", await dockerUnavailable(fixture.paths))) return undefined;
  t.after(() => assertNoContainersLeft(fixture.home));
  const runtime = dockerRuntime({
    config: testDockerConfig(),
    paths: fixture.paths,
    workspace: fixture.workspace,
    ...options,
  });
  const spec = (mode: string, key: string) =>
    specFor(fixture, mode, { key, hostEnv: { ...HOSTILE_ENV, PATH: "/usr/bin:/bin" } });
  return { fixture, runtime, spec };
}

/** A runtime whose "assistant" is a shell script, arguments following as "$@". */
function scripted(base: Setup, script: string): ReturnType<typeof dockerRuntime> {
  return dockerRuntime({
    config: testDockerConfig(),
    paths: base.fixture.paths,
    workspace: base.fixture.workspace,
    command: (spec) => ["sh", "-c", script, "assistant", ...spec.args],
  });
}

function inspect(container: string) {
  const parsed = inspectSchema.parse(JSON.parse(docker(["container", "inspect", container])));
  const first = parsed[0];
  assert.ok(first);
  return { parsed: first, raw: docker(["container", "inspect", container]) };
}

function foreign(own: string): [string, string][] {
  return Object.entries(HOSTILE_ENV).filter(([, value]) => value !== own);
}

test("docker inspect of a session holds no key; it mounts exactly the state root and the workspace", async (t) => {
  const base = await setup(t);
  if (!base) return;
  const spec = base.spec("glm", CANARIES.ZAI_API_KEY);
  const started = await base.runtime.sessions.start(spec);
  assert.equal(started.state, "running");
  const [name] = containersOf(base.fixture.home);
  assert.ok(name);

  const { parsed, raw } = inspect(name);
  for (const [variable, value] of Object.entries(HOSTILE_ENV)) {
    assert.equal(raw.includes(value), false, `${variable} visible in docker inspect`);
  }
  assert.deepEqual(
    parsed.Mounts.map((mount) => [mount.Type, mount.Source, mount.Destination, mount.RW]).sort(),
    [
      ["bind", spec.stateRoot, CONTAINER_HOME, true],
      ["bind", spec.workspace, CONTAINER_WORKSPACE, true],
    ].sort(),
  );
  assert.equal(parsed.HostConfig.ReadonlyRootfs, true);
  assert.deepEqual(parsed.HostConfig.CapDrop, ["ALL"]);
  assert.deepEqual(parsed.HostConfig.SecurityOpt, ["no-new-privileges"]);
  assert.equal(parsed.HostConfig.Memory, 4 * 1024 ** 3);
  assert.equal(parsed.HostConfig.NanoCpus, 2e9);
  assert.equal(parsed.HostConfig.PidsLimit, 1024);
  assert.equal(parsed.Config.Labels["dev.ai-orchestrator.managed"], "true");
  assert.equal(parsed.Config.Labels["dev.ai-orchestrator.mode"], "glm");
  assert.equal(parsed.Config.Labels["dev.ai-orchestrator.workspace"], spec.workspace);

  // Yet the assistant, exec'd into the session, has its key, and the key's file is private.
  const probe = scripted(base, "env; stat -c '%a %u' /run/aio/private /run/aio/private/env");
  const result = await probe.run(spec, { stdio: "pipe" });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.ok(result.stdout?.includes(`ANTHROPIC_AUTH_TOKEN=${CANARIES.ZAI_API_KEY}\n`));
  for (const [variable, value] of foreign(CANARIES.ZAI_API_KEY)) {
    assert.equal(result.stdout?.includes(value), false, `${variable} reached the assistant`);
  }
  const uid = process.getuid?.() ?? -1;
  assert.ok(result.stdout?.includes(`700 ${uid}\n600 ${uid}\n`), result.stdout);

  await base.runtime.sessions.stop("glm");
});

test("a one-shot run: arguments and exit code pass through, no key in its inspect, nothing left after", async (t) => {
  const base = await setup(t);
  if (!base) return;
  const runtime = scripted(base, 'pwd; for a in "$@"; do printf "[%s]\\n" "$a"; done; sleep 2; exit 7');
  const spec = { ...base.spec("kimi", CANARIES.MOONSHOT_API_KEY), args: ["two words", "$HOME", "*", "--"] };
  const running = runtime.run(spec, { stdio: "pipe" });

  let seen: string | undefined;
  for (let attempt = 0; attempt < 100 && !seen; attempt += 1) {
    seen = containersOf(base.fixture.home)[0];
    if (!seen) await delay(50);
  }
  assert.ok(seen, "the one-shot container appeared");
  const { raw } = inspect(seen);
  for (const [variable, value] of Object.entries(HOSTILE_ENV)) {
    assert.equal(raw.includes(value), false, `${variable} visible in docker inspect`);
  }

  const result = await running;
  assert.equal(result.exitCode, 7);
  assert.equal(result.stdout, `${CONTAINER_WORKSPACE}\n[two words]\n[$HOME]\n[*]\n[--]\n`);
  assert.deepEqual(containersOf(base.fixture.home), [], "the one-shot container removed itself");
});

test("one mode's container sees its own state root and nothing of another mode's", async (t) => {
  const base = await setup(t);
  if (!base) return;
  const glm = base.spec("glm", CANARIES.ZAI_API_KEY);
  const kimi = base.spec("kimi", CANARIES.MOONSHOT_API_KEY);
  await base.runtime.sessions.start(glm);
  await base.runtime.sessions.start(kimi);
  writeFileSync(join(kimi.stateRoot, "kimi-only-marker"), "kimi's");
  writeFileSync(join(glm.stateRoot, "glm-own-marker"), "glm's");

  const look = scripted(
    base,
    `ls -a "$HOME"; test -e "${kimi.stateRoot}" && echo HOST-PATH-VISIBLE; find / -name kimi-only-marker 2>/dev/null; echo end`,
  );
  const result = await look.run(glm, { stdio: "pipe" });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout ?? "", /glm-own-marker/);
  assert.doesNotMatch(result.stdout ?? "", /kimi-only-marker|HOST-PATH-VISIBLE/);
  assert.match(result.stdout ?? "", /end\n$/);

  const listed = await base.runtime.sessions.list();
  assert.deepEqual(
    listed.map((session) => [session.mode, session.state, session.kind]),
    [
      ["glm", "running", "session"],
      ["kimi", "running", "session"],
    ],
  );
  await base.runtime.sessions.stop("glm");
  await base.runtime.sessions.stop("kimi");
});

test("start, status, logs, restart and stop behave as a person expects", async (t) => {
  const base = await setup(t);
  if (!base) return;
  const { runtime } = base;
  const spec = base.spec("claude", CANARIES.ANTHROPIC_API_KEY);
  assert.equal((await runtime.sessions.status("claude")).state, "stopped");

  const first = await runtime.sessions.start(spec);
  assert.equal(first.state, "running");
  assert.ok(first.startedAt);
  const again = await runtime.sessions.start(spec);
  assert.match(again.detail ?? "", /already running/);
  assert.equal(again.startedAt?.getTime(), first.startedAt.getTime());

  const inSession = await scripted(base, "echo inside; exit 3").run(spec, { stdio: "pipe" });
  assert.equal(inSession.exitCode, 3);
  assert.equal(inSession.stdout, "inside\n");
  const logs = await runtime.sessions.logs("claude");
  assert.match(logs, /session started \(mode claude\)/);
  assert.match(logs, /run sh \(/);

  await runtime.sessions.stop("claude");
  const restarted = await runtime.sessions.start(spec);
  assert.equal(restarted.state, "running");
  assert.ok((restarted.startedAt?.getTime() ?? 0) > first.startedAt.getTime(), "a new container");

  const stopped = await runtime.sessions.stop("claude");
  assert.equal(stopped.state, "stopped");
  assert.match(stopped.detail ?? "", /removed aio-claude-/);
  assert.equal((await runtime.sessions.status("claude")).state, "stopped");
  assert.match((await runtime.sessions.stop("claude")).detail ?? "", /no session was running/);
  await assert.rejects(
    runtime.sessions.logs("claude"),
    /no claude session in .*ai-orchestrator claude start/,
  );
});

test("a session killed from outside is reported as killed, cleaned up, and can start again", async (t) => {
  const base = await setup(t);
  if (!base) return;
  const { runtime } = base;
  const spec = base.spec("gemini", CANARIES.GEMINI_API_KEY);
  await runtime.sessions.start(spec);
  const [name] = containersOf(base.fixture.home);
  assert.ok(name);
  docker(["kill", name]);

  const listed = await runtime.sessions.list();
  assert.deepEqual(
    listed.map((session) => [session.mode, session.state, session.detail]),
    [["gemini", "exited", "killed"]],
  );
  assert.deepEqual(containersOf(base.fixture.home), [], "reported once, then removed");
  assert.equal((await runtime.sessions.status("gemini")).state, "stopped");

  await runtime.sessions.start(spec);
  docker(["kill", name]);
  const status = await runtime.sessions.status("gemini");
  assert.equal(status.state, "exited");
  assert.equal(status.detail, "killed");
  const restarted = await runtime.sessions.start(spec);
  assert.equal(restarted.state, "running");
  await runtime.sessions.stop("gemini");
});

test("a container of someone else under the session's name is never exec'd into, stopped or removed", async (t) => {
  const base = await setup(t);
  if (!base) return;
  const spec = base.spec("claude", CANARIES.ANTHROPIC_API_KEY);
  const name = sessionName(spec.mode, spec.stateRoot, spec.workspace);
  // Even a container claiming to be managed is not ours unless it carries this home.
  const image = testDockerConfig().image;
  const managed = "dev.ai-orchestrator.managed=true";
  docker(["run", "--detach", "--name", name, "--label", managed, "--entrypoint", "sleep", image, "60"]);
  t.after(() => docker(["rm", "--force", name]));
  const { runtime } = base;

  const refusal = new RegExp(`${name} exists that this ai-orchestrator did not create.*docker rm -f ${name}`);
  await assert.rejects(runtime.sessions.status("claude"), refusal);
  await assert.rejects(runtime.sessions.stop("claude"), refusal);
  await assert.rejects(runtime.sessions.start(spec), refusal);
  await assert.rejects(runtime.sessions.logs("claude"), refusal);
  assert.deepEqual(await runtime.sessions.list(), []);

  const result = await scripted(base, "hostname").run(spec, { stdio: "pipe" });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout, "aio-claude\n", "ran in a one-shot container of its own");
  assert.equal(docker(["container", "inspect", "--format", "{{.State.Running}}", name]), "true\n");
});

test("an image that `image build` did not make is refused in one line naming the fix", async (t) => {
  const base = await setup(t);
  if (!base) return;
  // An empty image, as `docker import` makes it: no labels, no assistant inside.
  const image = `aio-test-unlabelled:${process.pid}`;
  const empty = spawnSync("sh", ["-c", `tar cf - --files-from /dev/null | docker import - ${image}`]);
  assert.equal(empty.status, 0, String(empty.stderr));
  t.after(() => docker(["image", "rm", image]));
  const runtime = dockerRuntime({ config: { ...testDockerConfig(), image }, paths: base.fixture.paths });
  assert.deepEqual(await runtime.probe(), {
    available: false,
    reason: `image ${image} is not an ai-orchestrator sandbox image (no dev.ai-orchestrator.* labels): run \`ai-orchestrator image build\` or set docker.image in config.yaml`,
  });
});

test("an image holding other CLI versions still runs, and the launch warns that a rebuild is due", async (t) => {
  const base = await setup(t);
  if (!base) return;
  const image = `aio-test-stale:${process.pid}`;
  const labels = ["claude-code=0.0.1", "gemini-cli=0.0.1", "image-version=1"]
    .map((label) => `--change 'LABEL dev.ai-orchestrator.${label}'`)
    .join(" ");
  const stale = spawnSync("sh", [
    "-c",
    `tar cf - --files-from /dev/null | docker import ${labels} - ${image}`,
  ]);
  assert.equal(stale.status, 0, String(stale.stderr));
  t.after(() => docker(["image", "rm", image]));
  const warnings: string[] = [];
  const runtime = await selectRuntime("docker", {
    paths: base.fixture.paths,
    hostEnv: {},
    docker: { ...testDockerConfig(), image },
    onWarning: (line) => warnings.push(line),
  });
  assert.equal(runtime.name, "docker");
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0] ?? "",
    new RegExp(`^image ${image}: rebuild due: .*run \`ai-orchestrator image build\`$`),
  );
});

test("stopping ai-orchestrator's run stops the assistant inside, which can answer the signal", async (t) => {
  const base = await setup(t);
  if (!base) return;
  const ready = join(base.fixture.workspace, "ready");
  const runtime = scripted(base, 'trap "echo got TERM; exit 42" TERM; touch ready; sleep 60 & wait');
  const controller = new AbortController();
  const running = runtime.run(base.spec("glm", CANARIES.ZAI_API_KEY), {
    stdio: "pipe",
    signal: controller.signal,
  });
  for (let attempt = 0; attempt < 200 && !existsSync(ready); attempt += 1) await delay(50);
  assert.ok(existsSync(ready), "the assistant started");
  controller.abort();
  const result = await running;
  assert.equal(result.exitCode, 42);
  assert.equal(result.stdout, "got TERM\n");
});

test("files the assistant writes into the workspace and its HOME belong to the invoking user", async (t) => {
  const base = await setup(t);
  if (!base) return;
  const spec = base.spec("claude", CANARIES.ANTHROPIC_API_KEY);
  const write = 'touch /workspace/from-container "$HOME/in-home"';
  const result = await scripted(base, write).run(spec, { stdio: "pipe" });
  assert.equal(result.exitCode, 0, result.stderr);
  for (const file of [join(spec.workspace, "from-container"), join(spec.stateRoot, "in-home")]) {
    assert.equal(statSync(file).uid, process.getuid?.());
    assert.equal(statSync(file).gid, process.getgid?.());
  }

  // Another user's run (here a made-up uid, as root can arrange) writes as that user, not as root.
  if (process.getuid?.() !== 0) return;
  chownSync(spec.workspace, 4321, 4321);
  chownSync(spec.stateRoot, 4321, 4321);
  const other = dockerRuntime({
    config: testDockerConfig(),
    paths: base.fixture.paths,
    workspace: base.fixture.workspace,
    user: { uid: 4321, gid: 4321 },
    command: () => ["sh", "-c", "touch /workspace/by-4321; id -u"],
  });
  const asOther = await other.run(spec, { stdio: "pipe" });
  assert.equal(asOther.exitCode, 0, asOther.stderr);
  assert.equal(asOther.stdout, "4321\n");
  assert.equal(statSync(join(spec.workspace, "by-4321")).uid, 4321);
});
