// `ai-orchestrator <mode> …` as a person meets it when something is wrong: one line naming the
// problem and the fix, a non-zero exit, no stack trace. The runs that succeed are in test/e2e.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BIN, runCli } from "../support/cli.ts";
import { sandboxFixture } from "../support/sandbox.ts";

/** A parent environment with no provider key and no CLI on PATH beyond the given directory. */
function bareEnv(home: string, path = "/usr/bin:/bin"): NodeJS.ProcessEnv {
  return { AI_ORCHESTRATOR_HOME: home, PATH: path, LANG: "C.UTF-8" };
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0] ?? "", pattern);
  assert.doesNotMatch(stderr, /at .*\.(js|ts):\d+/);
}

/** A stand-in for an assistant CLI: prints its arguments and a few variables, exits with 5. */
function fakeCli(directory: string, name: string): void {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, name);
  writeFileSync(
    path,
    '#!/bin/sh\nfor a in "$@"; do printf "arg[%s]\\n" "$a"; done\necho "HOME=$HOME"\necho "TOKEN=$ANTHROPIC_AUTH_TOKEN"\necho "MODEL=$ANTHROPIC_MODEL"\nexit 5\n',
  );
  chmodSync(path, 0o755);
}

test("with no mode, the help is printed", async (t) => {
  const { home } = sandboxFixture(t);
  const result = await runCli([], { env: bareEnv(home) });
  assert.equal(result.code, 0);
  assert.match(result.stdout, /Usage: ai-orchestrator/);
  assert.match(result.stdout, /\[mode\]/);
});

test("an unknown mode is one line listing the known ones", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  const result = await runCli(["glmm", "-p", "hi"], { env: bareEnv(home), cwd: workspace });
  assert.equal(result.code, 2);
  assertOneLine(result.stderr, /unknown mode "glmm": known modes are claude, gemini, glm, kimi/);
});

test("a mode named like a property every object has is unknown too", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  for (const name of ["constructor", "toString"]) {
    const result = await runCli([name], { env: bareEnv(home), cwd: workspace });
    assert.equal(result.code, 2, name);
    assertOneLine(
      result.stderr,
      new RegExp(`unknown mode "${name}": known modes are claude, gemini, glm, kimi`),
    );
  }
});

test("a missing key is one line naming the variable and `login`", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  const result = await runCli(["glm", "-p", "hi"], { env: bareEnv(home), cwd: workspace });
  assert.equal(result.code, 1);
  assertOneLine(result.stderr, /ZAI_API_KEY is not set: run `ai-orchestrator login zai` or export it/);
});

test("a broken config is one line with its file and line", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  writeFileSync(
    join(home, "config.yaml"),
    "modes:\n  glm:\n    env:\n      ANTHROPIC_BASE_URL: https://evil\n",
  );
  const result = await runCli(["glm"], { env: { ...bareEnv(home), ZAI_API_KEY: "k" }, cwd: workspace });
  assert.equal(result.code, 2);
  assertOneLine(
    result.stderr,
    /config\.yaml:4: modes\.glm\.env\.ANTHROPIC_BASE_URL: is a credential, endpoint or home/,
  );
});

test("a missing CLI is one line saying how to install it, and exit 127", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  const env = { ...bareEnv(home), ZAI_API_KEY: "k", GEMINI_API_KEY: "g" };
  const claude = await runCli(["--runtime", "process", "glm", "-p", "hi"], { env, cwd: workspace });
  assert.equal(claude.code, 127);
  assertOneLine(
    claude.stderr,
    /claude \(Claude Code\) not found: run `ai-orchestrator install-clis` or install @anthropic-ai\/claude-code/,
  );
  const gemini = await runCli(["--runtime", "process", "gemini", "-p", "hi"], { env, cwd: workspace });
  assert.equal(gemini.code, 127);
  assertOneLine(gemini.stderr, /gemini \(Gemini CLI\) not found/);
});

