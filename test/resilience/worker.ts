// Starts breaker-process.ts children and talks to them; see that file.
import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import type { WorkerOptions, WorkerReply, WorkerRequest } from "./breaker-process.ts";

type RequestBody = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, "id"> : never) : never;

export interface Worker {
  child: ChildProcess;
  /** Everything the child logged (pino JSON lines on stderr). */
  stderr(): string;
  send(request: RequestBody): Promise<WorkerReply>;
  /** Resolves once the child reports that it is ready. */
  ready: Promise<WorkerReply>;
  stop(): Promise<void>;
}

export function startWorker(options: WorkerOptions): Worker {
  const child = fork(join(import.meta.dirname, "breaker-process.ts"), [JSON.stringify(options)], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const waiting = new Map<number, (reply: WorkerReply) => void>();
  let nextId = 1;
  let resolveReady: (reply: WorkerReply) => void = () => {};
  let rejectReady: (error: Error) => void = () => {};
  const ready = new Promise<WorkerReply>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  child.on("message", (message: WorkerReply) => {
    if (message.id === 0) resolveReady(message);
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  });
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      rejectReady(new Error(`worker exited (${code ?? signal}) before it was ready:\n${stderr}`));
      for (const [id, settle] of waiting) {
        waiting.delete(id);
        settle({
          id,
          outcome: "failed",
          message: "worker exited",
          breaker: "unknown",
          sharing: "unknown",
          retryAfterMs: undefined,
        });
      }
      resolve();
    }),
  );
  return {
    child,
    ready,
    stderr: () => stderr,
    send(request) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (!child.connected) {
          reject(new Error("worker has exited"));
          return;
        }
        waiting.set(id, resolve);
        child.send({ ...request, id });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        if (child.connected) child.disconnect();
        const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
