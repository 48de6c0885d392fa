// `modes.<name>`: what a person launches. The built-in modes (claude, gemini, glm, kimi) need no
// entry; any other name defines a new mode from an assistant CLI and a provider.
import { z } from "zod";
import { envName, runtimeName } from "./common.ts";

export const ASSISTANT_CLIS = ["claude", "gemini"] as const;
export type AssistantCli = (typeof ASSISTANT_CLIS)[number];

// Credentials and endpoints reach a sandbox only from providers: and the stored key, never from a
// mode's free-form env, where a key would sit in plain config and could cross to the wrong provider.
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

export const modeConfigSchema = z.strictObject({
  cli: z
    .enum(ASSISTANT_CLIS, { error: `must be one of ${ASSISTANT_CLIS.join(", ")}` })
    .optional()
    .describe("The assistant CLI this mode runs."),
  provider: z.string().optional().describe("The provider id this mode's CLI talks to."),
  model: z.string().min(1).optional().describe("The model the mode's CLI is told to use."),
  smallModel: z
    .string()
    .min(1)
    .optional()
    .describe("Claude Code modes: the model for background/haiku-class work."),
  runtime: runtimeName.optional().describe("Sandbox runtime for this mode; overrides the top-level runtime."),
  env: z
    .record(envName, z.string())
    .superRefine((env, context) => {
      for (const name of Object.keys(env)) {
        if (!isReservedModeEnv(name)) continue;
        context.addIssue({
          code: "custom",
          path: [name],
          message:
            "is a credential, endpoint or home variable, which ai-orchestrator sets itself: remove it here; set endpoints under `providers:` and keys with `ai-orchestrator login`",
        });
      }
    })
    .optional()
    .describe("Extra non-secret environment variables for the assistant."),
});
export type ModeConfig = z.infer<typeof modeConfigSchema>;
