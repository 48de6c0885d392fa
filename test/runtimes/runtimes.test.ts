// The process and bwrap runtimes run real programs in place of the assistant (the locator is the
// one seam): /usr/bin/env to read the sandbox's environment, /bin/sh to probe files and signals.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { bwrapArguments, bwrapRuntime, probeBwrap } from "../../src/runtimes/bwrap.ts";
import type { LocatedCli } from "../../src/runtimes/locate-cli.ts";
import { processRuntime } from "../../src/runtimes/process.ts";
import type { Runtime } from "../../src/runtimes/runtime.ts";
import { seedState } from "../../src/sandbox/seed-state.ts";
import type { SandboxSpec } from "../../src/sandbox/spec.ts";
import { CANARIES, HOSTILE_ENV, sandboxFixture, specFor } from "../support/sandbox.ts";
import { requireService } from "../support/services.ts";

function program(executable: string, leadingArgs: string[] = []): () => LocatedCli {
  return () => ({ cli: "claude", executable, leadingArgs, readOnlyPaths: [] });
}

function shell(script: string): () => LocatedCli {
  return program("/bin/sh", ["-c", script, "assistant"]);
}

type Make = (locate: () => LocatedCli) => Runtime;
const RUNTIMES: { name: string; make: Make; ready: (t: TestContext) => boolean }[] = [
  { name: "process", make: (locate) => processRuntime({ locate }), ready: () => true },
  {
    name: "bwrap",
    make: (locate) => bwrapRuntime({ locate }),
    ready: (t) => {
      const probe = probeBwrap();
      return requireService(t, "bubblewrap", probe.available ? undefined : probe.reason);
    },
  },
];

