// The home's own background hub: one `serve` process per orchestrator home, started detached, its
// pid and URL in run/hub.json and its output in run/hub.log. A start takes run/hub.lock (created
// with O_EXCL) so two launches at the same instant start one hub. A launch starts it by socket
// activation: it binds the hub's socket itself and hands it over, so it need not wait for the hub to load.
import { type ChildProcess, spawn } from "node:child_process";
import {
  closeSync,
  type FSWatcher,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  watch,
  writeFileSync,
} from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Paths } from "../config/paths.ts";
import { errnoCode } from "../errno.ts";
import { AppError } from "../errors.ts";
import { isLoopback } from "../server/listen.ts";
import { leanHubStart } from "./hub-process.ts";

export interface LocalHub {
  pid: number;
  url: string;
  startedAt: string;
  /**
   * The names (never the values) of the variables set in the environment the hub was started with:
   * a launcher tells from them, and the stored keys, whether the hub has a provider's key. Absent
   * in a state written by an older version.
   */
  envNames?: readonly string[];
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
  /**
   * The address the hub is configured to listen on (config.server). On a loopback address without
   * TLS the start binds it here and hands the socket to the hub: it returns before the hub has loaded,
   * and connections made meanwhile wait in the socket's backlog until the hub answers them.
   */
  activate?: { host: string; port: number; tls?: unknown };
  /** Told, in one line, of an activated hub that exits before it listens (after the start returned). */
  onLateFailure?: (line: string) => void;
}

/** Set in an activated hub's environment: it asks its parent for the socket over IPC. */
export const SOCKET_FROM_PARENT_ENV = "AI_ORCHESTRATOR_SOCKET_FROM_PARENT";
/**
 * The activation's exchange over IPC: the hub asks (`ASK_SOCKET`) once loaded; the launcher sends
 * the listening socket (`HANDED_SOCKET`), then each client it accepted meanwhile (`HANDED_CLIENT`),
 * then `HANDED_ALL`; the hub says `{ listening: url }` once it serves.
 */
export const ASK_SOCKET = "socket?";
export const HANDED_SOCKET = "listen";
export const HANDED_CLIENT = "client";
export const HANDED_ALL = "done";

const START_TIMEOUT_MS = 20_000;
// How often a wait looks again when nothing woke it (the log watcher wakes the start at once).
const POLL_MS = 25;

/**
 * The running hub of this home, if its process lives and answers /healthz within `waitMs`. An
 * activated hub that is still loading holds its socket already: the request waits for it.
 */
export async function runningHub(paths: Paths, waitMs = 2_000): Promise<LocalHub | undefined> {
  const hub = readState(localHubFiles(paths).state);
  if (hub === undefined || !isAlive(hub.pid)) return undefined;
  return (await answers(hub.url, waitMs)) ? hub : undefined;
}

/** The hub this home's state file names, if its process lives (not asked whether it answers: no wait). */
export function recordedHub(paths: Paths): LocalHub | undefined {
  const hub = readState(localHubFiles(paths).state);
  return hub !== undefined && isAlive(hub.pid) ? hub : undefined;
}

