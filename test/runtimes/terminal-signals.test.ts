// Ctrl-C at a terminal belongs to the assistant: Claude Code cancels a turn with it and goes on.
// The terminal sends SIGINT to its whole foreground group, which holds the launcher (and bwrap)
// too; none of them may die of it, and the assistant's own exit code must come back.
// util-linux `script` provides the pseudo-terminal.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { probeBwrap } from "../../src/runtimes/bwrap.ts";
import { BIN } from "../support/cli.ts";
import { type SandboxFixture, sandboxFixture } from "../support/sandbox.ts";
import { requireService } from "../support/services.ts";

/** Handles SIGINT by going on, then finishes on its own with exit code 7. */
const ASSISTANT = `#!/bin/sh
trap 'echo interrupted' INT
touch "$HOME/ready"
i=0
while [ $i -lt 20 ]; do sleep 0.05; i=$((i + 1)); done
echo finished
exit 7
`;

function scriptMissing(): string | undefined {
  return spawnSync("script", ["--version"]).status === 0 ? undefined : "util-linux `script` is not installed";
}

function installAssistant(fixture: SandboxFixture): void {
  const directory = join(fixture.paths.clisPrefix, "bin");
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, "claude"), ASSISTANT);
  chmodSync(join(directory, "claude"), 0o755);
}

/** Runs `node bin/ai-orchestrator.js args` in a terminal, presses Ctrl-C once the assistant is up. */
async function pressCtrlC(
  fixture: SandboxFixture,
  node: string,
  args: string[],
): Promise<{ code: number | null; screen: string }> {
  // `exec`: no shell stays between the terminal and the launcher to die of the Ctrl-C itself.
  const command = `exec ${[node, BIN, ...args].map((word) => `'${word}'`).join(" ")}`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    env: { AI_ORCHESTRATOR_HOME: fixture.home, PATH: "/usr/bin:/bin", ZAI_API_KEY: "zai-test-key" },
    cwd: fixture.workspace,
    stdio: ["pipe", "pipe", "inherit"],
    timeout: 30_000,
  });
  let screen = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    screen += chunk;
  });
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  const ready = join(fixture.paths.stateRoot, "glm", "ready");
  while (!existsSync(ready)) await delay(20);
  child.stdin.write("\u0003");
  const code = await closed;
  return { code, screen: screen.replaceAll("\r", "") };
}

function assertAssistantDecided(result: { code: number | null; screen: string }): void {
  assert.match(result.screen, /interrupted\nfinished\n/, "the assistant handled Ctrl-C and went on");
  assert.equal(result.code, 7, "the assistant's own exit code");
}

const RUNTIMES: { name: string; ready: (t: TestContext) => boolean }[] = [
  { name: "process", ready: () => true },
  {
    name: "bwrap",
    ready: (t) => {
      const probe = probeBwrap();
      return requireService(t, "bubblewrap", probe.available ? undefined : probe.reason);
    },
  },
];

for (const runtime of RUNTIMES) {
  test(`${runtime.name}: Ctrl-C at a terminal reaches the assistant, and the sandbox lives on with it`, async (t) => {
    if (!requireService(t, "script (pseudo-terminal)", scriptMissing()) || !runtime.ready(t)) return;
    const fixture = sandboxFixture(t);
    installAssistant(fixture);
    assertAssistantDecided(await pressCtrlC(fixture, process.execPath, ["--runtime", runtime.name, "glm"]));
  });
}

test("started by a Node older than 24, the launcher that re-runs itself on the pinned Node outlives Ctrl-C too", async (t) => {
  // Debian's nodejs package (.ci/run installs it) provides the old Node at /usr/bin/node.
  const old = spawnSync("/usr/bin/node", ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" });
  const major = Number(old.stdout);
  const noOldNode =
    old.status !== 0
      ? "no Node at /usr/bin/node (apt-get install nodejs)"
      : major >= 24
        ? `/usr/bin/node is ${major}, not older than 24`
        : undefined;
  if (!requireService(t, "a Node older than 24 at /usr/bin/node", noOldNode)) return;
  if (!requireService(t, "script (pseudo-terminal)", scriptMissing())) return;
  const fixture = sandboxFixture(t);
  installAssistant(fixture);
  assertAssistantDecided(await pressCtrlC(fixture, "/usr/bin/node", ["--runtime", "process", "glm"]));
});
