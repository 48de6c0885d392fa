// The built-in modes, declared as data: which assistant CLI runs against which provider.
// Users add modes, or override these, under `modes:` in config.yaml.
import type { AssistantCli } from "../config/schema/index.ts";

export interface ModeDefinition {
  cli: AssistantCli;
  provider: string;
  model?: string;
  smallModel?: string;
  env?: Readonly<Record<string, string>>;
}

export const BUILTIN_MODES: Readonly<Record<string, ModeDefinition>> = {
  claude: { cli: "claude", provider: "anthropic" },
  // Without a model Gemini CLI first asks a routing model to score the prompt; naming one skips that.
  gemini: { cli: "gemini", provider: "google", model: "gemini-2.5-flash" },
  // Z.ai recommends a long request timeout for GLM's slower long answers. Claude Code does not know
  // GLM or Kimi models: told nothing, it assumes a window of 1M tokens, compacts too late, and says
  // so on every run; CLAUDE_CODE_MAX_CONTEXT_TOKENS gives it the model's real window.
  glm: {
    cli: "claude",
    provider: "zai",
    model: "glm-4.6",
    smallModel: "glm-4.5-air",
    env: { API_TIMEOUT_MS: "3000000", CLAUDE_CODE_MAX_CONTEXT_TOKENS: "200000" },
  },
  kimi: {
    cli: "claude",
    provider: "moonshot",
    model: "kimi-k2.5",
    smallModel: "kimi-k2-turbo-preview",
    env: { CLAUDE_CODE_MAX_CONTEXT_TOKENS: "262144" },
  },
};
