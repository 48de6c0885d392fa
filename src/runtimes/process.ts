// The `process` runtime: the assistant as a plain child process with exactly the spec's
// environment, its state root as HOME and the workspace as its directory. It seals the
// environment and the state, not the filesystem; it runs wherever Node runs (Linux, macOS).
import { mkdirSync } from "node:fs";
import { AppError } from "../errors.ts";
import type { SandboxSpec } from "../sandbox/spec.ts";
import { runChild } from "./child.ts";
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
  return {
    name: "process",
    probe: async () => ({
      available: true,
      detail: "scrubbed child process (environment and HOME sealed, filesystem shared)",
    }),
    refusal: hiddenRefusal,
    run: (spec: SandboxSpec, runOptions: RunOptions): Promise<RunResult> => {
      const refusal = hiddenRefusal(spec);
      if (refusal) throw new AppError("usage", refusal);
      const located = options.locate(spec.cli);
      ensureStateRoot(spec);
      return runChild(
        {
          executable: located.executable,
          args: [...located.leadingArgs, ...spec.args],
          env: sandboxEnv(spec),
          cwd: spec.workspace,
        },
        runOptions,
      );
    },
  };
}

/** A plain child process sees the whole filesystem: what the spec says to hide, it cannot. */
function hiddenRefusal(spec: SandboxSpec): string | undefined {
  const hidden = spec.hidden?.[0];
  if (hidden === undefined) return undefined;
  return `the workspace ${spec.workspace} holds ai-orchestrator's home ${hidden} (every key and every mode's state), which the process runtime cannot hide from the assistant: run from a project directory, or use \`--runtime bwrap\` or \`--runtime docker\`, which mask it`;
}
