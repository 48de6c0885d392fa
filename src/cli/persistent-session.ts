// `<mode> start|stop|status` for a persistent session and its hub session token: a session started
// through the hub holds a token of its own (persistent-session-tokens.ts), minted at start, renewed
// when a launcher touches the session, revoked at stop or when the container is found gone.
import { realpathSync } from "node:fs";
import { modeStateDir } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import type { PersistentTokenOptions } from "../hub/persistent-session-tokens.ts";
import type { ResolvedMode } from "../modes/registry.ts";
import type { LaunchSession } from "../runtimes/prepare-launch.ts";
import type { Runtime, SessionManager, SessionStatus } from "../runtimes/runtime.ts";
import type { SandboxSpec } from "../sandbox/spec.ts";
import type { CliContext } from "./context.ts";

export interface PersistentSession {
  context: CliContext;
  config: Config;
  mode: ResolvedMode;
  sessions: SessionManager;
  viaHub: boolean;
  /** The launch's spec, the hub session (when through the hub) opened by `open`. */
  prepare(open: (runtime: Runtime) => Promise<LaunchSession>): Promise<{ spec: SandboxSpec }>;
  onWarning(line: string): void;
}

export async function startSession(session: PersistentSession): Promise<SessionStatus> {
  const { sessions, mode } = session;
  const options = await tokenOptions(session);
  if (!session.viaHub) {
    const { spec } = await session.prepare(() => Promise.reject(new Error("not through the hub")));
    return sessions.start(spec);
  }
  const running = await sessions.status(mode.name);
  if (running.state === "running") {
    await renew(session, options);
    return { ...running, detail: `${running.detail ?? mode.name}, already running` };
  }
  // Left over from a session that ended without `stop` (the container removed by other hands).
  await revoke(options);
  const { mintPersistentToken } = await import("../hub/persistent-session-tokens.ts");
  let minted: Awaited<ReturnType<typeof mintPersistentToken>> | undefined;
  const { spec } = await session.prepare(async (runtime) => {
    minted = await mintPersistentToken({ ...options, mode, runtime: runtime.name });
    return minted;
  });
  try {
    const status = await sessions.start(spec);
    await minted?.keep();
    return status;
  } finally {
    // Revokes the token unless it was kept.
    await minted?.close();
  }
}

/** Stops the session and revokes its hub token, if it held one. */
export async function stopSession(session: PersistentSession): Promise<SessionStatus> {
  const options = await tokenOptions(session);
  const status = await session.sessions.stop(session.mode.name);
  await revoke(options);
  return status;
}

/** The session's state; a running session's token is renewed, a gone session's token revoked. */
export async function sessionStatus(session: PersistentSession): Promise<SessionStatus> {
  const options = await tokenOptions(session);
  const status = await session.sessions.status(session.mode.name);
  if (status.state === "running") await renew(session, options);
  else await revoke(options);
  return status;
}

/**
 * A run into a session in this workspace started through the hub keeps that session's token alive;
 * a run that finds that session's container gone revokes its token.
 * A run goes into the session with the credential the session was started with, so a run that does
 * not match it is refused: one not through the hub into a hub session would present the hub token
 * to the provider, one through the hub into a session holding the provider key would present that
 * key to the hub.
 */
export async function renewSessionOf(
  context: CliContext,
  config: Config,
  mode: ResolvedMode,
  run: { viaHub: boolean; sessions: SessionManager | undefined },
  onWarning: (line: string) => void,
): Promise<void> {
  const options = await sessionTokenOptions(context, config, mode);
  const { holdsPersistentToken } = await import("../hub/persistent-session-tokens.ts");
  if (!holdsPersistentToken(context.paths, options.container)) {
    if (run.viaHub && (await run.sessions?.status(mode.name))?.state === "running") {
      throw new AppError(
        "usage",
        `the ${mode.name} session in this workspace was started without the hub and holds the provider key: launch without \`--via-hub\`, or restart the session through the hub with \`ai-orchestrator --via-hub ${mode.name} restart\``,
      );
    }
    return;
  }
  // A container removed by other hands: its token is an orphan, and the run starts a sandbox of its own.
  if ((await run.sessions?.status(mode.name))?.state !== "running") {
    await revoke(options);
    return;
  }
  if (!run.viaHub) {
    throw new AppError(
      "usage",
      `the ${mode.name} session in this workspace runs through the hub: launch with \`--via-hub\` (or set modes.${mode.name}.viaHub: true), or stop the session with \`ai-orchestrator ${mode.name} stop\``,
    );
  }
  await renew({ mode, onWarning }, options);
}

/**
 * Whether a run through the hub goes into this workspace's session of `mode`, which holds a hub
 * token of its own: the run then needs none.
 */
export async function runsInHubSession(
  context: CliContext,
  config: Config,
  mode: ResolvedMode,
  sessions: SessionManager | undefined,
): Promise<boolean> {
  if (!sessions) return false;
  const options = await sessionTokenOptions(context, config, mode);
  const { holdsPersistentToken } = await import("../hub/persistent-session-tokens.ts");
  if (!holdsPersistentToken(context.paths, options.container)) return false;
  return (await sessions.status(mode.name)).state === "running";
}

function tokenOptions(session: PersistentSession): Promise<PersistentTokenOptions> {
  return sessionTokenOptions(session.context, session.config, session.mode);
}

/** Where the token of this workspace's session of `mode` is kept: its container's name. */
async function sessionTokenOptions(
  context: CliContext,
  config: Config,
  mode: ResolvedMode,
): Promise<PersistentTokenOptions> {
  const [{ sessionName }, { logger }] = await Promise.all([
    import("../runtimes/docker-container.ts"),
    import("../observability/logger.ts"),
  ]);
  const { paths } = context;
  return {
    config,
    paths,
    logger: logger(),
    container: sessionName(mode.name, modeStateDir(paths, mode.name), realpathSync(process.cwd())),
  };
}

async function renew(
  session: Pick<PersistentSession, "mode" | "onWarning">,
  options: PersistentTokenOptions,
): Promise<void> {
  const { renewPersistentToken } = await import("../hub/persistent-session-tokens.ts");
  if ((await renewPersistentToken(options)) === "lapsed") {
    session.onWarning(
      `the ${session.mode.name} session's hub token has expired or was revoked, so the hub refuses its assistant: run \`ai-orchestrator ${session.mode.name} restart\``,
    );
  }
}

async function revoke(options: PersistentTokenOptions): Promise<void> {
  const { revokePersistentToken } = await import("../hub/persistent-session-tokens.ts");
  await revokePersistentToken(options);
}
