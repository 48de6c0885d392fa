// `providers.<id>`: where each platform lives and which credential it takes. The built-in ids
// (anthropic, google, zai, moonshot) need no entry at all; a custom id names the built-in API it
// speaks with `extends` (for example GLM on the China endpoint, or Kimi For Coding).
import { z } from "zod";
import { envName, httpUrl } from "./common.ts";
import { policySchema } from "./resilience.ts";

export const PROVIDER_APIS = ["anthropic", "google", "zai", "moonshot"] as const;
export type ProviderApi = (typeof PROVIDER_APIS)[number];

export const providerConfigSchema = z.strictObject({
  extends: z
    .enum(PROVIDER_APIS, { error: `must be one of ${PROVIDER_APIS.join(", ")}` })
    .optional()
    .describe("For a custom provider: the built-in provider whose API it speaks."),
  baseUrl: httpUrl.optional().describe("Base URL of the provider's native API."),
  anthropicBaseUrl: httpUrl
    .optional()
    .describe("Base URL of the provider's Anthropic-compatible endpoint (what Claude Code talks to)."),
  apiKeyEnv: envName.optional().describe("Environment variable that holds this provider's key."),
  models: z
    .strictObject({
      main: z.string().min(1).optional().describe("The model used when none is named."),
      small: z.string().min(1).optional().describe("The small, fast model (Claude Code's haiku tier)."),
    })
    .optional()
    .describe(
      "This provider's model for each role; a fallback to this provider maps the asked model to the same role.",
    ),
  filesApi: z
    .boolean()
    .optional()
    .describe(
      "false when this endpoint has no Files API (Kimi For Coding, the GLM Coding Plan): `files upload --to` refuses it.",
    ),
  policy: policySchema.optional(),
});
export type ProviderConfig = z.infer<typeof providerConfigSchema>;
