import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CLI_PACKAGES } from "../../src/modes/cli-packages.ts";
import { runCli, temporaryHome } from "../support/cli.ts";
import { homeEnv } from "./home-env.ts";

test("install-clis --dry-run names the pinned packages, the target and the npm command, and installs nothing", async (t) => {
  const home = temporaryHome(t);
  const result = await runCli(["install-clis", "--dry-run"], { env: homeEnv(home) });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /would install @anthropic-ai\/claude-code@2\.1\.329 \(claude\)/);
  assert.match(result.stdout, /would install @google\/gemini-cli@0\.61\.0 \(gemini\)/);
  assert.match(
    result.stdout,
    new RegExp(
      `npm install --prefix ${join(home, "clis")} --no-save .*@anthropic-ai/claude-code@2\\.1\\.329 @google/gemini-cli@0\\.61\\.0`,
    ),
  );
  assert.ok(!existsSync(join(home, "clis")));
});

test("the pins of install-clis are the versions the test suite runs (package.json devDependencies)", () => {
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8"));
  for (const entry of Object.values(CLI_PACKAGES)) {
    assert.equal(manifest.devDependencies[entry.name], entry.version, entry.name);
  }
});

test("install-clis installs both pinned CLIs from the npm registry, runnable, and a second run keeps them", async (t) => {
  const home = temporaryHome(t);
  const env = homeEnv(home);
  const first = await runCli(["install-clis"], { env, timeoutMs: 180_000 });
  assert.equal(first.code, 0, first.stderr);
  const claude = join(home, "clis", "node_modules", ".bin", "claude");
  const gemini = join(home, "clis", "node_modules", ".bin", "gemini");
  assert.match(first.stdout, new RegExp(`claude 2\\.1\\.329 installed: ${claude}`));
  assert.match(first.stdout, new RegExp(`gemini 0\\.61\\.0 installed: ${gemini}`));
  // Claude Code's postinstall placed the native binary: the command runs and reports the pinned version.
  assert.match(execFileSync(claude, ["--version"], { encoding: "utf8" }), /^2\.1\.329 /);
  assert.equal(execFileSync(gemini, ["--version"], { encoding: "utf8" }).trim(), "0.61.0");

  const second = await runCli(["install-clis"], { env });
  assert.equal(second.code, 0);
  assert.match(second.stdout, /claude 2\.1\.329 already installed/);
  assert.match(second.stdout, /gemini 0\.61\.0 already installed/);
});
