import assert from "node:assert/strict";
import { chmodSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { isAppError } from "../../src/errors.ts";
import { locateCli } from "../../src/runtimes/locate-cli.ts";
import { sandboxFixture } from "../support/sandbox.ts";

function executable(path: string, content = "#!/bin/sh\nexit 0\n"): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, 0o755);
  return path;
}

/** An npm layout: the wrapper's bin linked from .bin, the native binary in the platform package. */
function npmClaude(nodeModules: string): string {
  const wrapper = executable(
    join(nodeModules, "@anthropic-ai", "claude-code", "bin", "claude.exe"),
    "stub\n",
  );
  const native = executable(
    join(nodeModules, "@anthropic-ai", `claude-code-${process.platform}-${process.arch}`, "claude"),
  );
  mkdirSync(join(nodeModules, ".bin"), { recursive: true });
  symlinkSync(wrapper, join(nodeModules, ".bin", "claude"));
  return native;
}

test("Claude Code: the orchestrator's prefix wins over PATH, and the platform package's binary is what runs", (t) => {
  const { home, workspace } = sandboxFixture(t);
  const native = npmClaude(join(home, "clis", "node_modules"));
  executable(join(workspace, "bin", "claude"));
  const located = locateCli("claude", { clisPrefix: join(home, "clis"), searchPath: join(workspace, "bin") });
  assert.equal(located.executable, realpathSync(native));
  assert.deepEqual(located.leadingArgs, []);
  assert.deepEqual(located.readOnlyPaths, [dirname(realpathSync(native))]);
});

test("Claude Code: found on PATH when the prefix has none", (t) => {
  const { home, workspace } = sandboxFixture(t);
  const onPath = executable(join(workspace, "bin", "claude"));
  const located = locateCli("claude", {
    clisPrefix: join(home, "clis"),
    searchPath: `relative/bin:${join(workspace, "bin")}`,
  });
  assert.equal(located.executable, realpathSync(onPath));
});

test("Gemini CLI: a Node script run by this Node, its node_modules and Node's directory readable", (t) => {
  const { home } = sandboxFixture(t);
  const nodeModules = join(home, "clis", "node_modules");
  const script = executable(
    join(nodeModules, "@google", "gemini-cli", "bundle", "gemini.js"),
    "#!/usr/bin/env node\n",
  );
  mkdirSync(join(nodeModules, ".bin"), { recursive: true });
  symlinkSync(script, join(nodeModules, ".bin", "gemini"));
  const located = locateCli("gemini", { clisPrefix: join(home, "clis"), searchPath: "" });
  const node = realpathSync(process.execPath);
  assert.equal(located.executable, node);
  assert.deepEqual(located.leadingArgs, [realpathSync(script)]);
  assert.deepEqual(located.readOnlyPaths, [dirname(node), realpathSync(nodeModules)]);
});

test("a CLI found nowhere is an error saying how to install it, with exit code 127", (t) => {
  const { home } = sandboxFixture(t);
  assert.throws(
    () => locateCli("gemini", { clisPrefix: join(home, "clis"), searchPath: "/nonexistent" }),
    (error) =>
      isAppError(error) &&
      error.exitCode === 127 &&
      error.message ===
        "gemini (Gemini CLI) not found: run `ai-orchestrator install-clis` or install @google/gemini-cli",
  );
});
