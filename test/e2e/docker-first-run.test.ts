// An interactive first start under the docker runtime, in a real terminal: the container gets a
// TTY (`docker exec -it`), the real Claude Code and Gemini CLI from the image reach their input
// prompt with no onboarding, login, key-approval or trust question (the state is seeded for the
// path they see, /workspace), and hanging up the terminal leaves no container behind.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { resolvePaths } from "../../src/config/paths.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { BIN } from "../support/cli.ts";
import { assertNoContainersLeft, containersOf, dockerUnavailable } from "../support/docker.ts";
import { simulatorProviders } from "../support/isolation.ts";
import { HOSTILE_ENV, sandboxFixture } from "../support/sandbox.ts";
import { requireService } from "../support/services.ts";
import { FIRST_RUN_QUESTIONS, screenOf, scriptMissing } from "../support/terminal.ts";

let simulators: Simulators;
let fixture: ReturnType<typeof sandboxFixture>;
let env: NodeJS.ProcessEnv;
let unavailable: string | undefined;
const cleanups: (() => void)[] = [];

before(async () => {
  fixture = sandboxFixture({ after: (fn) => cleanups.push(fn) });
  simulators = await startSimulators();
  writeFileSync(
    join(fixture.home, "config.yaml"),
    [...simulatorProviders(simulators), "docker:", "  network: host", ""].join("\n"),
  );
  env = {
    ...HOSTILE_ENV,
    AI_ORCHESTRATOR_HOME: fixture.home,
    TERM: "xterm-256color",
    LANG: "C.UTF-8",
    PATH: process.env.PATH ?? "/usr/bin:/bin",
  };
  unavailable = await dockerUnavailable(resolvePaths({ env: { AI_ORCHESTRATOR_HOME: fixture.home } }));
});

after(async () => {
  await simulators.close();
  for (const cleanup of cleanups) cleanup();
});

async function assertNoQuestion(t: TestContext, mode: string, ready: RegExp): Promise<void> {
  if (!requireService(t, "docker", unavailable)) return;
  if (!requireService(t, "script (pseudo-terminal)", scriptMissing())) return;
  const screen = await screenOf(`'${process.execPath}' '${BIN}' --runtime docker ${mode}`, {
    env,
    cwd: fixture.workspace,
    ready,
  });
  for (const question of FIRST_RUN_QUESTIONS)
    assert.doesNotMatch(screen, question, `${mode} asked a question`);
  assert.match(screen, ready, `${mode} did not reach its input prompt: ${screen.slice(-400)}`);
  // The hang-up reaches ai-orchestrator, which ends the run and with it the throwaway container.
  for (let attempt = 0; attempt < 100 && containersOf(fixture.home).length > 0; attempt += 1)
    await delay(100);
  assertNoContainersLeft(fixture.home);
}

test("docker, claude (API key): the first interactive start in a terminal asks nothing", async (t) => {
  await assertNoQuestion(t, "claude", /shift\+tabtocycle|forshortcuts/);
});

test("docker, gemini: the first interactive start in a terminal is authenticated by key and asks nothing", async (t) => {
  await assertNoQuestion(t, "gemini", /Authenticatedwithgemini-api-key/);
});