function parseEnv(output: string): Record<string, string> {
  return Object.fromEntries(
    output
      .split("\n")
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

for (const runtime of RUNTIMES) {
  test(`${runtime.name}: the assistant's environment is exactly the spec's, plus HOME and PWD`, async (t) => {
    if (!runtime.ready(t)) return;
    const fixture = sandboxFixture(t);
    const spec = {
      ...specFor(fixture, "glm", {
        key: CANARIES.ZAI_API_KEY,
        hostEnv: { ...HOSTILE_ENV, PATH: "/usr/bin:/bin" },
      }),
      // /usr/bin/env stands in for Claude Code: it takes none of Claude Code's own arguments.
      args: [],
    };
    const result = await runtime.make(program("/usr/bin/env")).run(spec, { stdio: "pipe" });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(parseEnv(result.stdout ?? ""), {
      ...spec.env,
      HOME: spec.stateRoot,
      PWD: fixture.workspace,
    });
    for (const [name, value] of Object.entries(HOSTILE_ENV)) {
      if (name === "ZAI_API_KEY") continue;
      assert.equal(result.stdout?.includes(value), false, `${name} crossed`);
    }
  });

  test(`${runtime.name}: arguments arrive untouched, the workspace is the directory, the exit code comes back`, async (t) => {
    if (!runtime.ready(t)) return;
    const fixture = sandboxFixture(t);
    const args = ["two words", "$HOME", "--", "start", "*"];
    const spec = { ...specFor(fixture, "glm"), args };
    const script = 'pwd; for a in "$@"; do printf "[%s]\\n" "$a"; done; exit 7';
    const result = await runtime.make(shell(script)).run(spec, { stdio: "pipe" });
    assert.equal(result.exitCode, 7);
    assert.equal(result.stdout, `${fixture.workspace}\n[two words]\n[$HOME]\n[--]\n[start]\n[*]\n`);
  });

  test(`${runtime.name}: a death by signal comes back as 128 + the signal's number`, async (t) => {
    if (!runtime.ready(t)) return;
    const spec = specFor(sandboxFixture(t), "glm");
    const result = await runtime.make(shell("kill -KILL $$")).run(spec, { stdio: "pipe" });
    assert.equal(result.exitCode, 137);
  });

  test(`${runtime.name}: SIGTERM sent to the launcher reaches the assistant, which can exit cleanly`, async (t) => {
    if (!runtime.ready(t)) return;
    const spec = specFor(sandboxFixture(t), "glm");
    seedState(spec);
    const ready = join(spec.stateRoot, "ready");
    const script = `trap 'echo saved; exit 3' TERM; touch "$HOME/ready"; while :; do sleep 0.05; done`;
    const running = runtime.make(shell(script)).run(spec, { stdio: "pipe" });
    while (!existsSync(ready)) await delay(20);
    process.kill(process.pid, "SIGTERM");
    const result = await running;
    assert.equal(result.exitCode, 3, "the assistant's own handler ran (not a SIGKILL from the sandbox)");
    assert.equal(result.stdout, "saved\n");
  });
}

test("process: the assistant's HOME is its own state root, so its files land there and nowhere else", async (t) => {
  const fixture = sandboxFixture(t);
  const glm = specFor(fixture, "glm");
  const kimi = specFor(fixture, "kimi");
  seedState(glm);
  seedState(kimi);
  const write = processRuntime({
    locate: shell('mkdir -p "$HOME/.claude" && echo mine > "$HOME/.claude/notes"'),
  });
  assert.equal((await write.run(glm, { stdio: "pipe" })).exitCode, 0);
  assert.equal((await write.run(kimi, { stdio: "pipe" })).exitCode, 0);
  assert.equal(readFileSync(join(glm.stateRoot, ".claude", "notes"), "utf8"), "mine\n");
  assert.equal(readFileSync(join(kimi.stateRoot, ".claude", "notes"), "utf8"), "mine\n");
});

test("bwrap: another mode's state, the secrets, the host home and /etc's private files do not exist inside", async (t) => {
  const probe = probeBwrap();
  if (!requireService(t, "bubblewrap", probe.available ? undefined : probe.reason)) return;
  const fixture = sandboxFixture(t);
  const glm = specFor(fixture, "glm");
  const kimi = specFor(fixture, "kimi");
  seedState(glm);
  seedState(kimi);
  writeFileSync(join(glm.stateRoot, "session.txt"), "glm's conversation\n");
  mkdirSync(fixture.paths.secretsDir, { recursive: true });
  writeFileSync(join(fixture.paths.secretsDir, "zai"), `${CANARIES.ZAI_API_KEY}\n`);
  const probes: Record<string, string> = {
    readOther: `cat "${join(glm.stateRoot, "session.txt")}"`,
    writeOther: `touch "${join(glm.stateRoot, "planted")}"`,
    listOther: `ls "${glm.stateRoot}"`,
    readSecret: `cat "${join(fixture.paths.secretsDir, "zai")}"`,
    hostHome: `ls -A "${homedir()}"/.`,
    shadow: "cat /etc/shadow",
    tlsKeys: "test -e /etc/ssl/private || test -e /etc/pki/tls/private",
  };
  const script = [
    ...Object.entries(probes).map(
      ([name, command]) =>
        `if ${command} >/dev/null 2>&1; then echo "${name}=yes"; else echo "${name}=no"; fi`,
    ),
    'echo own > "$HOME/own.txt" && echo ownHome=yes',
    "echo scratch > /tmp/aio-scratch-$$ && echo tmp=yes",
    "test -r /etc/passwd && echo passwd=yes",
    // The host's CA bundle, where it has one, stays readable for TLS.
    "for bundle in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt; do test -e $bundle || continue; test -r $bundle && echo caBundle=yes || echo caBundle=no; done",
  ].join("\n");
  const hostCaBundle = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"].some(
    (bundle) => existsSync(bundle),
  );
  const result = await bwrapRuntime({ locate: shell(script) }).run(kimi, { stdio: "pipe" });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.deepEqual(parseEnv(result.stdout ?? ""), {
    readOther: "no",
    writeOther: "no",
    listOther: "no",
    readSecret: "no",
    hostHome: "no",
    shadow: "no",
    tlsKeys: "no",
    ownHome: "yes",
    tmp: "yes",
    passwd: "yes",
    ...(hostCaBundle ? { caBundle: "yes" } : {}),
  });
  assert.equal(existsSync(join(glm.stateRoot, "planted")), false);
  assert.equal(
    readFileSync(join(kimi.stateRoot, "own.txt"), "utf8"),
    "own\n",
    "HOME writes persist in the state root",
  );
});

test("bwrap: the sandbox gets a fresh /tmp, not the host's", async (t) => {
  const probe = probeBwrap();
  if (!requireService(t, "bubblewrap", probe.available ? undefined : probe.reason)) return;
  const fixture = sandboxFixture(t);
  const spec: SandboxSpec = specFor(fixture, "glm");
  seedState(spec);
  const marker = join("/tmp", `aio-host-only-${process.pid}`);
  writeFileSync(marker, "host");
  t.after(() => writeFileSync(marker, ""));
  const result = await bwrapRuntime({ locate: shell(`test -e "${marker}" && echo seen || echo unseen`) }).run(
    spec,
    {
      stdio: "pipe",
    },
  );
  assert.equal(result.stdout, "unseen\n");
});

test("bwrap refuses a CLI whose folder would take the person's home or the orchestrator's into the sandbox", (t) => {
  const fixture = sandboxFixture(t);
  const spec = specFor(fixture, "glm");
  const located = (path: string): LocatedCli => ({
    cli: "claude",
    executable: join(path, "claude"),
    leadingArgs: [],
    readOnlyPaths: [path],
  });
  const layout = { tty: false, exists: () => false, hostHome: "/home/person" };
  for (const exposing of ["/home/person", "/home", "/", fixture.home]) {
    assert.throws(
      () => bwrapArguments(spec, located(exposing), layout),
      (error: Error) => {
        assert.match(
          error.message,
          /is installed under .*, which would take .* into the glm sandbox: run `ai-orchestrator install-clis`/,
        );
        return true;
      },
    );
  }
  const args = bwrapArguments(spec, located("/home/person/.ai-tools/claude-code"), layout);
  assert.ok(args.includes("/home/person/.ai-tools/claude-code"));
});
