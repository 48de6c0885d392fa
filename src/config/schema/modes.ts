// `modes.<name>`: what a person launches. The built-in modes (claude, gemini, glm, kimi) need no
// entry; any other name defines a new mode from an assistant CLI and a provider.
import { z } from "zod";
import { isReservedModeEnv } from "../reserved-env.ts";
import { envName, runtimeName } from "./common.ts";

export const ASSISTANT_CLIS = ["claude", "gemini"] as const;
export type AssistantCli = (typeof ASSISTANT_CLIS)[number];

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
  viaHub: z
    .boolean()
    .optional()
    .describe(
      "Launch this mode through the hub (session token, no provider key); overrides the top-level viaHub.",
    ),
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