/** The home's hub, started if none runs; `started` says whether this call started it. */
export async function ensureHub(options: StartOptions): Promise<{ hub: LocalHub; started: boolean }> {
  const files = localHubFiles(options.paths);
  mkdirSync(options.paths.runDir, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + (options.timeoutMs ?? START_TIMEOUT_MS);
  while (Date.now() < deadline) {
    // A hub another launch is starting answers once it has loaded: waited for up to the deadline.
    const running = await runningHub(options.paths, Math.max(deadline - Date.now(), 1));
    if (running) return { hub: running, started: false };
    if (takeLock(files.lock)) {
      try {
        // Another start may have finished between the check above and taking the lock.
        const raced = await runningHub(options.paths, Math.max(deadline - Date.now(), 1));
        if (raced) return { hub: raced, started: false };
        const socket = options.activate && (await bindForActivation(options.activate));
        const hub = socket
          ? activateHub(options, files, socket, deadline)
          : await spawnHub(options, files, deadline);
        return { hub, started: true };
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

/**
 * Records a `serve` started by hand as the home's hub, unless a live one is recorded already (an
 * activated hub finds its own pid there): `--via-hub` launches, `hub status` and `hub stop` then use
 * it instead of starting a second one on its port. Returns what undoes it at exit. Best effort: a
 * home the hub cannot write (a read-only volume) leaves the hub serving, unrecorded.
 */
export function recordServingHub(
  paths: Paths,
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): () => void {
  const files = localHubFiles(paths);
  if (recordedHub(paths) !== undefined) return () => {};
  const hub = hubState({ paths, env }, process.pid, url);
  try {
    mkdirSync(paths.runDir, { recursive: true, mode: 0o700 });
    writeFileSync(files.state, `${JSON.stringify(hub)}\n`, { mode: 0o600 });
  } catch {
    return () => {};
  }
  return () => {
    if (readState(files.state)?.pid === process.pid) rmSync(files.state, { force: true });
  };
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

/**
 * The hub's socket, bound by the launcher; undefined where activation does not fit (TLS, a
 * non-loopback host) or the bind fails (the port is taken): the hub then binds and reports it itself.
 */
async function bindForActivation(
  address: NonNullable<StartOptions["activate"]>,
): Promise<Server | undefined> {
  if (address.tls !== undefined || !isLoopback(address.host)) return undefined;
  // This process's event loop accepts on the socket too until it is handed over: the clients it
  // accepts are kept unread (pauseOnConnect) and handed to the hub after the socket.
  const server = createServer({ pauseOnConnect: true });
  return new Promise((resolve) => {
    server.once("error", () => resolve(undefined));
    server.listen({ host: address.host.replace(/^\[|\]$/g, ""), port: address.port }, () => resolve(server));
  });
}

/**
 * Starts `serve` with the bound socket waiting for it, and returns at once: the hub asks for the
 * socket when it has loaded, and the socket is handed over then (the launcher runs the assistant
 * meanwhile, and stays alive at least until then). Should the hub exit before it listens, the socket
 * is closed (waiting clients are refused, not left hanging) and `onLateFailure` hears why.
 */
function activateHub(
  options: StartOptions,
  files: LocalHubFiles,
  socket: Server,
  deadline: number,
): LocalHub {
  const bound = socket.address();
  if (bound === null || typeof bound === "string") throw new Error("the hub's socket is not a TCP port");
  const host = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  const output = new LogTail(files.log, sizeOf(files.log));
  const child = spawnServe(options, files, ["--host", bound.address, "--port", String(bound.port)], true);
  if (child.pid === undefined) {
    // Spawning failed (the error event follows): said here, once.
    child.on("error", () => {});
    socket.close();
    throw new AppError(
      "unavailable",
      `the hub could not be started (${options.command?.executable ?? process.execPath})`,
    );
  }
  const hub = hubState(options, child.pid, `http://${host}:${bound.port}`);
  writeFileSync(files.state, `${JSON.stringify(hub)}\n`, { mode: 0o600 });
  const accepted: Socket[] = [];
  socket.on("connection", (client: Socket) => accepted.push(client));
  let settled = false;
  const settle = (failure?: string): void => {
    socket.close();
    if (failure !== undefined) for (const client of accepted.splice(0)) client.destroy();
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (failure === undefined) return;
    if (readState(files.state)?.pid === hub.pid) rmSync(files.state, { force: true });
    options.onLateFailure?.(`the hub exited at start (${failure}); see ${files.log}`);
  };
  // Bounded: a hub that never listens does not keep the launcher (or its socket) past the deadline.
  const timer = setTimeout(() => {
    child.kill("SIGTERM");
    settle("it did not listen in time");
  }, deadline - Date.now());
  timer.unref();
  child.on("message", (message: unknown) => {
    if (message === ASK_SOCKET) {
      child.send(HANDED_SOCKET, socket, () => {
        // The hub holds its own copy once sent (or never will): this one accepts no more.
        socket.close();
        for (const client of accepted.splice(0)) child.send(HANDED_CLIENT, client, () => {});
        child.send(HANDED_ALL, undefined, undefined, () => {});
      });
    } else if (typeof message === "object" && message !== null && "listening" in message) {
      settle();
    }
  });
  child.once("exit", (code, signal) => {
    settle(lastWords(output.read()) || `code ${code ?? signal}`);
  });
  child.unref();
  child.channel?.unref();
  return hub;
}

async function spawnHub(options: StartOptions, files: LocalHubFiles, deadline: number): Promise<LocalHub> {
  const output = new LogTail(files.log, sizeOf(files.log));
  const child = spawnServe(options, files, [], false);
  // Woken by each write to the log rather than by a timer alone: `listening on` is seen at once.
  const wake = new Wakeup();
  const watcher = watchLog(files.log, () => wake.now());
  try {
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
        const hub = hubState(options, child.pid, url);
        writeFileSync(files.state, `${JSON.stringify(hub)}\n`, { mode: 0o600 });
        return hub;
      }
      if (exited !== undefined) {
        throw new AppError(
          "unavailable",
          `the hub exited at start (${lastWords(text) || `code ${exited}`}); see ${files.log}`,
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

/** The hub's last line in its log (at start, its one error line), without the program's name before it. */
function lastWords(log: string): string {
  return (log.trim().split("\n").at(-1) ?? "").replace(/^ai-orchestrator: /, "");
}

function hubState(options: StartOptions, pid: number, url: string): LocalHub {
  const env = options.env ?? process.env;
  const envNames = Object.keys(env).filter((name) => env[name]?.trim());
  return { pid, url, startedAt: new Date().toISOString(), envNames };
}

/** `serve`, detached, its output appended to the log; `activated` opens the IPC channel for its socket. */
function spawnServe(
  options: StartOptions,
  files: LocalHubFiles,
  serveArgs: readonly string[],
  activated: boolean,
): ChildProcess {
  // Started lean from the first: bin/ would otherwise re-execute the hub's node to add them, and an
  // activated hub's IPC channel does not survive that.
  const given = options.command ?? {
    executable: process.execPath,
    args: [...process.execArgv, process.argv[1] ?? ""],
  };
  const lean = leanHubStart(given.args, options.env ?? process.env);
  const command = lean ? { ...given, args: [...lean.nodeArgs] } : given;
  const log = openSync(files.log, "a", 0o600);
  try {
    return spawn(
      command.executable,
      // A config file named on the launcher's command line is the hub's too; otherwise the hub finds
      // the home's own (or none: defaults apply) just as the launcher did.
      [
        ...command.args,
        ...(options.paths.configNamed ? ["--config", options.paths.configFile] : []),
        "serve",
        ...serveArgs,
      ],
      {
        detached: true,
        // Not the launcher's workspace: the hub outlives it and must not hold it open.
        cwd: options.paths.home,
        stdio: activated ? ["ignore", log, log, "ipc"] : ["ignore", log, log],
        env: {
          ...(lean?.env ?? options.env ?? process.env),
          AI_ORCHESTRATOR_HOME: options.paths.home,
          ...(activated ? { [SOCKET_FROM_PARENT_ENV]: "1" } : {}),
        },
      },
    );
  } finally {
    closeSync(log);
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
    if (errnoCode(error) !== "EEXIST") throw error;
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
      const envNames =
        "envNames" in value &&
        Array.isArray(value.envNames) &&
        value.envNames.every((name) => typeof name === "string")
          ? value.envNames.map(String)
          : undefined;
      return { pid: value.pid, url: value.url, startedAt, ...(envNames === undefined ? {} : { envNames }) };
    }
  } catch {
    // No hub, or a state file cut short: either way no hub is known.
  }
  return undefined;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
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
    return errnoCode(error) === "EPERM";
  }
  return processState(pid) !== "Z";
}

/** The state letter of /proc/<pid>/stat (R, S, Z…), or undefined where there is no /proc. */
function processState(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  // The command name in parentheses may itself hold spaces or parentheses: the state follows the last ')'.
  return stat === "" ? undefined : stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}

async function answers(url: string, waitMs: number): Promise<boolean> {
  try {
    const response = await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(waitMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
