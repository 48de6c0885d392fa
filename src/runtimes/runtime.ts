// A Runtime executes a SandboxSpec: the same spec runs as a scrubbed child process, under
// bubblewrap, or in a Docker container.
import type { SandboxSpec } from "../sandbox/spec.ts";

export type RuntimeName = "process" | "bwrap" | "docker";

export type Availability =
  | {
      available: true;
      detail: string;
      /** Usable, but something the person should fix (a sandbox image due for a rebuild). */
      warning?: string;
    }
  | { available: false; reason: string };

export interface RunOptions {
  /** "inherit" hands the terminal to the assistant; "pipe" is for tests and benchmarks. */
  stdio: "inherit" | "pipe";
  signal?: AbortSignal;
}

export interface RunResult {
  exitCode: number;
  signal: NodeJS.Signals | null;
  stdout?: string;
  stderr?: string;
}

export interface SessionStatus {
  mode: string;
  state: "running" | "stopped" | "exited";
  startedAt?: Date;
  detail?: string;
}

export interface Runtime {
  readonly name: RuntimeName;
  /** Whether this runtime can run here, and why not. */
  probe(): Promise<Availability>;
  /**
   * Why this runtime cannot run this spec as it should (a path it cannot hide, an endpoint its
   * network cannot reach), checked before anything starts; undefined when it can. `auto` passes
   * over a runtime that refuses; `run` and `start` throw the reason as an AppError.
   */
  refusal?(spec: SandboxSpec): string | undefined;
  /** Runs the assistant to completion with the spec's environment, HOME and workspace. */
  run(spec: SandboxSpec, options: RunOptions): Promise<RunResult>;
  /**
   * Becomes the assistant (execve) instead of running it as a child, with the terminal and nothing
   * left to do afterwards: no fork, and the launcher does not sit in memory while the assistant
   * runs. Only a runtime with nothing to supervise has it (process, where Node provides execve).
   */
  replace?(spec: SandboxSpec): never;
  /**
   * Persistent sessions (`<mode> start|stop|restart|status`). A runtime that cannot keep one
   * leaves this undefined, and the CLI says so.
   */
  readonly sessions?: SessionManager;
}

export interface SessionManager {
  start(spec: SandboxSpec): Promise<SessionStatus>;
  stop(mode: string): Promise<SessionStatus>;
  status(mode: string): Promise<SessionStatus>;
  list(): Promise<SessionStatus[]>;
  /**
   * Runs the assistant inside the mode's running session, with the credential the session holds;
   * undefined, with nothing started, when no session runs: the caller's spec may carry no credential
   * of its own, so this never falls back to a sandbox of its own as `run` does.
   */
  join(spec: SandboxSpec, options: RunOptions): Promise<RunResult | undefined>;
  /** The session's recent output, where the runtime keeps it. */
  logs?(mode: string): Promise<string>;
}
