// SandboxSpec: the pure description of one sealed run of a mode, identical for every runtime.
import type { AssistantCli } from "../config/schema/index.ts";

export interface SandboxSpec {
  mode: string;
  cli: AssistantCli;
  /** Arguments for the assistant CLI, passed through untouched. */
  args: readonly string[];
  /**
   * The complete environment of the assistant, built from an empty map by allow-list.
   * HOME and PWD are not in it: each runtime sets them to where it places the state root and workspace.
   */
  env: Readonly<Record<string, string>>;
  /** Names of the entries of `env` that hold secrets (the docker runtime sends them over stdin into a tmpfs). */
  secretEnv: readonly string[];
  /** Host path of the mode's state root: the sandbox's HOME, writable, seen by no other mode. */
  stateRoot: string;
  /** Host path of the workspace: the sandbox's working directory. */
  workspace: string;
  /**
   * Host paths inside the workspace the assistant must not see: ai-orchestrator's home, when the
   * workspace holds it (a launch from `~`). bwrap and docker mask them with an empty tmpfs; the
   * process runtime cannot, and refuses to run.
   */
  hidden?: readonly string[];
}
