// The `docker` runtime: each mode runs in its own container per workspace, built from the sandbox
// image, with only that mode's state root (as HOME) and the workspace mounted, a read-only root, no
// capabilities, resource limits, and the credential delivered over stdin into a private tmpfs, so it
// appears neither on a command line nor in `docker inspect`.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { modeStateDir, type Paths } from "../config/paths.ts";
import type { DockerConfig } from "../config/schema/docker.ts";
import { AppError } from "../errors.ts";
import { seedState } from "../sandbox/seed-state.ts";
import type { SandboxSpec } from "../sandbox/spec.ts";
import { runChild } from "./child.ts";
import {
  assistantCommand,
  CONTAINER_WORKSPACE,
  type ContainerKind,
  type ContainerUser,
  type CreateOptions,
  containerEnv,
  createArgs,
  execEnvArgs,
  execProgram,
  LABEL,
  ONESHOT_PROGRAM,
  ONESHOT_READY,
  oneshotName,
  SESSION_PROGRAM,
  STORE_SECRETS_PROGRAM,
  secretsText,
  sessionName,
  signalProgram,
  unreachableEndpoint,
} from "./docker-container.ts";
import {
  type ContainerInspect,
  clientEnv,
  containersLabelled,
  type Engine,
  engine,
  engineVersion,
  firstLine,
  inspectContainer,
} from "./docker-engine.ts";
import { imageStatus, LABEL_PREFIX, rebuildReason } from "./docker-image.ts";
import { ensureStateRoot } from "./process.ts";
import type {
  Availability,
  RunOptions,
  RunResult,
  Runtime,
  SessionManager,
  SessionStatus,
} from "./runtime.ts";

export interface DockerRuntimeOptions {
  config: DockerConfig;
  paths: Paths;
  /** The workspace `<mode> stop|status|logs` act on; default: the current directory. */
  workspace?: string;
  /** Who owns what the sandbox writes; default: the user running ai-orchestrator. */
  user?: ContainerUser;
  /** What runs in the container in place of the assistant; default: the mode's CLI with the spec's args. */
  command?: (spec: SandboxSpec) => readonly string[];
}

/** A session as `ai-orchestrator status` lists it. */
export interface DockerSessionStatus extends SessionStatus {
  container: string;
  kind: ContainerKind;
  workspace: string;
}

export interface DockerSessions extends SessionManager {
  list(): Promise<DockerSessionStatus[]>;
  logs(mode: string): Promise<string>;
}

export interface DockerRuntime extends Runtime {
  readonly sessions: DockerSessions;
}

