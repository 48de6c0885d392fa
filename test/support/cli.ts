// Runs the built ai-orchestrator command as a user would, in a throwaway home.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { scratchDirectory } from "./scratch.ts";

export const BIN = join(import.meta.dirname, "..", "..", "bin", "ai-orchestrator.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return runProgram(process.execPath, [BIN, ...args], options);
}

/** Runs any program to completion with piped output: the assistant CLIs themselves, for instance. */
export function runProgram(
  command: string,
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 120_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** A fresh AI_ORCHESTRATOR_HOME, removed when the test ends. */
export function temporaryHome(t: { after(fn: () => void): void }): string {
  return scratchDirectory(t, "aio-test-");
}
