// The assistant CLIs as npm packages, pinned to the versions ai-orchestrator is tested with.
// `install-clis` installs exactly these; package.json's devDependencies pin the same versions.
import type { AssistantCli } from "../config/schema/index.ts";

export interface CliPackage {
  cli: AssistantCli;
  /** The npm package that provides the command. */
  name: string;
  version: string;
}

export const CLI_PACKAGES: Readonly<Record<AssistantCli, CliPackage>> = {
  claude: { cli: "claude", name: "@anthropic-ai/claude-code", version: "2.1.329" },
  gemini: { cli: "gemini", name: "@google/gemini-cli", version: "0.61.0" },
};
