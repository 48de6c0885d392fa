// The `process` runtime: the assistant as a plain child process with exactly the spec's
// environment, its state root as HOME and the workspace as its directory. It seals the
// environment and the state, not the filesystem; it runs wherever Node runs (Linux, macOS).
import { mkdirSync } from "node:fs";
import { flushCompileCache } from "node:module";
import { AppError } from "../errors.ts";
import type { SandboxSpec } from "../sandbox/spec.ts";
import type { ChildCommand } from "./child.ts";
import type { CliLocator } from "./locate-cli.ts";
import type { RunOptions, RunResult, Runtime } from "./runtime.ts";

export interface ProcessRuntimeOptions {
  locate: CliLocator;
}

/** The spec's environment plus the two variables each runtime sets for itself. */
export function sandboxEnv(spec: SandboxSpec): Record<string, string> {
  return { ...spec.env, HOME: spec.stateRoot, PWD: spec.workspace };
}

/** HOME must exist before the assistant starts, seeded or not; private like everything of a mode. */
export function ensureStateRoot(spec: SandboxSpec): void {
  mkdirSync(spec.stateRoot, { recursive: true, mode: 0o700 });
}

export function processRuntime(options: ProcessRuntimeOptions): Runtime {
  const commandFor = (spec: SandboxSpec): ChildCommand => {
    const refusal = hiddenRefusal(spec);
    if (refusal) throw new AppError("usage", refusal);
    const located = options.locate(spec.cli);
    ensureStateRoot(spec);
    return {
      executable: located.executable,
      args: [...located.leadingArgs, ...spec.args],
      env: sandboxEnv(spec),
      cwd: spec.workspace,
    };
  };
  const execve = process.execve?.bind(process);
  return {
    name: "process",
    probe: async () => ({
      available: true,
      detail: "scrubbed child process (environment and HOME sealed, filesystem shared)",
    }),
    refusal: hiddenRefusal,
    // The child-process machinery loads only for a run: a launch that replaces itself never needs it.
    run: async (spec: SandboxSpec, runOptions: RunOptions): Promise<RunResult> => {
      const command = commandFor(spec);
      const { runChild } = await import("./child.ts");
      return runChild(command, runOptions);
    },
    replace: execve
      ? (spec: SandboxSpec): never => {
          const command = commandFor(spec);
          process.chdir(command.cwd);
          // Node writes its compile cache at exit, which an execve skips: the next launch would compile again.
          flushCompileCache();
          try {
            return execve(command.executable, [command.executable, ...command.args], command.env);
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            throw new AppError("runtime", `cannot start ${command.executable}: ${reason}`);
          }
        }
      : undefined,
  };
}

/** A plain child process sees the whole filesystem: what the spec says to hide, it cannot. */
function hiddenRefusal(spec: SandboxSpec): string | undefined {
  const hidden = spec.hidden?.[0];
  if (hidden === undefined) return undefined;
  return `the workspace ${spec.workspace} holds ai-orchestrator's home ${hidden} (every key and every mode's state), which the process runtime cannot hide from the assistant: run from a project directory, or use \`--runtime bwrap\` or \`--runtime docker\`, which mask it`;
}
