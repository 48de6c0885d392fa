// createAnthropicClient: Messages (plain and streamed), models and files on the Anthropic API.
import { z } from "zod";
import { PROVIDER_DEFINITIONS } from "../definitions.ts";
import { createProviderHttp } from "../http.ts";
import type { ModelInfo } from "../models.ts";
import type { ProviderClient, ProviderClientOptions } from "../provider-client.ts";
import { anthropicChat, anthropicStream } from "./anthropic-chat.ts";
import { createAnthropicFiles } from "./anthropic-files.ts";
import { mapAnthropicError } from "./map-anthropic-error.ts";

export const ANTHROPIC_VERSION = "2023-06-01";

export interface AnthropicClient extends ProviderClient {
  readonly api: "anthropic";
}

const modelListSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), display_name: z.string().optional() })),
  has_more: z.boolean().optional(),
  last_id: z.string().nullish(),
});

export function createAnthropicClient(options: ProviderClientOptions): AnthropicClient {
  const provider = options.providerId ?? "anthropic";
  const http = createProviderHttp({
    ...options,
    provider,
    baseUrl: options.baseUrl ?? PROVIDER_DEFINITIONS.anthropic.baseUrl,
    headers: { "x-api-key": options.apiKey, "anthropic-version": ANTHROPIC_VERSION, ...options.headers },
    mapError: mapAnthropicError,
  });
  return {
    api: "anthropic",
    provider,
    files: createAnthropicFiles(http),
    chat: (request) => anthropicChat(http, request),
    streamChat: (request) => anthropicStream(http, request),
    async listModels(listOptions = {}): Promise<ModelInfo[]> {
      const models: ModelInfo[] = [];
      let afterId: string | undefined;
      for (;;) {
        const page = await http.json(
          {
            method: "GET",
            path: "/v1/models",
            query: { limit: 100, after_id: afterId },
            signal: listOptions.signal,
          },
          modelListSchema,
        );
        models.push(
          ...page.data.map((model) => ({
            id: model.id,
            displayName: model.display_name,
            contextLength: undefined,
          })),
        );
        const next = page.last_id ?? page.data.at(-1)?.id;
        if (page.has_more !== true || next === undefined || next === afterId) return models;
        afterId = next;
      }
    },
    close: () => http.close(),
  };
}
