// An interactive first start, in a terminal (util-linux `script` provides the pseudo-terminal):
// the real Claude Code and Gemini CLI reach their input prompt in a fresh state root without any
// onboarding, login, key-approval or folder-trust question, because the launcher seeded the state.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { stripVTControlCharacters } from "node:util";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { BIN } from "../support/cli.ts";
import { HOSTILE_ENV, sandboxFixture } from "../support/sandbox.ts";
import { requireService } from "../support/services.ts";

const REPO = join(import.meta.dirname, "..", "..");
/** Questions a first start may ask, with the spaces the terminal rendering drops removed. */
const PROMPTS = [
  /trustthisfolder/i,
  /Doyouwanttousethis(API)?key/i,
  /Selectloginmethod/i,
  /Choosethetextstyle/i,
  /Howwouldyouliketoauthenticate/i,
  /Doyoutrust/i,
  /WelcometoClaudeCode/i,
  /UnabletoconnecttoAnthropic/i,
];

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

function scriptMissing(): string | undefined {
  const probe = spawnSync("script", ["--version"], { encoding: "utf8" });
  return probe.status === 0 ? undefined : "util-linux `script` is not installed";
}

/** Starts the mode in a terminal and returns what the screen showed once `ready` appeared (or 25 s passed). */
function firstScreen(mode: string, ready: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const command = `'${process.execPath}' '${BIN}' --runtime process ${mode}`;
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      env,
      cwd: fixture.workspace,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let screen = "";
    const finish = () => {
      clearTimeout(timer);
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      resolve(screen);
    };
    const timer = setTimeout(finish, 25_000);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      screen += plain(chunk);
      if (ready.test(screen) || PROMPTS.some((prompt) => prompt.test(screen))) setTimeout(finish, 300);
    });
    child.on("close", finish);
  });
}

/** Terminal output without escape sequences or whitespace, which cursor moves replace unpredictably. */
function plain(text: string): string {
  return stripVTControlCharacters(text).replace(/\s+/g, "");
}

async function assertNoQuestion(t: TestContext, mode: string, ready: RegExp): Promise<void> {
  if (!requireService(t, "script (pseudo-terminal)", scriptMissing())) return;
  const screen = await firstScreen(mode, ready);
  for (const prompt of PROMPTS) assert.doesNotMatch(screen, prompt, `${mode} asked a question`);
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
