// The program's default action: `ai-orchestrator [--runtime R] [--config F] <mode> [args…]` runs
// the mode's assistant in its sandbox, everything after the mode name passed through untouched;
// `<mode> start|stop|restart|status|logs` manage a persistent session where the runtime keeps one.
import { realpathSync } from "node:fs";
import type { Command } from "commander";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import { type ResolvedMode, resolveMode } from "../modes/registry.ts";
import { type Credential, findCredential, requireCredential } from "../providers/credentials.ts";
import { providerIds, resolveProvider } from "../providers/registry.ts";
import type { Runtime, SessionManager, SessionStatus } from "../runtimes/runtime.ts";
import { selectRuntime } from "../runtimes/select.ts";
import { buildSandboxSpec } from "../sandbox/build-spec.ts";
import { seedState } from "../sandbox/seed-state.ts";
import type { SandboxSpec } from "../sandbox/spec.ts";
import { inspectWorkspace } from "../sandbox/workspace-check.ts";
import { type CliContext, cliContext, print } from "./context.ts";

const LIFECYCLE = ["start", "stop", "restart", "status", "logs"] as const;
type LifecycleAction = (typeof LIFECYCLE)[number];

export function registerLaunch(program: Command): void {
  program
    .argument("[mode]", "the mode to launch (claude, gemini, glm, kimi, or one from config.yaml)")
    .argument("[args...]", "arguments for the assistant, passed through untouched")
    .action(async (mode: string | undefined, args: string[], _options: unknown, command: Command) => {
      if (mode === undefined) {
        command.outputHelp();
        return;
      }
      process.exitCode = await launch(cliContext(command), mode, args);
    });
}

async function launch(context: CliContext, modeName: string, rawArgs: readonly string[]): Promise<number> {
  const { config } = context.config();
  const mode = resolveMode(config, modeName);
  const first = rawArgs[0];
  if (first !== undefined && isLifecycle(first)) return manageSession(context, config, mode, first);
  // `<mode> -- start` passes a literal `start` (or anything else) to the assistant.
  const args = first === "--" ? rawArgs.slice(1) : rawArgs;

  const { spec, runtime } = await prepare(context, config, mode, args);
  const result = await runtime.run(spec, { stdio: "inherit" });
  return result.exitCode;
}

async function prepare(
  context: CliContext,
  config: Config,
  mode: ResolvedMode,
  args: readonly string[],
): Promise<{ spec: SandboxSpec; runtime: Runtime }> {
  const credential = requireCredential(mode.provider, context.paths, process.env);
  warnAboutSharedKey(config, context.paths, mode, credential);
  const spec = buildSandboxSpec(mode, credential, {
    args,
    workspace: realpathSync(process.cwd()),
    paths: context.paths,
    hostEnv: process.env,
  });
  for (const warning of inspectWorkspace(spec.workspace, spec.cli)) warn(warning);
  const runtime = await selectRuntime(context.options.runtime ?? mode.runtime, {
    paths: context.paths,
    hostEnv: process.env,
  });
  seedState(spec);
  return { spec, runtime };
}

async function manageSession(
  context: CliContext,
  config: Config,
  mode: ResolvedMode,
  action: LifecycleAction,
): Promise<number> {
  const runtime = await selectRuntime(context.options.runtime ?? mode.runtime, {
    paths: context.paths,
    hostEnv: process.env,
  });
  const sessions = runtime.sessions;
  if (!sessions) {
    throw new AppError(
      "usage",
      `\`${mode.name} ${action}\`: persistent sessions need \`--runtime docker\`; the ${runtime.name} runtime runs one session per launch (\`ai-orchestrator ${mode.name} -- ${action}\` passes "${action}" to the assistant)`,
    );
  }
  switch (action) {
    case "start":
      printSession(await sessions.start((await prepare(context, config, mode, [])).spec));
      return 0;
    case "restart":
      await sessions.stop(mode.name);
      printSession(await sessions.start((await prepare(context, config, mode, [])).spec));
      return 0;
    case "stop":
      printSession(await sessions.stop(mode.name));
      return 0;
    case "status": {
      const status = await sessions.status(mode.name);
      printSession(status);
      return status.state === "running" ? 0 : 3;
    }
    case "logs":
      return showLogs(sessions, mode.name);
  }
}

async function showLogs(sessions: SessionManager, mode: string): Promise<number> {
  if (!sessions.logs) throw new AppError("usage", `\`${mode} logs\`: this runtime keeps no session logs`);
  process.stdout.write(await sessions.logs(mode));
  return 0;
}

function printSession(status: SessionStatus): void {
  const since = status.startedAt ? ` since ${status.startedAt.toISOString()}` : "";
  const detail = status.detail ? ` (${status.detail})` : "";
  print(`${status.mode}: ${status.state}${since}${detail}`);
}

/** One key serving two providers is how keys end up crossing: it works, but say so. */
function warnAboutSharedKey(config: Config, paths: Paths, mode: ResolvedMode, credential: Credential): void {
  for (const id of providerIds(config)) {
    if (id === mode.provider.id) continue;
    let other: Credential | undefined;
    try {
      other = findCredential(resolveProvider(config, id), paths, process.env);
    } catch {
      continue;
    }
    if (other?.value === credential.value) {
      warn(
        `mode ${mode.name} uses the same key as provider ${id}: give each provider its own key with \`ai-orchestrator login ${mode.provider.id}\``,
      );
    }
  }
}

function isLifecycle(word: string): word is LifecycleAction {
  return (LIFECYCLE as readonly string[]).includes(word);
}

function warn(line: string): void {
  process.stderr.write(`ai-orchestrator: warning: ${line}\n`);
}
