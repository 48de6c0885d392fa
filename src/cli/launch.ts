// The program's default action: `ai-orchestrator [--runtime R] [--config F] <mode> [args…]` runs
// the mode's assistant in its sandbox, everything after the mode name passed through untouched;
// `<mode> start|stop|restart|status|logs` manage a persistent session where the runtime keeps one.
import { realpathSync } from "node:fs";
import type { Command } from "commander";
import { loadConfigCached } from "../config/load-cached.ts";
import { modeStateDir, type Paths, resolvePaths } from "../config/paths.ts";
import type { Config, RuntimeChoice } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import type { LocalHub } from "../hub/local-hub.ts";
import type { HubSession } from "../hub/session-tokens.ts";
import { BUILTIN_MODES } from "../modes/definitions.ts";
import { modeNames, type ResolvedMode, resolveMode } from "../modes/registry.ts";
import { findCredential, requireCredential } from "../providers/credentials.ts";
import { type LaunchSession, prepareLaunch } from "../runtimes/prepare-launch.ts";
import type { Runtime, SessionManager, SessionStatus } from "../runtimes/runtime.ts";
import { selectRuntime } from "../runtimes/select.ts";
import type { SandboxSpec } from "../sandbox/spec.ts";
import { modeProblems } from "./config-references.ts";
// Only types from context.ts: it loads the schema library, which the launch path avoids.
import type { CliContext } from "./context.ts";
import { reportFailure } from "./report-error.ts";

const RUNTIME_CHOICES: readonly RuntimeChoice[] = ["auto", "process", "bwrap", "docker"];
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
      const { cliContext } = await import("./context.ts");
      process.exitCode = await launch(cliContext(command), mode, args);
    });
}

/** The command line as bin/ai-orchestrator.js scans it: the global options, the command word, the rest. */
export interface ScannedCommandLine {
  options: { config?: string; runtime?: string; viaHub?: boolean };
  command: string | undefined;
  args: readonly string[];
}

/**
 * The launch path without the rest of the program: `[--config F] [--runtime R] [--via-hub] <built-in
 * mode> …` runs here without loading every command group (providers, HTTP clients, the hub), which
 * would cost a person more than a tenth of a second on every start. Anything else (another command, a
 * mode defined only in config.yaml, help, an option this path does not know, a runtime that is none)
 * returns undefined and goes to the full program, which behaves the same. bin/ scans the command line,
 * once, for both this and the choice of `serve`: this module is its single bundled file's entry.
 */
export async function launchFromCommandLine(line: ScannedCommandLine): Promise<number | undefined> {
  const { config, runtime, viaHub } = line.options;
  if (runtime !== undefined && !isRuntimeChoice(runtime)) return undefined;
  const mode = line.command;
  if (mode === undefined || !Object.hasOwn(BUILTIN_MODES, mode)) return undefined;
  const options = {
    ...(config === undefined ? {} : { config }),
    ...(runtime === undefined ? {} : { runtime }),
    ...(viaHub === undefined ? {} : { viaHub }),
  };
  const paths = resolvePaths({ configFile: config });
  try {
    const loaded = await loadConfigCached(paths, modeProblems);
    const context: CliContext = { options, paths, config: () => loaded };
    return await launch(context, mode, line.args);
  } catch (error) {
    return reportFailure(error);
  }
}

function isRuntimeChoice(value: string): value is RuntimeChoice {
  return (RUNTIME_CHOICES as readonly string[]).includes(value);
}