test("--via-hub without the provider's key is refused at once with the launch's own line, and starts no hub", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  writeFileSync(join(home, "config.yaml"), "server: { port: 0 }\n");
  const result = await runCli(["--via-hub", "--runtime", "process", "claude", "-p", "hello"], {
    env: bareEnv(home),
    cwd: workspace,
  });
  assert.equal(result.code, 1);
  assertOneLine(
    result.stderr,
    /^ai-orchestrator: ANTHROPIC_API_KEY is not set: run `ai-orchestrator login anthropic` or export it$/,
  );
  assert.equal(existsSync(join(home, "run", "hub.json")), false, "no hub was started for a launch refused");
});

test("--via-hub into a running hub started without the key is refused, naming the hub; a stored key lets it through", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  writeFileSync(join(home, "config.yaml"), "server: { port: 0 }\n");
  const started = await runCli(["hub", "start"], { env: bareEnv(home) });
  assert.equal(started.code, 0, started.stderr);
  try {
    const env = { ...bareEnv(home), ZAI_API_KEY: "zai-key-in-this-shell-only" };
    const args = ["--via-hub", "--runtime", "process", "glm", "-p", "hello"];
    const refused = await runCli(args, { env, cwd: workspace });
    assert.equal(refused.code, 1);
    assertOneLine(
      refused.stderr,
      /^ai-orchestrator: the running hub \(pid \d+\) was started without ZAI_API_KEY: run `ai-orchestrator login zai` .*`ai-orchestrator hub stop`/,
    );
    const login = await runCli(["login", "zai"], { env: bareEnv(home), input: "zai-key-stored\n" });
    assert.equal(login.code, 0, login.stderr);
    // Past the check: the launch goes on to the assistant, which this PATH does not have.
    const through = await runCli(args, { env, cwd: workspace });
    assert.equal(through.code, 127, through.stderr);
    assert.match(through.stderr, /claude \(Claude Code\) not found/);
  } finally {
    await runCli(["hub", "stop"], { env: bareEnv(home) });
  }
});

test("the assistant gets every argument after the mode untouched, a leading -- dropped, and its exit code is ours", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  fakeCli(join(home, "clis", "node_modules", ".bin"), "claude");
  const env = { ...bareEnv(home), ZAI_API_KEY: "zai-key" };
  const result = await runCli(["--runtime", "process", "glm", "--", "start", "--verbose", "a b"], {
    env,
    cwd: workspace,
  });
  assert.equal(result.code, 5);
  // Claude Code's pinned settings layer comes first (see build-spec), then the person's arguments.
  const [flag, settings, ...rest] = result.stdout.split("\n");
  assert.equal(flag, "arg[--settings]");
  assert.match(
    settings ?? "",
    /^arg\[\{"env":\{.*"ANTHROPIC_BASE_URL":"https:\/\/api\.z\.ai\/api\/anthropic".*\}\}\]$/,
  );
  assert.equal(
    rest.join("\n"),
    `arg[start]\narg[--verbose]\narg[a b]\nHOME=${join(home, "state", "glm")}\nTOKEN=zai-key\nMODEL=glm-4.6\n`,
  );
});

test("global options before the mode are read alike in their `=` forms, and a wrong one is named", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  fakeCli(join(home, "clis", "node_modules", ".bin"), "claude");
  const env = { ...bareEnv(home), ZAI_API_KEY: "zai-key" };
  const launched = await runCli(["--runtime=process", "glm", "hi"], { env, cwd: workspace });
  assert.equal(launched.code, 5, launched.stderr);
  assert.match(launched.stdout, /^arg\[hi\]$/m);

  const missing = join(home, "confg.yaml");
  const named = await runCli([`--config=${missing}`, "--runtime", "process", "glm", "hi"], {
    env,
    cwd: workspace,
  });
  assert.equal(named.code, 2);
  assertOneLine(named.stderr, new RegExp(`${missing}: does not exist \\(named by --config`));

  const wrong = await runCli(["--runtime=nosuch", "glm", "hi"], { env, cwd: workspace });
  assert.equal(wrong.code, 2);
  assert.match(
    wrong.stderr,
    /^ai-orchestrator: option '--runtime <name>' argument 'nosuch' is invalid\. must be one of /,
  );
  assert.equal(wrong.stdout, "");

  const unfinished = await runCli(["--runtime"], { env, cwd: workspace });
  assert.equal(unfinished.code, 2);
  assert.match(unfinished.stderr, /^ai-orchestrator: .*'--runtime <name>' argument missing/);
});

