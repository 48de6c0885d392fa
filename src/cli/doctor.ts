// `doctor`: what each mode's sandbox receives (variable names, never values), where its state
// lives, which CLI and runtime it gets — and the checks that fail loudly when isolation is at risk.
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { formatProblem } from "../config/load.ts";
import { modeStateDir, type Paths } from "../config/paths.ts";
import type { AssistantCli, Config, RuntimeChoice } from "../config/schema/index.ts";
import { redactUrl, storeUrl } from "../config/shared-state.ts";
import { isAppError } from "../errors.ts";
import { modeNames, type ResolvedMode, resolveMode } from "../modes/registry.ts";
import { createLogger } from "../observability/logger.ts";
import {
  type Credential,
  type CredentialSource,
  describeSource,
  findCredential,
} from "../providers/credentials.ts";
import { dockerDoctorChecks } from "../runtimes/docker-doctor.ts";
import { locateCli } from "../runtimes/locate-cli.ts";
import type { RuntimeName } from "../runtimes/runtime.ts";
import { AUTO_ORDER, probeRuntimes } from "../runtimes/select.ts";
import { buildSandboxSpec } from "../sandbox/build-spec.ts";
import { inspectWorkspace } from "../sandbox/workspace-check.ts";
import { probeStore } from "../store/probe.ts";
import { isPostgresUrl } from "../store/store.ts";
import { readCliVersion } from "./clis.ts";
import { checkConfigHere } from "./config.ts";
import { cliContext, print, printJson } from "./context.ts";
import { credentialStatus, type ModeCredentialStatus } from "./modes.ts";
import { withProgress } from "./progress.ts";

/** Each probe has its own timeout (the engine's 10 s, a CLI's 20 s); together they stay well under this. */
const DOCTOR_DEADLINE_MS = 90_000;

export type CheckStatus = "ok" | "warn" | "fail";

export interface DoctorCheck {
  status: CheckStatus;
  /** Short topic: config, secrets, keys, cli, runtime, workspace, docker. */
  topic: string;
  message: string;
}

export interface SandboxVariable {
  name: string;
  /** Holds the provider key (values are never shown). */
  secret: boolean;
  /** Set to the empty string on purpose, so that a value from elsewhere cannot apply. */
  blank: boolean;
}

export interface CliProgram {
  cli: AssistantCli;
  /** The program that runs, and what goes before the assistant's arguments (a Node CLI's script). */
  command: string[];
  version: string | undefined;
}

export interface ModeReport {
  mode: string;
  cli: AssistantCli;
  provider: string;
  stateRoot: string;
  credential: ModeCredentialStatus;
  /** Undefined when no sandbox can be built for this workspace (the checks say why). */
  sandboxEnv: SandboxVariable[] | undefined;
  program: CliProgram | undefined;
  runtime: { choice: RuntimeChoice; selected: RuntimeName | undefined };
}

export interface RuntimeReport {
  name: RuntimeName;
  available: boolean;
  detail: string;
}

export interface DoctorReport {
  configFile: string;
  workspace: string;
  runtimes: RuntimeReport[];
  modes: ModeReport[];
  checks: DoctorCheck[];
}

export interface DiagnoseOptions {
  paths: Paths;
  workspace: string;
  /** `--runtime` given before `doctor`: what every mode would run under. */
  runtime?: RuntimeChoice | undefined;
  env?: NodeJS.ProcessEnv;
}

