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
  /**
   * Through the hub (`--via-hub`): the sandbox gets the hub's URL and a session token opened for the
   * chosen runtime instead of the provider key; none when the run uses a token held elsewhere (the
   * persistent session it goes into holds its own).
   */
  hub?: { url: string; openSession(runtime: Runtime): Promise<LaunchSession | undefined> };
}

/** A hub session token held for one run; closed (revoked) when the run ends. */
export interface LaunchSession {
  token: string;
  close(): Promise<void>;
}

export async function prepareLaunch(
  setup: LaunchSetup,
  config: Config,
  mode: ResolvedMode,
  args: readonly string[],
): Promise<{ spec: SandboxSpec; runtime: Runtime; session?: LaunchSession }> {
  const specWith = (credential: Credential): SandboxSpec =>
    buildSandboxSpec(mode, credential, {
      args,
      workspace: setup.workspace,
      paths: setup.paths,
      hostEnv: setup.hostEnv,
      hubUrl: setup.hub?.url,
    });
  let credential: Credential;
  if (setup.hub) {
    // The runtime's choice does not depend on the credential: it is chosen before the token exists,
    // so that the token can name its runtime.
    credential = { value: "", source: { kind: "env", name: "hub session token" } };
  } else {
    credential = requireCredential(mode.provider, setup.paths, setup.hostEnv);
    warnAboutSharedKey(config, setup, mode, credential);
  }
  let spec = specWith(credential);
  for (const warning of inspectWorkspace(spec.workspace, spec.cli)) setup.onWarning(warning);
  const runtime = await selectRuntime(
    setup.runtime ?? mode.runtime,
    { paths: setup.paths, hostEnv: setup.hostEnv, docker: config.docker, onWarning: setup.onWarning },
    spec,
  );
  const session = setup.hub ? await setup.hub.openSession(runtime) : undefined;
  if (session) spec = specWith({ value: session.token, source: credential.source });
  try {
    seedState(spec);
  } catch (error) {
    await session?.close();
    throw error;
  }
  return session === undefined ? { spec, runtime } : { spec, runtime, session };
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