async function launch(context: CliContext, modeName: string, rawArgs: readonly string[]): Promise<number> {
  const { config } = context.config();
  const mode = await modeOfResumedSession(context.paths, config, resolveMode(config, modeName), rawArgs);
  const first = rawArgs[0];
  if (first !== undefined && isLifecycle(first)) return manageSession(context, config, mode, first);
  // `<mode> -- start` passes a literal `start` (or anything else) to the assistant.
  const args = first === "--" ? rawArgs.slice(1) : rawArgs;

  const prepared = await prepare(context, config, mode, args);
  const viaHub = context.options.viaHub ?? mode.viaHub;
  const { runtime, session } = prepared;
  if (runtime.name === "docker") {
    // The run may go into this workspace's persistent session, whose own hub token it renews.
    const { renewSessionOf } = await import("./persistent-session.ts");
    await renewSessionOf(context, config, mode, { viaHub, sessions: runtime.sessions }, warn).catch(
      async (error: unknown) => {
        await session?.close();
        throw error;
      },
    );
  }
  // Through the hub without a token of its own, the run goes into the persistent session holding one.
  if (viaHub && session === undefined && runtime.sessions) {
    const joined = await runtime.sessions.join(prepared.spec, { stdio: "inherit" });
    if (joined) return joined.exitCode;
    // The session stopped after the run chose it: rather than a sandbox without a credential, whose
    // every request the hub would refuse, the run mints its own token and runs in a sandbox of its own.
    warn(`the ${mode.name} session stopped as this run started: running in a sandbox of its own`);
    const own = (runtime: Runtime) => openSession(context, config, mode, runtime.name);
    return runPrepared(await prepare(context, config, mode, args, own));
  }
  return runPrepared(prepared);
}

/** Runs the assistant, then revokes the run's hub session token if it holds one. */
async function runPrepared({ spec, runtime, session }: Awaited<ReturnType<typeof prepare>>): Promise<number> {
  // Nothing to do after the assistant exits unless a hub session must be revoked: the launcher
  // becomes the assistant where the runtime can, so its exit status and signals are the assistant's own.
  if (session === undefined && runtime.replace) runtime.replace(spec);
  try {
    const result = await runtime.run(spec, { stdio: "inherit" });
    return result.exitCode;
  } finally {
    await session?.close();
  }
}

async function prepare(
  context: CliContext,
  config: Config,
  mode: ResolvedMode,
  args: readonly string[],
  open: (runtime: Runtime) => Promise<LaunchSession | undefined> = (runtime) =>
    openRunSession(context, config, mode, runtime),
): Promise<{ spec: SandboxSpec; runtime: Runtime; session?: LaunchSession }> {
  const viaHub = context.options.viaHub ?? mode.viaHub;
  const hub = viaHub ? { url: await hubUrlFor(context, mode), openSession: open } : undefined;
  return prepareLaunch(
    {
      paths: context.paths,
      runtime: context.options.runtime,
      workspace: realpathSync(process.cwd()),
      hostEnv: process.env,
      onWarning: warn,
      ...(hub === undefined ? {} : { hub }),
    },
    config,
    mode,
    args,
  );
}

/**
 * The home's hub, started in the background (with one line saying so) when none answers. Refused
 * first, as a launch without the hub would be, when the hub has no key for the mode's provider:
 * it would answer each request 503, which Claude Code retries for minutes in silence.
 */
async function hubUrlFor(context: CliContext, mode: ResolvedMode): Promise<string> {
  const { ensureHub, recordedHub } = await import("../hub/local-hub.ts");
  const before = recordedHub(context.paths);
  requireHubCredential(context.paths, mode, before);
  // Socket activation: the launch goes on while the hub loads; should the hub die at start, one line says so.
  const { hub, started } = await ensureHub({
    paths: context.paths,
    activate: context.config().config.server,
    onLateFailure: (line) => warn(line),
  });
  // Another launch may have started a hub meanwhile, with its own environment.
  if (!started && hub.pid !== before?.pid) requireHubCredential(context.paths, mode, hub);
  if (started) process.stderr.write(`ai-orchestrator: started the hub at ${hub.url} (pid ${hub.pid})\n`);
  return hub.url;
}

/**
 * Whether the hub can reach the mode's provider, told without asking it (it may still be loading):
 * a hub started by this launch has this environment; a running one recorded the names of its
 * variables; both read the home's stored keys.
 */
