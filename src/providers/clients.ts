// Picks the client for a resolved provider by the API it speaks, so callers never switch on
// provider ids themselves.
import { type AnthropicClient, createAnthropicClient } from "./anthropic/anthropic-client.ts";
import type { Credential } from "./credentials.ts";
import { createGoogleClient, type GoogleClient } from "./google/google-client.ts";
import { createMoonshotClient, type MoonshotClient } from "./moonshot/moonshot-client.ts";
import type { ProviderClientOptions } from "./provider-client.ts";
import type { ResolvedProvider } from "./registry.ts";
import { createZaiClient, type ZaiClient } from "./zai/zai-client.ts";

export type AnyProviderClient = AnthropicClient | GoogleClient | ZaiClient | MoonshotClient;

export type CreateProviderClientOptions = Omit<ProviderClientOptions, "apiKey" | "baseUrl" | "providerId">;

export function createProviderClient(
  resolvedProvider: ResolvedProvider,
  credential: Credential | string,
  options: CreateProviderClientOptions = {},
): AnyProviderClient {
  const clientOptions: ProviderClientOptions = {
    ...options,
    apiKey: typeof credential === "string" ? credential : credential.value,
    baseUrl: resolvedProvider.baseUrl,
    providerId: resolvedProvider.id,
  };
  switch (resolvedProvider.api) {
    case "anthropic":
      return createAnthropicClient(clientOptions);
    case "google":
      return createGoogleClient(clientOptions);
    case "zai":
      return createZaiClient(clientOptions);
    case "moonshot":
      return createMoonshotClient(clientOptions);
  }
}
