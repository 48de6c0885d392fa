// Child processes of the gateway benchmark: start a server with its output in a log file, wait
// until it says where it listens, measure its resident memory and CPU time, and stop it.
import { type ChildProcess, fork, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type LoadJob, type LoadResult, loadResultSchema } from "./protocol.ts";

export interface ServerProcess {
  child: ChildProcess;
  /** Base URL the server listens on, e.g. `http://127.0.0.1:41234`. */
  url: string;
  logFile: string;
}

export interface ServerStart {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** Finds the base URL in the output so far, or undefined while the server is not ready. */
  ready: (output: string) => string | undefined;
  timeoutMs?: number;
}

const tail = (text: string): string => text.trim().split("\n").slice(-5).join(" | ");

/**
 * Output goes to a file rather than a pipe: a server that logs every request then costs the
 * benchmark nothing, and the log stays behind when something goes wrong.
 */
export async function startServer(start: ServerStart): Promise<ServerProcess> {
  const log = openSync(start.logFile, "w");
  const child = spawn(process.execPath, start.args, {
    cwd: start.cwd,
    env: start.env ?? process.env,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  let exited: string | undefined;
  child.once("exit", (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  const deadline = Date.now() + (start.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    const output = readFileSync(start.logFile, "utf8");
    const url = start.ready(output);
    if (url !== undefined) return { child, url, logFile: start.logFile };
    if (exited !== undefined) throw new Error(`${start.name} ${exited}: ${tail(output)}`);
    await sleep(25);
  }
  child.kill("SIGKILL");
  throw new Error(
    `${start.name} did not start within ${start.timeoutMs ?? 30_000} ms (log: ${start.logFile})`,
  );
}

/** Reads `listening on http://HOST:PORT`, the line the upstream and the hub print once ready. */
export function listeningLine(output: string): string | undefined {
  return /^listening on (http:\/\/\S+)$/m.exec(output)?.[1];
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no free TCP port on 127.0.0.1");
  return address.port;
}

/** Resident set size in MB, as `ps` reports it (Linux and macOS). */
export function residentMegabytes(pid: number): number {
  const result = spawnSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" });
  return Number(result.stdout.trim()) / 1024;
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 on every Linux build in use). */
const clockTicks = (): number => {
  const result = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const ticks = Number(result.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
};
let ticksPerSecond: number | undefined;

/**
 * CPU time the process has used so far, user plus system, in ms (utime and stime of
 * /proc/PID/stat, at the clock-tick resolution of 10 ms); undefined where there is no /proc.
 * Unlike throughput it hardly moves with the machine's load: a busy machine delays a process, it
 * does not make its work cost more.
 */
export function cpuMilliseconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  ticksPerSecond ??= clockTicks();
  return Number.isFinite(ticks) ? (ticks * 1000) / ticksPerSecond : undefined;
}

export async function stopServer(server: ServerProcess): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exit = once(child, "exit");
  child.kill("SIGTERM");
  const killed = await Promise.race([exit.then(() => true), sleep(5_000).then(() => false)]);
  if (!killed) child.kill("SIGKILL");
}

export interface LoadGenerator {
  /** The generator's process, for reading its CPU time. */
  pid: number | undefined;
  run: (job: LoadJob) => Promise<LoadResult>;
  close: () => void;
}

/** The load generator (load-generator.ts) as a child process, one job at a time. */
export function startLoadGenerator(): LoadGenerator {
  const child: ChildProcess = fork(join(import.meta.dirname, "load-generator.ts"), {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  // One job at a time: its answer, or the generator's death, settles it.
  let pending: { resolve: (result: LoadResult) => void; reject: (error: Error) => void } | undefined;
  child.on("message", (message: unknown) => pending?.resolve(loadResultSchema.parse(message)));
  child.on("exit", (code) => pending?.reject(new Error(`the load generator exited with ${code}`)));
  return {
    pid: child.pid,
    run: (job) =>
      new Promise((resolve, reject) => {
        pending = { resolve, reject };
        child.send(job);
      }),
    close: () => child.disconnect(),
  };
}