export function dockerRuntime(options: DockerRuntimeOptions): DockerRuntime {
  const target = engine(options.config.cli);
  const user = options.user ?? currentUser();
  const home = options.paths.home;
  const workspace = () => options.workspace ?? realpathSync(process.cwd());
  const nameFor = (mode: string) => sessionName(mode, modeStateDir(options.paths, mode), workspace());
  const createOptions = (name: string, kind: ContainerKind): CreateOptions => ({
    name,
    kind,
    config: options.config,
    user,
    home,
    attach: kind === "session" ? ["--detach"] : ["--interactive", "--rm"],
  });

  const probe = async (): Promise<Availability> => {
    const version = await engineVersion(target);
    if (!version.ok) return { available: false, reason: version.reason };
    const network = await networkProblem(target, options.config.network);
    if (network) return { available: false, reason: network };
    const status = await imageStatus(target, options.config.image);
    if (!status.present) {
      return {
        available: false,
        reason: `image ${options.config.image} is not built: run \`ai-orchestrator image build\``,
      };
    }
    // An image without our labels was not built by `image build` and may hold no assistant at all.
    if (status.components.every((entry) => entry.found === undefined)) {
      return {
        available: false,
        reason: `image ${options.config.image} is not an ai-orchestrator sandbox image (no ${LABEL_PREFIX}* labels): run \`ai-orchestrator image build\` or set docker.image in config.yaml`,
      };
    }
    const stale = rebuildReason(status);
    const rebuild = stale ? `rebuild due: ${stale}; run \`ai-orchestrator image build\`` : undefined;
    return {
      available: true,
      detail: `${options.config.cli} engine ${version.version}, image ${options.config.image}${rebuild ? ` (${rebuild})` : ""}`,
      ...(rebuild ? { warning: `image ${options.config.image}: ${rebuild}` } : {}),
    };
  };

  const command = options.command ?? assistantCommand;
  const refusal = (spec: SandboxSpec) => unreachableEndpoint(spec, options.config.network);
  const refuse = (spec: SandboxSpec) => {
    const reason = refusal(spec);
    if (reason) throw new AppError("config", reason);
  };
  const join = async (spec: SandboxSpec, runOptions: RunOptions): Promise<RunResult | undefined> => {
    refuse(spec);
    prepareState(spec);
    const session = sessionName(spec.mode, spec.stateRoot, spec.workspace);
    const existing = await ownContainer(target, session, home);
    if (!existing?.State.Running) return undefined;
    return execAssistant(target, session, spec, command(spec), runOptions);
  };
  const run = async (spec: SandboxSpec, runOptions: RunOptions): Promise<RunResult> => {
    const joined = await join(spec, runOptions);
    if (joined) return joined;
    const session = sessionName(spec.mode, spec.stateRoot, spec.workspace);
    const oneshot = await startOneshot(target, spec, createOptions(oneshotName(session, nonce()), "oneshot"));
    try {
      return await execAssistant(target, oneshot.name, spec, command(spec), runOptions);
    } finally {
      await oneshot.finish();
    }
  };

  const status = async (mode: string): Promise<SessionStatus> => {
    const inspected = await ownContainer(target, nameFor(mode), home, { refuseForeign: true });
    if (!inspected) return { mode, state: "stopped", detail: "no session in this workspace" };
    return reportAndReap(target, describe(inspected, mode));
  };

  const sessions: DockerSessions = {
    start: async (spec) => {
      refuse(spec);
      prepareState(spec);
      const name = sessionName(spec.mode, spec.stateRoot, spec.workspace);
      const existing = await ownContainer(target, name, home, { refuseForeign: true });
      if (existing?.State.Running) {
        return { ...describe(existing, spec.mode), detail: `${name}, already running` };
      }
      if (existing) await target.run(["rm", "--force", name]);
      const created = await target.run([
        ...createArgs(spec, createOptions(name, "session")),
        ...SESSION_PROGRAM,
        spec.mode,
      ]);
      if (created.code !== 0)
        throw startFailure(created.stderr, options.config.image, spec.mode, created.code);
      const stored = await target.run(["exec", "--interactive", name, ...STORE_SECRETS_PROGRAM], {
        input: secretsText(containerEnv(spec).secret),
      });
      if (stored.code !== 0) {
        await target.run(["rm", "--force", name]);
        throw new AppError(
          "runtime",
          `starting the ${spec.mode} session failed: ${firstLine(stored.stderr)}`,
        );
      }
      const started = await inspectContainer(target, name);
      if (!started) throw new AppError("runtime", `the ${spec.mode} session ended as soon as it started`);
      return describe(started, spec.mode);
    },
    stop: async (mode) => {
      const name = nameFor(mode);
      const inspected = await ownContainer(target, name, home, { refuseForeign: true });
      if (!inspected) return { mode, state: "stopped", detail: "no session was running" };
      await target.check(["rm", "--force", name], `stopping the ${mode} session`);
      const before = describe(inspected, mode);
      return {
        mode,
        state: "stopped",
        detail:
          before.state === "running" ? `removed ${name}` : `removed ${name}, which had ${before.detail}`,
      };
    },
    status,
    join,
    list: async () => {
      const found = await containersLabelled(target, { [LABEL.managed]: "true", [LABEL.home]: home });
      const listed: DockerSessionStatus[] = [];
      for (const inspected of found) {
        listed.push(
          await reportAndReap(target, describe(inspected, inspected.Config.Labels[LABEL.mode] ?? "?")),
        );
      }
      return listed.sort((left, right) => left.mode.localeCompare(right.mode));
    },
    logs: async (mode) => {
      const name = nameFor(mode);
      await ownContainer(target, name, home, { refuseForeign: true });
      const result = await target.run(["logs", "--timestamps", name]);
      if (result.code !== 0) {
        throw new AppError(
          "not_found",
          `no ${mode} session in ${workspace()}: start one with \`ai-orchestrator ${mode} start\``,
        );
      }
      return result.stdout + result.stderr;
    },
  };

  return { name: "docker", probe, refusal, run, sessions };
}

/**
 * The container of that name if this ai-orchestrator home created it. Names can be taken by
 * anyone: one without our labels is never exec'd into, stopped or removed. A run passes it by
 * (its one-shot container has another name); session commands refuse with how to free the name.
 */
async function ownContainer(
  target: Engine,
  name: string,
  home: string,
  options: { refuseForeign?: boolean } = {},
): Promise<ContainerInspect | undefined> {
  const inspected = await inspectContainer(target, name);
  if (!inspected) return undefined;
  const labels = inspected.Config.Labels;
  if (labels[LABEL.managed] === "true" && labels[LABEL.home] === home) return inspected;
  if (!options.refuseForeign) return undefined;
  throw new AppError(
    "conflict",
    `a container named ${name} exists that this ai-orchestrator did not create, so it is left alone: remove or rename it (\`${target.cli} rm -f ${name}\`) to use this session`,
  );
}

/**
 * Why containers cannot join `network` on this engine, or undefined. Engines started without a
 * bridge (rootless setups, CI) have no `bridge` network to join.
 */
export async function networkProblem(target: Engine, network: string): Promise<string | undefined> {
  if (network === "host" || network === "none") return undefined;
  const result = await target.run(["network", "inspect", network]);
  if (result.code === 0) return undefined;
  return `the ${target.cli} engine has no network "${network}": set docker.network in config.yaml (host or none work everywhere)`;
}

