// The four platforms, declared as data. Everything a provider needs to be reached and
// authenticated, and what it can do, is here; `registry.ts` merges the user's config over these
// defaults. Code asks these fields instead of branching on provider ids.
import type { ProviderApi } from "../config/schema/index.ts";

/** The HTTP API shapes the hub speaks: Anthropic Messages, OpenAI Chat Completions, Gemini generateContent. */
export const DIALECTS = ["anthropic", "openai", "gemini"] as const;
export type Dialect = (typeof DIALECTS)[number];

/** What a model is used for: the main model, and the small fast one assistants use for side tasks. */
export const MODEL_ROLES = ["main", "small"] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];

/** How a chat request carries a local file to this provider. */
export type FileAttachment =
  /** Uploaded, text extracted by the provider, handed to the model as system context (Moonshot). */
  | "extracted-text"
  /** Inline bytes up to `inlineLimitBytes`, else through the Files API (Gemini). */
  | "inline-or-upload"
  /** Through the Files API, referenced by id (Anthropic). */
  | "upload"
  /** Inline only: text and images (Z.ai chat). */
  | "inline";

export interface FilePurpose {
  /** The largest file the platform accepts for this purpose. */
  maxBytes: number;
}

export interface ProviderFileCapabilities {
  /** Whether the platform keeps uploaded files (a Files API the hub's registry can hold copies in). */
  api: boolean;
  /** The largest single file the platform accepts. */
  maxBytes: number;
  /**
   * The purposes an upload can name, with their own limits; absent when the platform takes none
   * (Anthropic, Gemini). The first is the default.
   */
  purposes?: Readonly<Record<string, FilePurpose>>;
  attachment: FileAttachment;
  /** For `inline-or-upload`: above this total, files go through the Files API. */
  inlineLimitBytes?: number;
}

export interface ProviderDefinition {
  id: ProviderApi;
  displayName: string;
  /** Variables that may hold the key, in order of preference. */
  credentialEnv: readonly string[];
  baseUrl: string;
  /** The dialect the native base URL speaks. */
  nativeDialect: Dialect;
  /** The Anthropic-compatible endpoint Claude Code can be pointed at, where the platform has one. */
  anthropicBaseUrl?: string;
  /** Model names starting with these belong to this provider (`glm-4.6` → zai). */
  modelPrefixes: readonly string[];
  /** The model used when none is named, by role; a fallback maps a model to the same role here. */
  models: Readonly<Record<ModelRole, string>>;
  files: ProviderFileCapabilities;
}

const MB = 1024 * 1024;

export const PROVIDER_DEFINITIONS: Readonly<Record<ProviderApi, ProviderDefinition>> = {
  anthropic: {
    id: "anthropic",
    displayName: "Anthropic",
    credentialEnv: ["ANTHROPIC_API_KEY"],
    baseUrl: "https://api.anthropic.com",
    nativeDialect: "anthropic",
    anthropicBaseUrl: "https://api.anthropic.com",
    modelPrefixes: ["claude-"],
    models: { main: "claude-sonnet-4-5", small: "claude-haiku-4-5" },
    files: { api: true, maxBytes: 500 * MB, attachment: "upload" },
  },
  google: {
    id: "google",
    displayName: "Google Gemini",
    credentialEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
    baseUrl: "https://generativelanguage.googleapis.com",
    nativeDialect: "gemini",
    modelPrefixes: ["gemini-"],
    models: { main: "gemini-2.5-flash", small: "gemini-2.5-flash-lite" },
    files: { api: true, maxBytes: 2048 * MB, attachment: "inline-or-upload", inlineLimitBytes: 20 * MB },
  },
  zai: {
    id: "zai",
    displayName: "Z.ai (GLM)",
    credentialEnv: ["ZAI_API_KEY"],
    baseUrl: "https://api.z.ai/api/paas/v4",
    nativeDialect: "openai",
    anthropicBaseUrl: "https://api.z.ai/api/anthropic",
    modelPrefixes: ["glm-"],
    models: { main: "glm-4.6", small: "glm-4.5-air" },
    // Chat takes files inline only (up to maxBytes); the Files API keeps them for agents and batches.
    files: {
      api: true,
      maxBytes: 10 * MB,
      attachment: "inline",
      purposes: {
        agent: { maxBytes: 100 * MB },
        "file-extract": { maxBytes: 50 * MB },
        batch: { maxBytes: 100 * MB },
        "code-interpreter": { maxBytes: 20 * MB },
      },
    },
  },
  moonshot: {
    id: "moonshot",
    displayName: "Moonshot (Kimi)",
    credentialEnv: ["MOONSHOT_API_KEY"],
    baseUrl: "https://api.moonshot.ai/v1",
    nativeDialect: "openai",
    anthropicBaseUrl: "https://api.moonshot.ai/anthropic",
    modelPrefixes: ["kimi-", "moonshot-"],
    models: { main: "kimi-k2.5", small: "kimi-k2-turbo-preview" },
    files: {
      api: true,
      maxBytes: 100 * MB,
      attachment: "extracted-text",
      purposes: {
        "file-extract": { maxBytes: 100 * MB },
        image: { maxBytes: 100 * MB },
        video: { maxBytes: 100 * MB },
        batch: { maxBytes: 100 * MB },
      },
    },
  },
};

/** Every variable that holds a provider credential: none of them may cross into a sandbox unasked. */
export const ALL_CREDENTIAL_ENV: readonly string[] = Object.values(PROVIDER_DEFINITIONS).flatMap(
  (definition) => definition.credentialEnv,
);
