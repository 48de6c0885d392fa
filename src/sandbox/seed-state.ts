// Prepares a mode's state root (its sandbox HOME) so the assistant starts without any
// onboarding, login, key-approval or folder-trust prompt, and imports a person's own non-secret
// settings on request. Only this mode's files are touched, and only our keys inside them.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AssistantCli } from "../config/schema/index.ts";
import { claudeConfigDir } from "./build-spec.ts";
import { isJsonObject, type JsonObject, mergeJsonFile, objectAt, readJsonObject } from "./json-file.ts";
import type { SandboxSpec } from "./spec.ts";

export interface SeedReport {
  stateRoot: string;
  /** Files created or changed by this seeding. */
  written: string[];
}

/** Claude Code remembers an approved custom API key by its last 20 characters. */
const APPROVED_KEY_SUFFIX = 20;

export function seedState(spec: SandboxSpec): SeedReport {
  createPrivateDirectory(spec.stateRoot);
  const written = spec.cli === "claude" ? seedClaude(spec) : seedGemini(spec);
  return { stateRoot: spec.stateRoot, written };
}

/** The files Claude Code reads its first-run state from: the config dir's, and HOME's for older versions. */
export function claudeStateFiles(stateRoot: string): string[] {
  return [join(claudeConfigDir(stateRoot), ".claude.json"), join(stateRoot, ".claude.json")];
}

export function geminiSettingsFile(stateRoot: string): string {
  return join(stateRoot, ".gemini", "settings.json");
}

function seedClaude(spec: SandboxSpec): string[] {
  createPrivateDirectory(claudeConfigDir(spec.stateRoot));
  const apiKey = spec.env.ANTHROPIC_API_KEY;
  const approved = apiKey ? apiKey.slice(-APPROVED_KEY_SUFFIX) : undefined;
  const written: string[] = [];
  for (const file of claudeStateFiles(spec.stateRoot)) {
    const changed = mergeJsonFile(file, (state) => {
      state.hasCompletedOnboarding = true;
      const project = objectAt(objectAt(state, "projects"), spec.workspace);
      project.hasTrustDialogAccepted = true;
      if (approved !== undefined) {
        // Only the current key is approved: a rotated key's fragment does not linger.
        const responses = objectAt(state, "customApiKeyResponses");
        const rejected = Array.isArray(responses.rejected) ? responses.rejected : [];
        responses.approved = [approved];
        responses.rejected = rejected.filter((entry) => entry !== approved);
      }
      return state;
    });
    if (changed) written.push(file);
  }
  return written;
}

function seedGemini(spec: SandboxSpec): string[] {
  const directory = join(spec.stateRoot, ".gemini");
  createPrivateDirectory(directory);
  const written: string[] = [];
  const settings = geminiSettingsFile(spec.stateRoot);
  const settingsChanged = mergeJsonFile(settings, (state) => {
    objectAt(objectAt(state, "security"), "auth").selectedType = "gemini-api-key";
    return state;
  });
  if (settingsChanged) written.push(settings);
  const trusted = join(directory, "trustedFolders.json");
  const trustChanged = mergeJsonFile(trusted, (state) => {
    state[spec.workspace] = "TRUST_FOLDER";
    return state;
  });
  if (trustChanged) written.push(trusted);
  return written;
}

function createPrivateDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

export interface ImportReport {
  /** Files of the state root that received imported settings. */
  imported: string[];
  /** One line per thing left out, and why. */
  skipped: string[];
}

/**
 * Copies a person's own non-secret settings (Claude Code's CLAUDE.md and settings.json, Gemini
 * CLI's GEMINI.md and settings.json) into a mode's state root. Credentials, `env` blocks, key
 * helpers and the Gemini auth choice stay behind. Imported keys replace the state root's, except
 * the seeded auth choice, which a Gemini sandbox cannot start without.
 */
