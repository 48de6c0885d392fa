// `doctor`: what each mode's sandbox receives (variable names, never values), where its state
// lives, which CLI and runtime it gets — and the checks that fail loudly when isolation is at risk.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { checkConfig, formatProblem } from "../config/load.ts";
import { modeStateDir, type Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { isAppError } from "../errors.ts";
import { modeNames, type ResolvedMode, resolveMode } from "../modes/registry.ts";
import { type CredentialSource, describeSource, findCredential } from "../providers/credentials.ts";
import { crossReferenceProblems } from "./config.ts";
import { cliContext, print, printJson } from "./context.ts";
import { credentialStatus, type ModeCredentialStatus } from "./modes.ts";

export type CheckStatus = "ok" | "warn" | "fail";

export interface DoctorCheck {
  status: CheckStatus;
  /** Short topic: config, secrets, keys, cli, workspace, docker… */
  topic: string;
  message: string;
}

export interface ModeReport {
  mode: string;
  cli: string;
  provider: string;
  stateRoot: string;
  credential: ModeCredentialStatus;
}

export interface DoctorReport {
  configFile: string;
  workspace: string;
  modes: ModeReport[];
  checks: DoctorCheck[];
}

export function registerDoctorCommands(program: Command): void {
  program
    .command("doctor")
    .description("show what each mode's sandbox receives, and check isolation, keys, CLIs and config")
    .option("--workspace <dir>", "the workspace to inspect for settings that inject keys (default: here)")
    .option("--json", "print JSON")
    .action(async (options: { workspace?: string; json?: boolean }, command: Command) => {
      const context = cliContext(command);
      const report = await diagnose(context.paths, resolve(options.workspace ?? process.cwd()));
      if (options.json) printJson(report);
      else printReport(report);
      const failures = report.checks.filter((check) => check.status === "fail").length;
      if (failures > 0) {
        process.stderr.write(
          `ai-orchestrator: doctor found ${failures} problem(s); each FAIL line says how to fix it\n`,
        );
        process.exitCode = 1;
      }
    });
}

export async function diagnose(
  paths: Paths,
  workspace: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const config = configChecks(paths, checks);
  const modes: ResolvedMode[] = [];
  if (config) {
    for (const name of modeNames(config)) {
      try {
        modes.push(resolveMode(config, name));
      } catch (error) {
        if (!isAppError(error)) throw error;
        // Already reported as a config problem.
      }
    }
  }
  checks.push(...secretPermissionChecks(paths));
  checks.push(...sharedKeyChecks(modes, paths, env));
  checks.push(...workspaceChecks(workspace, config));

  const reports = modes.map((mode) => ({
    mode: mode.name,
    cli: mode.cli,
    provider: mode.provider.id,
    stateRoot: modeStateDir(paths, mode.name),
    credential: credentialStatus(mode, paths, env),
  }));
  for (const report of reports) {
    if (!report.credential.set) {
      checks.push({
        status: "warn",
        topic: "keys",
        message: `mode ${report.mode} has no ${report.provider} key (looked in ${report.credential.source}): run \`ai-orchestrator login ${report.provider}\``,
      });
    }
  }
  return { configFile: paths.configFile, workspace, modes: reports, checks };
}

function configChecks(paths: Paths, checks: DoctorCheck[]): Config | undefined {
  const check = checkConfig(paths.configFile);
  const problems = check.ok ? crossReferenceProblems(check.loaded.config) : check.problems;
  for (const problem of problems) {
    checks.push({ status: "fail", topic: "config", message: formatProblem(paths.configFile, problem) });
  }
  if (!check.ok) return undefined;
  if (problems.length === 0) {
    checks.push({
      status: "ok",
      topic: "config",
      message: check.loaded.file
        ? `${check.loaded.file} is valid`
        : `${paths.configFile} not found; defaults apply`,
    });
  }
  return check.loaded.config;
}

/** Secret files and their folder must be private to the user: 0600 and 0700 at most. */
export function secretPermissionChecks(paths: Paths): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  let names: string[];
  try {
    const folderMode = statSync(paths.secretsDir).mode & 0o777;
    if (folderMode & 0o077) {
      checks.push({
        status: "fail",
        topic: "secrets",
        message: `${paths.secretsDir} is open to other users (${octal(folderMode)}): run \`chmod 700 ${paths.secretsDir}\``,
      });
    }
    names = readdirSync(paths.secretsDir);
  } catch {
    return [{ status: "ok", topic: "secrets", message: "no stored keys" }];
  }
  for (const name of names) {
    const path = join(paths.secretsDir, name);
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      checks.push({
        status: "fail",
        topic: "secrets",
        message: `${path} is readable by other users (${octal(mode)}): run \`chmod 600 ${path}\``,
      });
    }
  }
  if (checks.length === 0) {
    checks.push({ status: "ok", topic: "secrets", message: `${names.length} stored key(s), all 0600` });
  }
  return checks;
}

