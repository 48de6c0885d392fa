import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, temporaryHome } from "../support/cli.ts";
import { requireService } from "../support/services.ts";
import { homeEnv } from "./home-env.ts";

interface ShellRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runShell(shell: string, script: string, env: NodeJS.ProcessEnv): Promise<ShellRun> {
  return new Promise((resolve) => {
    execFile(shell, ["-c", script], { env, encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * A home with a config, the shell-init output, and a stand-in for the user's own `claude` first
 * on PATH that prints its arguments and its HOME: run natively, HOME is the user's; run by
 * ai-orchestrator, HOME is the mode's state root.
 */
async function setUp(t: { after(fn: () => void): void }, shell: string) {
  const home = temporaryHome(t);
  writeFileSync(join(home, "config.yaml"), "runtime: process\n");
  const bin = join(home, "native-bin");
  mkdirSync(bin);
  const fakeClaude = join(bin, "claude");
  writeFileSync(fakeClaude, '#!/bin/sh\necho "native claude $* HOME=$HOME"\n');
  chmodSync(fakeClaude, 0o755);
  const env = homeEnv(home, {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: join(home, "user-home"),
    ZAI_API_KEY: "sk-test",
  });
  const generated = await runCli(["shell-init", shell], { env });
  assert.equal(generated.code, 0, generated.stderr);
  const scriptFile = join(home, `init.${shell}`);
  writeFileSync(scriptFile, generated.stdout);
  return { home, env, scriptFile, script: generated.stdout };
}

test("shell-init bash: the mode commands are functions, `command claude` and `claude --native` reach the native binary", async (t) => {
  const { home, env, scriptFile, script } = await setUp(t, "bash");
  assert.match(
    script,
    /^function glm \{ '\/[^']+' glm "\$@"; \}$/m,
    "absolute path, resolved at generation time",
  );

  const types = await runShell("bash", `source '${scriptFile}'; type -t claude gemini glm kimi`, env);
  assert.equal(types.stdout, "function\nfunction\nfunction\nfunction\n", types.stderr);

  const native = await runShell(
    "bash",
    `source '${scriptFile}'; command claude --version; claude --native -p hi`,
    env,
  );
  assert.equal(native.code, 0, native.stderr);
  assert.equal(
    native.stdout,
    `native claude --version HOME=${join(home, "user-home")}\nnative claude -p hi HOME=${join(home, "user-home")}\n`,
  );
});

test("shell-init bash: `glm --version` runs through ai-orchestrator, in the glm sandbox", async (t) => {
  const { home, env, scriptFile } = await setUp(t, "bash");
  const result = await runShell("bash", `source '${scriptFile}'; glm --version`, env);
  assert.equal(result.code, 0, result.stderr);
  // Either the stand-in (HOME is glm's state root) or the real Claude Code answered — only ai-orchestrator runs `glm`.
  assert.match(
    result.stdout,
    new RegExp(`HOME=${join(home, "state", "glm")}|^2\\.1\\.329 \\(Claude Code\\)`),
  );
});

for (const shell of ["zsh", "fish"]) {
  test(`shell-init ${shell}: the mode commands are functions and \`command claude\` is the native one`, async (t) => {
    // .ci/run installs both; on a person's machine a missing one skips with the reason.
    if (!requireService(t, shell, existsSync(`/usr/bin/${shell}`) ? undefined : `${shell} is not installed`))
      return;
    const { home, env, scriptFile } = await setUp(t, shell);
    const typeCheck =
      shell === "fish" ? "functions -q claude glm kimi gemini; and echo functions" : "whence -w claude glm";
    const types = await runShell(shell, `source '${scriptFile}'; ${typeCheck}`, env);
    assert.match(
      types.stdout,
      shell === "fish" ? /^functions$/m : /claude: function\nglm: function/,
      types.stderr,
    );
    const native = await runShell(
      shell,
      `source '${scriptFile}'; command claude --version; claude --native x`,
      env,
    );
    assert.equal(
      native.stdout,
      `native claude --version HOME=${join(home, "user-home")}\nnative claude x HOME=${join(home, "user-home")}\n`,
      native.stderr,
    );
  });
}

test("shell-init refuses an unknown shell in one line", async (t) => {
  const result = await runCli(["shell-init", "tcsh"], { env: homeEnv(temporaryHome(t)) });
  assert.equal(result.code, 2);
  assert.equal(result.stderr, 'ai-orchestrator: unknown shell "tcsh": use one of bash, zsh, fish\n');
});