export function registerDoctorCommands(program: Command): void {
  program
    .command("doctor")
    .description("show what each mode's sandbox receives, and check isolation, keys, CLIs and config")
    .option("--workspace <dir>", "the workspace to inspect for settings that inject keys (default: here)")
    .option("--json", "print JSON")
    .action(async (options: { workspace?: string; json?: boolean }, command: Command) => {
      const context = cliContext(command);
      const report = await withProgress(
        () =>
          diagnose({
            paths: context.paths,
            workspace: resolve(options.workspace ?? process.cwd()),
            runtime: context.options.runtime,
          }),
        {
          label: "probing the store, the runtimes, the CLIs and the container engine",
          deadlineMs: DOCTOR_DEADLINE_MS,
          hint: "a container engine that does not answer is the usual cause: check `docker version`",
        },
      );
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

export async function diagnose(options: DiagnoseOptions): Promise<DoctorReport> {
  const { paths, workspace } = options;
  const env = options.env ?? process.env;
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
  checks.push(await storeCheck(config, paths, env));
  checks.push(...secretPermissionChecks(paths));
  checks.push(...sharedKeyChecks(modes, paths, env));
  checks.push(...workspaceChecks(workspace, [...new Set(modes.map((mode) => mode.cli))]));

  // The docker probe checks config.yaml's network and image, as a launch would.
  const runtimes = (await probeRuntimes({ paths, hostEnv: env, docker: config?.docker })).map(
    ({ name, availability }) => ({
      name,
      available: availability.available,
      detail: availability.available ? availability.detail : availability.reason,
    }),
  );
  const programs = await locatePrograms(modes, paths, env, checks);
  const reports: ModeReport[] = [];
  for (const mode of modes) {
    const credential = credentialStatus(mode, paths, env);
    if (!credential.set) {
      checks.push({
        status: "warn",
        topic: "keys",
        message: `mode ${mode.name} has no ${mode.provider.id} key (looked in ${credential.source}): run \`ai-orchestrator login ${mode.provider.id}\``,
      });
    }
    const choice = options.runtime ?? mode.runtime;
    reports.push({
      mode: mode.name,
      cli: mode.cli,
      provider: mode.provider.id,
      stateRoot: modeStateDir(paths, mode.name),
      credential,
      sandboxEnv: sandboxVariables(mode, paths, workspace, env, checks),
      program: programs.get(mode.cli),
      runtime: { choice, selected: selectedRuntime(mode.name, choice, runtimes, checks) },
    });
  }
  if (config) checks.push(...(await dockerDoctorChecks(config.docker)));
  return { configFile: paths.configFile, workspace, runtimes, modes: reports, checks: dedupe(checks) };
}

/** The names the mode's sandbox environment holds; built with a blank key when none is stored. */
function sandboxVariables(
  mode: ResolvedMode,
  paths: Paths,
  workspace: string,
  env: NodeJS.ProcessEnv,
  checks: DoctorCheck[],
): SandboxVariable[] | undefined {
  const credential: Credential = readableCredential(mode, paths, env) ?? {
    value: "",
    source: { kind: "env", name: mode.provider.credentialEnv[0] ?? "" },
  };
  try {
    const spec = buildSandboxSpec(mode, credential, { args: [], workspace, paths, hostEnv: env });
    return Object.entries(spec.env)
      .map(([name, value]) => {
        const secret = spec.secretEnv.includes(name);
        return { name, secret, blank: value === "" && !secret };
      })
      .sort((left, right) => left.name.localeCompare(right.name));
  } catch (error) {
    if (!isAppError(error)) throw error;
    checks.push({ status: "warn", topic: "workspace", message: error.message });
    return undefined;
  }
}

/** Each CLI located once: its program, its version, and one FAIL naming the modes that need it. */
async function locatePrograms(
  modes: readonly ResolvedMode[],
  paths: Paths,
  env: NodeJS.ProcessEnv,
  checks: DoctorCheck[],
): Promise<Map<AssistantCli, CliProgram>> {
  const programs = new Map<AssistantCli, CliProgram>();
  for (const cli of new Set(modes.map((mode) => mode.cli))) {
    const users = modes.filter((mode) => mode.cli === cli).map((mode) => mode.name);
    try {
      const located = locateCli(cli, { clisPrefix: paths.clisPrefix, searchPath: env.PATH });
      const command = [located.executable, ...located.leadingArgs];
      const version = await readCliVersion(located.executable, located.leadingArgs);
      programs.set(cli, { cli, command, version });
      checks.push(
        version
          ? { status: "ok", topic: "cli", message: `${cli} ${version}: ${command.join(" ")}` }
          : {
              status: "fail",
              topic: "cli",
              message: `${command.join(" ")} does not answer \`--version\` (needed by ${users.join(", ")}): reinstall it with \`ai-orchestrator install-clis\``,
            },
      );
    } catch (error) {
      if (!isAppError(error)) throw error;
      checks.push({
        status: "fail",
        topic: "cli",
        message: `${error.message} (needed by ${users.join(", ")})`,
      });
    }
  }
  return programs;
}

function selectedRuntime(
  mode: string,
  choice: RuntimeChoice,
  runtimes: readonly RuntimeReport[],
  checks: DoctorCheck[],
): RuntimeName | undefined {
  if (choice === "auto") {
    return AUTO_ORDER.find((name) => runtimes.some((runtime) => runtime.name === name && runtime.available));
  }
  const runtime = runtimes.find((entry) => entry.name === choice);
  if (runtime?.available) return choice;
  checks.push({
    status: "fail",
    topic: "runtime",
    message: `mode ${mode} asks for the ${choice} runtime, which is not available here${runtime ? `: ${runtime.detail}` : ""}; set \`runtime: auto\` or fix the runtime`,
  });
  return undefined;
}

/** The workspace files an assistant loads on its own that would carry keys or endpoints into its sandbox. */
function workspaceChecks(workspace: string, clis: readonly AssistantCli[]): DoctorCheck[] {
  if (!isDirectory(workspace)) {
    return [
      {
        status: "fail",
        topic: "workspace",
        message: `${workspace} is not a directory: give --workspace an existing project folder`,
      },
    ];
  }
  // A file read by both CLIs is reported once, in Gemini CLI's words (it loads it; Claude Code's tools only could).
  const lines = new Map<string, string>();
  for (const cli of [...clis].sort().reverse()) {
    for (const line of inspectWorkspace(workspace, cli)) {
      const file = line.replace(/ (sets|defines) .*$/, "");
      if (!lines.has(file)) lines.set(file, line);
    }
  }
  const checks: DoctorCheck[] = [...lines.values()].map((message) => ({
    status: "fail",
    topic: "workspace",
    message,
  }));
  if (checks.length === 0) {
    checks.push({
      status: "ok",
      topic: "workspace",
      message: `${workspace}: no file there injects keys or endpoints`,
    });
  }
  return checks;
}

function dedupe(checks: readonly DoctorCheck[]): DoctorCheck[] {
  const seen = new Set<string>();
  return checks.filter((check) => {
    const key = `${check.status} ${check.topic} ${check.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function configChecks(paths: Paths, checks: DoctorCheck[]): Config | undefined {
  const { check, problems } = checkConfigHere(paths);
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

/**
 * Where the hub, keys, files and threads are stored, which setting said so, and whether the store
 * answers now (looked at read-only, within seconds): a store that cannot be used fails here rather
 * than in the first command that opens it.
 */
async function storeCheck(
  config: Config | undefined,
  paths: Paths,
  env: NodeJS.ProcessEnv,
): Promise<DoctorCheck> {
  let url: string;
  try {
    url = storeUrl(config ?? { store: {} }, paths, env);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { status: "fail", topic: "store", message: error.message };
  }
  const where = isPostgresUrl(url) ? `PostgreSQL at ${redactUrl(url)}` : `SQLite file ${url}`;
  const namedBy = env.AI_ORCHESTRATOR_STORE_URL
    ? " (AI_ORCHESTRATOR_STORE_URL)"
    : config?.store.url
      ? " (store.url)"
      : "";
  try {
    const probe = await probeStore(url, createLogger({ level: "silent" }));
    const state = probe === "not created" ? ": not created yet (the hub creates it on first use)" : "";
    return { status: "ok", topic: "store", message: `${where}${namedBy}${state}` };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { status: "fail", topic: "store", message: error.message };
  }
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
    const credential = readableCredential(mode, paths, env);
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

function printReport(report: DoctorReport): void {
  print(`config     ${report.configFile}`);
  print(`workspace  ${report.workspace}`);
  print("runtimes");
  for (const runtime of report.runtimes) {
    print(
      `  ${runtime.name.padEnd(8)} ${runtime.available ? "available" : "unavailable"}: ${runtime.detail}`,
    );
  }
  for (const mode of report.modes) {
    print();
    print(`mode ${mode.mode}: ${mode.cli} CLI on ${mode.provider}`);
    print(`  state root   ${mode.stateRoot}`);
    print(
      `  credential   ${mode.credential.set ? mode.credential.source : `not set (${mode.credential.source})`}`,
    );
    if (mode.sandboxEnv) {
      const names = mode.sandboxEnv.map(
        (variable) => `${variable.name}${variable.secret ? " (secret)" : variable.blank ? " (blank)" : ""}`,
      );
      print(`  sandbox env  ${names.join(", ")}`);
    }
    print(
      `  cli          ${mode.program ? `${mode.program.command.join(" ")} (${mode.program.version ?? "version unknown"})` : "not found"}`,
    );
    print(
      `  runtime      ${mode.runtime.choice}${mode.runtime.choice === "auto" ? ` → ${mode.runtime.selected ?? "none"}` : ""}`,
    );
  }
  print();
  print("checks");
  for (const check of report.checks) {
    const label = check.status === "fail" ? "FAIL" : check.status === "warn" ? "warn" : "ok  ";
    print(`  ${label}  ${check.topic}: ${check.message}`);
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}

/** The mode's key, or undefined when it is not set or its file cannot be read (the key check says which). */
function readableCredential(
  mode: ResolvedMode,
  paths: Paths,
  env: NodeJS.ProcessEnv,
): Credential | undefined {
  try {
    return findCredential(mode.provider, paths, env);
  } catch (error) {
    if (isAppError(error)) return undefined;
    throw error;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