export function importUserSettings(cli: AssistantCli, stateRoot: string, userHome: string): ImportReport {
  createPrivateDirectory(stateRoot);
  const report: ImportReport = { imported: [], skipped: [] };
  if (cli === "claude") {
    const target = claudeConfigDir(stateRoot);
    createPrivateDirectory(target);
    copyMemoryFile(join(userHome, ".claude", "CLAUDE.md"), join(target, "CLAUDE.md"), report);
    importSettings(
      join(userHome, ".claude", "settings.json"),
      join(target, "settings.json"),
      report,
      (settings) => dropKeys(settings, CLAUDE_LEFT_OUT),
    );
  } else {
    const target = join(stateRoot, ".gemini");
    createPrivateDirectory(target);
    copyMemoryFile(join(userHome, ".gemini", "GEMINI.md"), join(target, "GEMINI.md"), report);
    importSettings(
      join(userHome, ".gemini", "settings.json"),
      join(target, "settings.json"),
      report,
      (settings) => {
        const security = settings.security;
        return isJsonObject(security) ? dropKeys(security, ["auth"]).map((key) => `security.${key}`) : [];
      },
    );
  }
  return report;
}

function copyMemoryFile(source: string, target: string, report: ImportReport): void {
  if (!existsSync(source)) return;
  if (existsSync(target) && readFileSync(target, "utf8") !== readFileSync(source, "utf8")) {
    report.skipped.push(`${target} already exists and differs from ${source}; left as it is`);
    return;
  }
  copyFileSync(source, target);
  chmodSync(target, 0o600);
  report.imported.push(target);
}

/**
 * Claude Code settings never imported: the `env` block (keys, endpoints, models of the person's own
 * setup) and the helpers that run a program to fetch a credential.
 */
const CLAUDE_LEFT_OUT = ["env", "apiKeyHelper", "awsCredentialExport", "awsAuthRefresh", "otelHeadersHelper"];

/** Deletes `keys` from `object`; returns the ones that were there. */
function dropKeys(object: JsonObject, keys: readonly string[]): string[] {
  const dropped = keys.filter((key) => key in object);
  for (const key of dropped) delete object[key];
  return dropped;
}

/** `strip` removes what is never imported, in place, and returns the dotted paths it removed. */
function importSettings(
  source: string,
  target: string,
  report: ImportReport,
  strip: (settings: JsonObject) => string[],
): void {
  let settings: JsonObject | undefined;
  try {
    settings = readJsonObject(source);
  } catch {
    report.skipped.push(`${source} is not plain JSON; not imported`);
    return;
  }
  if (settings === undefined) return;
  for (const path of strip(settings)) {
    report.skipped.push(
      `${source}: ${path} holds credentials, endpoints or credential helpers; not imported`,
    );
  }
  const removed: string[] = [];
  const clean = withoutSecrets(settings, "", removed);
  for (const path of removed) report.skipped.push(`${source}: ${path} looks like a credential; not imported`);
  mergeJsonFile(target, (state) => {
    const merged = { ...state, ...clean };
    // The seeded auth choice outlives an import that stripped it from the person's file.
    const seededSecurity = state.security;
    if (isJsonObject(seededSecurity) && isJsonObject(seededSecurity.auth)) {
      objectAt(merged, "security").auth = seededSecurity.auth;
    }
    return merged;
  });
  report.imported.push(target);
}

const SECRET_NAME = /(api[-_]?key|token|secret|password|passwd|credential|bearer|cookie|private[-_]?key)/i;
const SECRET_VALUE = /^(sk-|sk_|AIza|ghp_|gho_|github_pat_|glpat-|xox[abprs]-|Bearer\s)/;

function withoutSecrets(value: JsonObject, prefix: string, removed: string[]): JsonObject {
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (SECRET_NAME.test(key) || (typeof item === "string" && SECRET_VALUE.test(item))) {
      removed.push(path);
      continue;
    }
    result[key] = isJsonObject(item) ? withoutSecrets(item, path, removed) : item;
  }
  return result;
}