function currentUser(): ContainerUser {
  if (typeof process.getuid !== "function" || typeof process.getgid !== "function") {
    throw new AppError(
      "unavailable",
      "the docker runtime maps the container user to yours, which needs a POSIX system",
    );
  }
  return { uid: process.getuid(), gid: process.getgid() };
}

/**
 * The state root exists (it is a mount source), and is seeded for the path the assistant sees
 * the workspace at, besides the host path the launcher seeded.
 */
function prepareState(spec: SandboxSpec): void {
  ensureStateRoot(spec);
  seedState({ ...spec, workspace: CONTAINER_WORKSPACE });
}

/** The engine's refusal to start a container, in words a person can act on. */
function startFailure(stderr: string, image: string, mode: string, code: number): AppError {
  if (/no such image|image not known|unable to find image/i.test(stderr)) {
    return new AppError("unavailable", `image ${image} is not built: run \`ai-orchestrator image build\``);
  }
  return new AppError(
    "runtime",
    `the ${mode} container did not start: ${firstLine(stderr) || `exit code ${code}`}`,
  );
}

function nonce(): string {
  return randomBytes(4).toString("hex");
}

function describe(inspected: ContainerInspect, mode: string): DockerSessionStatus {
  const container = inspected.Name.replace(/^\//, "");
  const kind: ContainerKind = inspected.Config.Labels[LABEL.kind] === "oneshot" ? "oneshot" : "session";
  const workspace = inspected.Config.Labels[LABEL.workspace] ?? "";
  if (inspected.State.Running) {
    return {
      mode,
      state: "running",
      startedAt: new Date(inspected.State.StartedAt),
      detail: kind === "oneshot" ? `${container}, one-shot run` : container,
      container,
      kind,
      workspace,
    };
  }
  return { mode, state: "exited", detail: exitReason(inspected), container, kind, workspace };
}

/** Our own stop removes a container, so one found exited died by other hands: say how. */
function exitReason(inspected: ContainerInspect): string {
  if (inspected.State.OOMKilled) return "killed: out of memory";
  if (inspected.State.Status === "created") return "never started";
  const code = inspected.State.ExitCode;
  if (code === 137) return "killed";
  if (code > 128 && code < 160) return `killed by signal ${code - 128}`;
  return `exit code ${code}`;
}

/** Reports a dead container once, then removes it, so the next status and start begin clean. */
async function reportAndReap<Status extends DockerSessionStatus>(
  target: Engine,
  status: Status,
): Promise<Status> {
  if (status.state === "exited") await target.run(["rm", "--force", status.container]);
  return status;
}

interface Oneshot {
  name: string;
  /** Closes the container's stdin: it stops and removes itself; resolves once it is gone. */
  finish(): Promise<void>;
}

async function startOneshot(target: Engine, spec: SandboxSpec, options: CreateOptions): Promise<Oneshot> {
  const args = [...createArgs(spec, options), ...ONESHOT_PROGRAM];
  const child = spawn(target.cli, args, { env: clientEnv(), stdio: ["pipe", "pipe", "pipe"] });
  const closed = new Promise<number>((resolve) => {
    child.on("close", (code) => resolve(code ?? 1));
  });
  const secrets = Buffer.from(secretsText(containerEnv(spec).secret));
  child.stdin.on("error", () => {});
  child.stdin.write(`${secrets.length}\n`);
  child.stdin.write(secrets);
  await waitUntilReady(child, closed, (stderr, code) =>
    startFailure(stderr, options.config.image, spec.mode, code),
  );
  return {
    name: options.name,
    finish: async () => {
      child.stdin.end();
      await closed;
    },
  };
}

function waitUntilReady(
  child: ChildProcess,
  closed: Promise<number>,
  failure: (stderr: string, code: number) => AppError,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const onStdout = (chunk: string) => {
      stdout += chunk;
      if (stdout.split("\n").includes(ONESHOT_READY)) {
        child.stdout?.off("data", onStdout);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.setEncoding("utf8").on("data", onStdout);
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error) =>
      reject(new AppError("unavailable", `cannot run the container engine: ${error.message}`)),
    );
    void closed.then((code) => reject(failure(stderr, code)));
  });
}

function execAssistant(
  target: Engine,
  container: string,
  spec: SandboxSpec,
  command: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const runId = nonce();
  const interactive = options.stdio === "inherit";
  const tty = interactive && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const args = [
    "exec",
    ...(interactive ? ["--interactive"] : []),
    ...(tty ? ["--tty"] : []),
    "--workdir",
    CONTAINER_WORKSPACE,
    ...execEnvArgs(spec),
    container,
    ...execProgram(runId, command),
  ];
  return runChild({ executable: target.cli, args, env: clientEnv(), cwd: spec.workspace }, options, {
    // The exec client forwards no signal: deliver it to the assistant's pid inside the container.
    signalTarget: (_child, signal) => {
      void target.run(["exec", container, ...signalProgram(runId, signal)]);
    },
  });
}
