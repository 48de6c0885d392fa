// Variables only ai-orchestrator may set in a sandbox. Credentials and endpoints reach a sandbox
// only from providers: and the stored key, never from a mode's free-form env, where a key would sit
// in plain config and could cross to the wrong provider. Kept apart from the zod schemas so the
// launch path can check names without loading the schema library.
const RESERVED_ENV = new Set([
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "ANTHROPIC_BASE_URL",
  "ANTHROPIC_CUSTOM_HEADERS",
  "CLAUDE_CODE_OAUTH_TOKEN",
  "CLAUDE_CONFIG_DIR",
  "GEMINI_API_KEY",
  "GEMINI_CLI_HOME",
  "GOOGLE_API_KEY",
  "GOOGLE_APPLICATION_CREDENTIALS",
  "GOOGLE_GEMINI_BASE_URL",
  "GOOGLE_VERTEX_BASE_URL",
  "HOME",
  "PWD",
]);
const RESERVED_ENV_PATTERN = /(^|_)(API_KEY|AUTH_TOKEN|ACCESS_TOKEN|TOKEN|SECRET|PASSWORD|BASE_URL)$/;

/** Whether a variable is one only ai-orchestrator may set in a sandbox (credential, endpoint, home). */
export function isReservedModeEnv(name: string): boolean {
  return RESERVED_ENV.has(name) || RESERVED_ENV_PATTERN.test(name);
}
