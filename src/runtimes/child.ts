// Runs one sandboxed child to completion the way a shell would: the terminal handed over, the
// exit code passed back (128 + n for a death by signal n), and SIGINT/SIGTERM/SIGHUP sent to this
// process forwarded to the assistant.
import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import { AppError } from "../errors.ts";
import type { RunOptions, RunResult } from "./runtime.ts";

const FORWARDED: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
/** After an abort's SIGTERM, how long the child has to exit before its process group is killed. */
const ABORT_GRACE_MS = 5000;

export interface ChildCommand {
  executable: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** Extra descriptors after stdin/stdout/stderr (bwrap's info pipe). */
  extraPipes?: number;
}

export interface Supervision {
  /** Where a forwarded signal goes; defaults to the child itself. */
  signalTarget?: (child: ChildProcess, signal: NodeJS.Signals) => void;
  /** Called once the child is spawned, before it is awaited. */
  started?: (child: ChildProcess) => void;
}

export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal ? 128 + (constants.signals[signal] ?? 0) : 1;
}

export function runChild(
  command: ChildCommand,
  options: RunOptions,
  supervision: Supervision = {},
): Promise<RunResult> {
  const pipes = Array.from({ length: command.extraPipes ?? 0 }, () => "pipe" as const);
  const stdio =
    options.stdio === "inherit"
      ? (["inherit", "inherit", "inherit", ...pipes] as const)
      : (["ignore", "pipe", "pipe", ...pipes] as const);
  // Without a terminal the child leads a process group of its own, so an abort (a timeout, an MCP
  // cancellation) ends everything it started, not only the child itself.
  const ownGroup = options.stdio === "pipe";
  // Secrets ride in the environment only: argv is visible to every user in `ps`.
  const child = spawn(command.executable, [...command.args], {
    env: command.env,
    cwd: command.cwd,
    stdio: [...stdio],
    detached: ownGroup,
  });
  const forward =
    supervision.signalTarget ?? ((target: ChildProcess, signal: NodeJS.Signals) => target.kill(signal));
  // A terminal's Ctrl-C already reaches the child, which shares our foreground process group:
  // forwarding it too would deliver it twice (Claude Code exits on a double Ctrl-C).
  const terminalDelivers = options.stdio === "inherit" && process.stdin.isTTY === true;
  const handlers = FORWARDED.map((signal) => {
    const handler = () => {
      if (signal === "SIGINT" && terminalDelivers) return;
      forward(child, signal);
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  let killTimer: NodeJS.Timeout | undefined;
  const abort = () => {
    // The runtime's own way first, so the assistant can answer it (docker delivers it inside the
    // container); whatever of the group is still there after the grace period is killed.
    forward(child, "SIGTERM");
    const leader = child.pid;
    if (!ownGroup || leader === undefined) return;
    killTimer = setTimeout(() => signalGroup(leader, "SIGKILL"), ABORT_GRACE_MS);
  };
  options.signal?.addEventListener("abort", abort, { once: true });

  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  supervision.started?.(child);

  return new Promise((resolve, reject) => {
    const cleanup = () => {
      // The group may outlive its leader (a grandchild ignoring SIGTERM): the SIGKILL still comes.
      if (killTimer && child.pid !== undefined) {
        clearTimeout(killTimer);
        signalGroup(child.pid, "SIGKILL");
      }
      for (const remove of handlers) remove();
      options.signal?.removeEventListener("abort", abort);
    };
    child.on("error", (error) => {
      cleanup();
      reject(new AppError("runtime", `cannot start ${command.executable}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      cleanup();
      const result: RunResult = { exitCode: exitCodeOf(code, signal), signal };
      if (options.stdio === "pipe") {
        result.stdout = stdout;
        result.stderr = stderr;
      }
      resolve(result);
    });
  });
}

function signalGroup(leader: number, signal: NodeJS.Signals): void {
  if (leader <= 0) return;
  try {
    process.kill(-leader, signal);
  } catch {
    // ESRCH: the whole group has already exited.
  }
}