function requireHubCredential(paths: Paths, mode: ResolvedMode, hub: LocalHub | undefined): void {
  // No hub yet: the one this launch starts inherits this environment.
  if (hub === undefined) {
    requireCredential(mode.provider, paths, process.env);
    return;
  }
  // Started by an older version, which recorded no names: it cannot be told.
  if (hub.envNames === undefined) return;
  const hubEnv = Object.fromEntries(hub.envNames.map((name) => [name, "set"]));
  if (findCredential(mode.provider, paths, hubEnv) !== undefined) return;
  requireCredential(mode.provider, paths, process.env);
  throw new AppError(
    "credential",
    `the running hub (pid ${hub.pid}) was started without ${mode.provider.credentialEnv.join(" or ")}: run \`ai-orchestrator login ${mode.provider.id}\` (the hub reads stored keys when it needs them), or \`ai-orchestrator hub stop\` and launch again to start it with this environment`,
  );
}

/** The run's session token; none for a run into a persistent session holding its own. */
async function openRunSession(
  context: CliContext,
  config: Config,
  mode: ResolvedMode,
  runtime: Runtime,
): Promise<HubSession | undefined> {
  if (runtime.name === "docker") {
    const { runsInHubSession } = await import("./persistent-session.ts");
    if (await runsInHubSession(context, config, mode, runtime.sessions)) return undefined;
  }
  return openSession(context, config, mode, runtime.name);
}

/** A session token for this run, bound to the mode and its provider chain: the sandbox's only credential. */
async function openSession(
  context: CliContext,
  config: Config,
  mode: ResolvedMode,
  runtime: string,
): Promise<HubSession> {
  const [{ openHubSession }, { logger }] = await Promise.all([
    import("../hub/session-tokens.ts"),
    import("../observability/logger.ts"),
  ]);
  return openHubSession({ config, paths: context.paths, mode, runtime, logger: logger(), onWarning: warn });
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
    docker: config.docker,
    onWarning: warn,
  });
  const sessions = runtime.sessions;
  if (!sessions) {
    throw new AppError(
      "usage",
      `\`${mode.name} ${action}\`: persistent sessions need \`--runtime docker\`; the ${runtime.name} runtime runs one session per launch (\`ai-orchestrator ${mode.name} -- ${action}\` passes "${action}" to the assistant)`,
    );
  }
  const { startSession, stopSession, sessionStatus } = await import("./persistent-session.ts");
  const session = {
    context,
    config,
    mode,
    sessions,
    viaHub: context.options.viaHub ?? mode.viaHub,
    prepare: (open: (runtime: Runtime) => Promise<LaunchSession>) => prepare(context, config, mode, [], open),
    onWarning: warn,
  };
  switch (action) {
    case "start":
      printSession(await startSession(session));
      return 0;
    case "restart":
      await stopSession(session);
      printSession(await startSession(session));
      return 0;
    case "stop":
      printSession(await stopSession(session));
      return 0;
    case "status": {
      const status = await sessionStatus(session);
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
  process.stdout.write(`${status.mode}: ${status.state}${since}${detail}\n`);
}

/**
 * `claude --resume <id>`, as Claude Code prints it on exit, names the claude mode even for a glm or
 * kimi session: the session is resumed in the one Claude Code mode whose state holds it, saying so.
 */
async function modeOfResumedSession(
  paths: Paths,
  config: Config,
  mode: ResolvedMode,
  args: readonly string[],
): Promise<ResolvedMode> {
  if (mode.cli !== "claude" || !args.some((word) => word === "-r" || word.startsWith("--resume")))
    return mode;
  const { holdsSession, resumedSession } = await import("../sandbox/resume.ts");
  const id = resumedSession(args);
  if (id === undefined || holdsSession(modeStateDir(paths, mode.name), id)) return mode;
  const owners = modeNames(config).filter(
    (name) => name !== mode.name && holdsSession(modeStateDir(paths, name), id),
  );
  const owner = owners.length === 1 && owners[0] !== undefined ? resolveMode(config, owners[0]) : undefined;
  if (owner?.cli !== "claude") return mode;
  warn(`session ${id} belongs to mode ${owner.name}: resuming it there`);
  return owner;
}

function isLifecycle(word: string): word is LifecycleAction {
  return (LIFECYCLE as readonly string[]).includes(word);
}

function warn(line: string): void {
  process.stderr.write(`ai-orchestrator: warning: ${line}\n`);
}
