// Workspace files the assistants load on their own, which can carry a key, an endpoint or a model
// redirection into a sandbox past its allow-list. They are reported, one line each, never edited.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isReservedModeEnv } from "../config/reserved-env.ts";
import type { AssistantCli } from "../config/schema/index.ts";
import { isJsonObject } from "./json-file.ts";

const CLAUDE_SETTINGS = [".claude/settings.json", ".claude/settings.local.json"];
const ENV_FILES = [".env", ".gemini/.env"];
const ENV_LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;
/** Variables that redirect which model or account a run uses, beside the reserved credential ones. */
const REDIRECTING = /^(ANTHROPIC_|CLAUDE_CODE_|GEMINI_|GOOGLE_)/;

/** One warning line per workspace file that can inject settings into `cli`'s sandbox. */
export function inspectWorkspace(workspace: string, cli: AssistantCli): string[] {
  const warnings: string[] = [];
  if (cli === "claude") {
    for (const file of CLAUDE_SETTINGS) {
      const names = settingsEnvNames(join(workspace, file));
      if (names.length > 0) {
        warnings.push(
          `${join(workspace, file)} sets env ${names.join(", ")}, which Claude Code applies inside the sandbox: review it or remove the env block`,
        );
      }
    }
  }
  for (const file of ENV_FILES) {
    const names = envFileNames(join(workspace, file)).filter(
      (name) => isReservedModeEnv(name) || REDIRECTING.test(name),
    );
    if (names.length > 0) {
      const reader = cli === "gemini" ? "Gemini CLI loads" : "tools in the sandbox can read";
      warnings.push(
        `${join(workspace, file)} defines ${names.join(", ")}, which ${reader}: move keys and endpoints out of the workspace`,
      );
    }
  }
  return warnings;
}

function settingsEnvNames(path: string): string[] {
  const text = readIfPresent(path);
  if (text === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isJsonObject(parsed) || !isJsonObject(parsed.env)) return [];
  return Object.keys(parsed.env);
}

function envFileNames(path: string): string[] {
  const text = readIfPresent(path);
  if (text === undefined) return [];
  return text.split("\n").flatMap((line) => {
    const match = ENV_LINE.exec(line);
    return match?.[1] ? [match[1]] : [];
  });
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
