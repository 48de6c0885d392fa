// The real Claude Code and Gemini CLI (devDependencies) for tests that drive them: where they are,
// a PATH that finds the pinned Node first, and a fresh home prepared so neither asks anything.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { scratchDirectory } from "./scratch.ts";
import { requireService } from "./services.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN_DIR = join(ROOT, "node_modules", ".bin");
export const CLAUDE = join(ROOT, "node_modules", "@anthropic-ai", "claude-code", "bin", "claude.exe");
export const GEMINI = join(BIN_DIR, "gemini");
/** The pinned Node 24 first, so Gemini CLI's `#!/usr/bin/env node` finds it. */
export const CLI_PATH = `${BIN_DIR}:${process.env.PATH ?? "/usr/bin:/bin"}`;

/** False (and the test skipped, or failed under CI) when the CLI is not installed. */
export function requireCli(t: TestContext, cli: "Claude Code" | "Gemini CLI"): boolean {
  const path = cli === "Claude Code" ? CLAUDE : GEMINI;
  return requireService(t, cli, existsSync(path) ? undefined : `${path} is missing: run npm install`);
}

/** A home removed when the test ends, with Claude Code's onboarding done and Gemini CLI set to an API key. */
export function freshCliHome(t: TestContext): string {
  const home = scratchDirectory(t, "aio-cli-home-");
  writeFileSync(join(home, ".claude.json"), JSON.stringify({ hasCompletedOnboarding: true }));
  mkdirSync(join(home, ".gemini"));
  writeFileSync(
    join(home, ".gemini", "settings.json"),
    JSON.stringify({ security: { auth: { selectedType: "gemini-api-key" } } }),
  );
  return home;
}
