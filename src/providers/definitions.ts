// The four platforms, declared as data. Everything a provider needs to be reached and
// authenticated is here; `registry.ts` merges the user's config over these defaults.
import type { ProviderApi } from "../config/schema/index.ts";

export interface ProviderDefinition {
  id: ProviderApi;
  displayName: string;
  /** Variables that may hold the key, in order of preference. */
  credentialEnv: readonly string[];
  baseUrl: string;
  /** The Anthropic-compatible endpoint Claude Code can be pointed at, where the platform has one. */
  anthropicBaseUrl?: string;
}

export const PROVIDER_DEFINITIONS: Readonly<Record<ProviderApi, ProviderDefinition>> = {
  anthropic: {
    id: "anthropic",
    displayName: "Anthropic",
    credentialEnv: ["ANTHROPIC_API_KEY"],
    baseUrl: "https://api.anthropic.com",
    anthropicBaseUrl: "https://api.anthropic.com",
  },
  google: {
    id: "google",
    displayName: "Google Gemini",
    credentialEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
    baseUrl: "https://generativelanguage.googleapis.com",
  },
  zai: {
    id: "zai",
    displayName: "Z.ai (GLM)",
    credentialEnv: ["ZAI_API_KEY"],
    baseUrl: "https://api.z.ai/api/paas/v4",
    anthropicBaseUrl: "https://api.z.ai/api/anthropic",
  },
  moonshot: {
    id: "moonshot",
    displayName: "Moonshot (Kimi)",
    credentialEnv: ["MOONSHOT_API_KEY"],
    baseUrl: "https://api.moonshot.ai/v1",
    anthropicBaseUrl: "https://api.moonshot.ai/anthropic",
  },
};

/** Every variable that holds a provider credential: none of them may cross into a sandbox unasked. */
export const ALL_CREDENTIAL_ENV: readonly string[] = Object.values(PROVIDER_DEFINITIONS).flatMap(
  (definition) => definition.credentialEnv,
);
