// The sandbox spec and runtime of one launch, its state root seeded: what `ai-orchestrator <mode>`
// runs, and what the MCP `clink` tool runs, so both get the same runtime, isolation and credential.
import type { Paths } from "../config/paths.ts";
import type { Config, RuntimeChoice } from "../config/schema/index.ts";
import type { ResolvedMode } from "../modes/registry.ts";
import { type Credential, findCredential, requireCredential } from "../providers/credentials.ts";
import { providerIds, resolveProvider } from "../providers/registry.ts";
import { buildSandboxSpec } from "../sandbox/build-spec.ts";
import { seedState } from "../sandbox/seed-state.ts";
import type { SandboxSpec } from "../sandbox/spec.ts";
import { inspectWorkspace } from "../sandbox/workspace-check.ts";
import type { Runtime } from "./runtime.ts";
import { selectRuntime } from "./select.ts";

/** Where and how a launch runs: what `<mode> …` takes from the command line and the shell. */
export interface LaunchSetup {
  paths: Paths;
  /** `--runtime`; the mode's own runtime, then config.yaml's, when absent. */
  runtime: RuntimeChoice | undefined;
  workspace: string;
  hostEnv: NodeJS.ProcessEnv;
  onWarning: (line: string) => void;
}

export async function prepareLaunch(
  setup: LaunchSetup,
  config: Config,
  mode: ResolvedMode,
  args: readonly string[],
): Promise<{ spec: SandboxSpec; runtime: Runtime }> {
  const credential = requireCredential(mode.provider, setup.paths, setup.hostEnv);
  warnAboutSharedKey(config, setup, mode, credential);
  const spec = buildSandboxSpec(mode, credential, {
    args,
    workspace: setup.workspace,
    paths: setup.paths,
    hostEnv: setup.hostEnv,
  });
  for (const warning of inspectWorkspace(spec.workspace, spec.cli)) setup.onWarning(warning);
  const runtime = await selectRuntime(
    setup.runtime ?? mode.runtime,
    { paths: setup.paths, hostEnv: setup.hostEnv, docker: config.docker, onWarning: setup.onWarning },
    spec,
  );
  seedState(spec);
  return { spec, runtime };
}

/** One key serving two providers is how keys end up crossing: it works, but say so. */
function warnAboutSharedKey(
  config: Config,
  setup: LaunchSetup,
  mode: ResolvedMode,
  credential: Credential,
): void {
  for (const id of providerIds(config)) {
    if (id === mode.provider.id) continue;
    let other: Credential | undefined;
    try {
      other = findCredential(resolveProvider(config, id), setup.paths, setup.hostEnv);
    } catch {
      continue;
    }
    if (other?.value === credential.value) {
      setup.onWarning(
        `mode ${mode.name} uses the same key as provider ${id}: give each provider its own key with \`ai-orchestrator login ${mode.provider.id}\``,
      );
    }
  }
}