test("under the process runtime the launcher becomes the assistant: one process, whose death by a signal its caller sees as such", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  const directory = join(home, "clis", "node_modules", ".bin");
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, "claude"), '#!/bin/sh\necho "pid=$$ parent=$PPID"\nkill -TERM $$\n');
  chmodSync(join(directory, "claude"), 0o755);
  const launcher = spawn(process.execPath, [BIN, "--runtime", "process", "glm"], {
    env: { ...bareEnv(home), ZAI_API_KEY: "zai-key" },
    cwd: workspace,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  launcher.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    launcher.on("close", (...result) => resolve(result)),
  );
  assert.equal(
    stdout,
    `pid=${launcher.pid} parent=${process.pid}\n`,
    "the assistant runs in the launcher's place",
  );
  assert.deepEqual([code, signal], [null, "SIGTERM"]);
});

test("start/stop/status under a runtime without sessions say that `--runtime docker` is needed", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  for (const action of ["start", "status", "stop"]) {
    const result = await runCli(["--runtime", "process", "glm", action], {
      env: bareEnv(home),
      cwd: workspace,
    });
    assert.equal(result.code, 2);
    assertOneLine(result.stderr, /persistent sessions need `--runtime docker`/);
  }
});

test("a key shared with another provider, and a workspace injecting settings, are warned about", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  fakeCli(join(home, "clis", "node_modules", ".bin"), "claude");
  mkdirSync(join(workspace, ".claude"));
  writeFileSync(
    join(workspace, ".claude", "settings.json"),
    JSON.stringify({ env: { ANTHROPIC_BASE_URL: "x" } }),
  );
  const env = { ...bareEnv(home), ZAI_API_KEY: "same-key", MOONSHOT_API_KEY: "same-key" };
  const result = await runCli(["--runtime", "process", "glm", "-p", "hi"], { env, cwd: workspace });
  assert.equal(result.code, 5);
  const warnings = result.stderr.trim().split("\n");
  assert.equal(warnings.length, 2, result.stderr);
  assert.match(warnings[0] ?? "", /warning: mode glm uses the same key as provider moonshot/);
  assert.match(warnings[1] ?? "", /warning: .*\.claude\/settings\.json sets env ANTHROPIC_BASE_URL/);
  assert.equal(result.stderr.includes("same-key"), false, "the key itself is never printed");
});

test("an edited config.yaml takes effect on the next launch, and a broken edit is reported", async (t) => {
  const { home, workspace } = sandboxFixture(t);
  fakeCli(join(home, "clis", "node_modules", ".bin"), "claude");
  const env = { ...bareEnv(home), ZAI_API_KEY: "zai-key" };
  const launch = () => runCli(["--runtime", "process", "glm"], { env, cwd: workspace });
  writeFileSync(join(home, "config.yaml"), "modes:\n  glm:\n    model: glm-5\n");
  assert.match((await launch()).stdout, /^MODEL=glm-5$/m);
  assert.match((await launch()).stdout, /^MODEL=glm-5$/m);
  writeFileSync(join(home, "config.yaml"), "modes:\n  glm:\n    model: glm-5.1\n");
  assert.match((await launch()).stdout, /^MODEL=glm-5\.1$/m);
  writeFileSync(join(home, "config.yaml"), "modes:\n  glm:\n    modle: glm-5.1\n");
  const broken = await launch();
  assert.equal(broken.code, 2);
  assertOneLine(broken.stderr, /config\.yaml:3: modes\.glm\.modle: is not a known setting/);
});
