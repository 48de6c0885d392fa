// An interactive first start, in a terminal (util-linux `script` provides the pseudo-terminal):
// the real Claude Code and Gemini CLI reach their input prompt in a fresh state root without any
// onboarding, login, key-approval or folder-trust question, because the launcher seeded the state.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { BIN } from "../support/cli.ts";
import { HOSTILE_ENV, sandboxFixture } from "../support/sandbox.ts";
import { requireService } from "../support/services.ts";
import { FIRST_RUN_QUESTIONS, screenOf, scriptMissing } from "../support/terminal.ts";

const REPO = join(import.meta.dirname, "..", "..");
let simulators: Simulators;
let fixture: ReturnType<typeof sandboxFixture>;
let env: NodeJS.ProcessEnv;
const cleanups: (() => void)[] = [];

before(async () => {
  fixture = sandboxFixture({ after: (fn) => cleanups.push(fn) });
  simulators = await startSimulators();
  const { anthropic, google, zai } = simulators.endpoints;
  writeFileSync(
    join(fixture.home, "config.yaml"),
    [
      "providers:",
      `  anthropic: { baseUrl: "${anthropic.baseUrl}" }`,
      `  google: { baseUrl: "${google.baseUrl}" }`,
      `  zai: { anthropicBaseUrl: "${zai.anthropicBaseUrl}" }`,
      "",
    ].join("\n"),
  );
  env = {
    ...HOSTILE_ENV,
    AI_ORCHESTRATOR_HOME: fixture.home,
    TERM: "xterm-256color",
    LANG: "C.UTF-8",
    PATH: `${join(REPO, "node_modules", ".bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
  };
});

after(async () => {
  await simulators.close();
  for (const cleanup of cleanups) cleanup();
});

async function assertNoQuestion(t: TestContext, mode: string, ready: RegExp): Promise<void> {
  if (!requireService(t, "script (pseudo-terminal)", scriptMissing())) return;
  const command = `'${process.execPath}' '${BIN}' --runtime process ${mode}`;
  const screen = await screenOf(command, { env, cwd: fixture.workspace, ready });
  for (const prompt of FIRST_RUN_QUESTIONS) assert.doesNotMatch(screen, prompt, `${mode} asked a question`);
  assert.match(screen, ready, `${mode} did not reach its input prompt: ${screen.slice(-400)}`);
}

test("claude (API key): the first interactive start asks nothing, not even to approve the key", async (t) => {
  await assertNoQuestion(t, "claude", /shift\+tabtocycle|forshortcuts/);
});

test("glm (bearer token on Z.ai): the first interactive start asks nothing", async (t) => {
  await assertNoQuestion(t, "glm", /shift\+tabtocycle|forshortcuts/);
});

test("gemini: the first interactive start is authenticated by key and asks nothing", async (t) => {
  await assertNoQuestion(t, "gemini", /Authenticatedwithgemini-api-key/);
});