/** One key reaching modes of two different providers means one of them sends it to the wrong platform. */
export function sharedKeyChecks(
  modes: readonly ResolvedMode[],
  paths: Paths,
  env: NodeJS.ProcessEnv,
): DoctorCheck[] {
  const byValue = new Map<string, { mode: string; provider: string; source: CredentialSource }[]>();
  for (const mode of modes) {
    const credential = findCredential(mode.provider, paths, env);
    if (!credential) continue;
    const holders = byValue.get(credential.value) ?? [];
    holders.push({ mode: mode.name, provider: mode.provider.id, source: credential.source });
    byValue.set(credential.value, holders);
  }
  const checks: DoctorCheck[] = [];
  for (const holders of byValue.values()) {
    const providers = [...new Set(holders.map((holder) => holder.provider))];
    if (providers.length < 2) continue;
    const who = holders
      .map((holder) => `${holder.mode} (${holder.provider}, ${describeSource(holder.source)})`)
      .join(", ");
    checks.push({
      status: "fail",
      topic: "keys",
      message: `the same key reaches modes of ${providers.length} providers: ${who}; give each provider its own key with \`ai-orchestrator login <provider>\``,
    });
  }
  if (checks.length === 0)
    checks.push({ status: "ok", topic: "keys", message: "no key is shared between providers" });
  return checks;
}

// Credentials, endpoints and model redirections: what a workspace file could use to hijack a sandbox.
const KEY_VARIABLE =
  /^(ANTHROPIC_\w+|CLAUDE_CODE_OAUTH_TOKEN|GOOGLE_GEMINI_BASE_URL|\w*(API_KEY|AUTH_TOKEN|_CREDENTIALS))$/;

/**
 * Workspace files the assistants read on their own and that can carry keys or endpoints into a
 * sandbox: Claude Code's `.claude/settings*.json` env block, Gemini CLI's `.env` files.
 */
export function workspaceChecks(workspace: string, config: Config | undefined): DoctorCheck[] {
  const configured = new Set(
    Object.values(config?.providers ?? {}).flatMap((provider) =>
      provider.apiKeyEnv ? [provider.apiKeyEnv] : [],
    ),
  );
  const isKeyVariable = (name: string) => KEY_VARIABLE.test(name) || configured.has(name);
  const checks: DoctorCheck[] = [];

  for (const file of [".claude/settings.json", ".claude/settings.local.json"]) {
    const path = join(workspace, file);
    const text = readOptional(path);
    if (text === undefined) continue;
    let names: string[];
    try {
      const parsed: unknown = JSON.parse(text);
      const block = parsed && typeof parsed === "object" && "env" in parsed ? parsed.env : undefined;
      names = block && typeof block === "object" ? Object.keys(block) : [];
    } catch {
      checks.push({
        status: "warn",
        topic: "workspace",
        message: `${path} is not valid JSON; Claude Code may ignore it`,
      });
      continue;
    }
    const found = names.filter(isKeyVariable);
    if (found.length > 0) {
      checks.push({
        status: "fail",
        topic: "workspace",
        message: `${path} sets ${found.join(", ")} in its env block, which Claude Code applies inside the sandbox: remove them from the file`,
      });
    }
  }

  for (const file of [".env", ".gemini/.env"]) {
    const path = join(workspace, file);
    const text = readOptional(path);
    if (text === undefined) continue;
    const found = text
      .split("\n")
      .map((line) => /^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined && isKeyVariable(name));
    if (found.length > 0) {
      checks.push({
        status: "fail",
        topic: "workspace",
        message: `${path} defines ${found.join(", ")}, which Gemini CLI loads inside the sandbox: move them out of the workspace`,
      });
    }
  }
  if (checks.length === 0) {
    checks.push({
      status: "ok",
      topic: "workspace",
      message: `${workspace}: no settings or .env file sets keys`,
    });
  }
  return checks;
}

function printReport(report: DoctorReport): void {
  print(`config     ${report.configFile}`);
  print(`workspace  ${report.workspace}`);
  for (const mode of report.modes) {
    print();
    print(`mode ${mode.mode}: ${mode.cli} CLI on ${mode.provider}`);
    print(`  state root   ${mode.stateRoot}`);
    print(
      `  credential   ${mode.credential.set ? mode.credential.source : `not set (${mode.credential.source})`}`,
    );
  }
  print();
  print("checks");
  for (const check of report.checks) {
    print(
      `  ${check.status === "fail" ? "FAIL" : check.status === "warn" ? "warn" : "ok  "}  ${check.topic}: ${check.message}`,
    );
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}
