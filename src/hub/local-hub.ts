// The home's own background hub: one `serve` process per orchestrator home, started detached, its
// pid and URL in run/hub.json and its output in run/hub.log. A start takes run/hub.lock (created
// with O_EXCL) so two launches at the same instant start one hub.
import { spawn } from "node:child_process";
import {
  closeSync,
  type FSWatcher,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  watch,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Paths } from "../config/paths.ts";
import { AppError } from "../errors.ts";

export interface LocalHub {
  pid: number;
  url: string;
  startedAt: string;
}

export interface LocalHubFiles {
  state: string;
  log: string;
  lock: string;
}

export function localHubFiles(paths: Paths): LocalHubFiles {
  return {
    state: join(paths.runDir, "hub.json"),
    log: join(paths.runDir, "hub.log"),
    lock: join(paths.runDir, "hub.lock"),
  };
}

export interface StartOptions {
  paths: Paths;
  /** The program that runs `serve`: node and the entry script this process was started with. */
  command?: { executable: string; args: readonly string[] };
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

const START_TIMEOUT_MS = 20_000;
// How often a wait looks again when nothing woke it (the log watcher wakes the start at once).
const POLL_MS = 25;

/** The running hub of this home, if its process lives and answers /healthz. */
export async function runningHub(paths: Paths): Promise<LocalHub | undefined> {
  const hub = readState(localHubFiles(paths).state);
  if (hub === undefined || !isAlive(hub.pid)) return undefined;
  return (await answers(hub.url)) ? hub : undefined;
}

/** The home's hub, started if none runs; `started` says whether this call started it. */
export async function ensureHub(options: StartOptions): Promise<{ hub: LocalHub; started: boolean }> {
  const files = localHubFiles(options.paths);
  mkdirSync(options.paths.runDir, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + (options.timeoutMs ?? START_TIMEOUT_MS);
  while (Date.now() < deadline) {
    const running = await runningHub(options.paths);
    if (running) return { hub: running, started: false };
    if (takeLock(files.lock)) {
      try {
        // Another start may have finished between the check above and taking the lock.
        const raced = await runningHub(options.paths);
        if (raced) return { hub: raced, started: false };
        return { hub: await spawnHub(options, files, deadline), started: true };
      } finally {
        rmSync(files.lock, { force: true });
      }
    }
    await sleep(POLL_MS);
  }
  throw new AppError(
    "unavailable",
    `the hub did not start in time; see ${files.log}, or run \`ai-orchestrator serve\` to see why`,
  );
}

/** Stops the home's hub (SIGTERM, then waits for it to exit); returns it, or undefined if none ran. */
export async function stopHub(paths: Paths, timeoutMs = 15_000): Promise<LocalHub | undefined> {
  const files = localHubFiles(paths);
  const hub = readState(files.state);
  if (hub === undefined || !isAlive(hub.pid)) {
    rmSync(files.state, { force: true });
    return undefined;
  }
  process.kill(hub.pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (isAlive(hub.pid)) {
    if (Date.now() > deadline) {
      process.kill(hub.pid, "SIGKILL");
      break;
    }
    await sleep(POLL_MS);
  }
  rmSync(files.state, { force: true });
  return hub;
}

async function spawnHub(options: StartOptions, files: LocalHubFiles, deadline: number): Promise<LocalHub> {
  const command = options.command ?? {
    executable: process.execPath,
    args: [...process.execArgv, process.argv[1] ?? ""],
  };
  const log = openSync(files.log, "a", 0o600);
  const output = new LogTail(files.log, fstatSync(log).size);
  // Woken by each write to the log rather than by a timer alone: `listening on` is seen at once.
  const wake = new Wakeup();
  const watcher = watchLog(files.log, () => wake.now());
  try {
    const child = spawn(
      command.executable,
      [...command.args, "--config", options.paths.configFile, "serve"],
      {
        detached: true,
        // Not the launcher's workspace: the hub outlives it and must not hold it open.
        cwd: options.paths.home,
        stdio: ["ignore", log, log],
        env: { ...(options.env ?? process.env), AI_ORCHESTRATOR_HOME: options.paths.home },
      },
    );
    closeSync(log);
    let exited: number | null | undefined;
    child.on("exit", (code) => {
      exited = code;
      wake.now();
    });
    child.unref();
    while (Date.now() < deadline) {
      const text = output.read();
      const url = /listening on (\S+)/.exec(text)?.[1];
      if (url !== undefined && child.pid !== undefined) {
        const hub = { pid: child.pid, url, startedAt: new Date().toISOString() };
        writeFileSync(files.state, `${JSON.stringify(hub)}\n`, { mode: 0o600 });
        return hub;
      }
      if (exited !== undefined) {
        const last = text.trim().split("\n").at(-1) ?? "";
        throw new AppError(
          "unavailable",
          `the hub exited at start (${last || `code ${exited}`}); see ${files.log}`,
        );
      }
      await wake.within(POLL_MS);
    }
    if (child.pid !== undefined && isAlive(child.pid)) process.kill(child.pid, "SIGTERM");
    throw new AppError("unavailable", `the hub did not say it was listening in time; see ${files.log}`);
  } finally {
    watcher?.close();
  }
}

/** What the hub wrote to its log since it was started: only the new bytes are read each time. */
class LogTail {
  readonly #file: string;
  #offset: number;
  #text = "";

  constructor(file: string, offset: number) {
    this.#file = file;
    this.#offset = offset;
  }

  read(): string {
    let fd: number;
    try {
      fd = openSync(this.#file, "r");
    } catch {
      return this.#text;
    }
    try {
      const chunk = Buffer.alloc(16_384);
      for (;;) {
        const count = readSync(fd, chunk, 0, chunk.length, this.#offset);
        if (count === 0) break;
        this.#offset += count;
        this.#text += chunk.toString("utf8", 0, count);
      }
    } finally {
      closeSync(fd);
    }
    return this.#text;
  }
}

/** A sleep that a file event or the child's exit cuts short. */
class Wakeup {
  #wake: (() => void) | undefined;
  #pending = false;

  now(): void {
    this.#pending = true;
    this.#wake?.();
  }

  async within(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
    this.#pending = false;
  }
}

/** Watches the log for writes; undefined where the platform cannot (the timer then suffices). */
function watchLog(file: string, onChange: () => void): FSWatcher | undefined {
  try {
    const watcher = watch(file, { persistent: false }, onChange);
    watcher.on("error", () => {});
    return watcher;
  } catch {
    return undefined;
  }
}

/** Creates the lock file exclusively; a lock left by a dead process is removed and taken. */
function takeLock(lock: string): boolean {
  try {
    writeFileSync(lock, String(process.pid), { flag: "wx", mode: 0o600 });
    return true;
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
  }
  const holder = Number(readText(lock));
  if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) return false;
  rmSync(lock, { force: true });
  return false;
}

function readState(file: string): LocalHub | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, "utf8"));
    if (
      typeof value === "object" &&
      value !== null &&
      "pid" in value &&
      typeof value.pid === "number" &&
      "url" in value &&
      typeof value.url === "string"
    ) {
      const startedAt = "startedAt" in value && typeof value.startedAt === "string" ? value.startedAt : "";
      return { pid: value.pid, url: value.url, startedAt };
    }
  } catch {
    // No hub, or a state file cut short: either way no hub is known.
  }
  return undefined;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/**
 * Whether the process runs. A process that has exited but is not yet reaped (a zombie: the hub's
 * parent, the launcher, is gone, and init reaps it when it gets to it) answers signal 0 like a
 * live one, so on Linux its state is read too: `hub stop` returns once the hub has exited.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
  return processState(pid) !== "Z";
}

/** The state letter of /proc/<pid>/stat (R, S, Z…), or undefined where there is no /proc. */
function processState(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  // The command name in parentheses may itself hold spaces or parentheses: the state follows the last ')'.
  return stat === "" ? undefined : stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
