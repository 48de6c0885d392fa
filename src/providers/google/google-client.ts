// createGoogleClient: Gemini generateContent (plain and streamed), models and the Files API.
import { z } from "zod";
import { PROVIDER_DEFINITIONS } from "../definitions.ts";
import { createProviderHttp } from "../http.ts";
import type { ModelInfo } from "../models.ts";
import type { ProviderClient, ProviderClientOptions } from "../provider-client.ts";
import { geminiChat, geminiStream } from "./google-chat.ts";
import { createGeminiFiles, type GeminiFiles, type GeminiFilesOptions } from "./google-files.ts";
import { mapGoogleError } from "./map-google-error.ts";

export interface GoogleClient extends ProviderClient {
  readonly api: "google";
  readonly files: GeminiFiles;
}

export interface GoogleClientOptions extends ProviderClientOptions {
  files?: GeminiFilesOptions;
}

const modelListSchema = z.looseObject({
  models: z
    .array(
      z.looseObject({
        name: z.string(),
        displayName: z.string().optional(),
        inputTokenLimit: z.number().optional(),
      }),
    )
    .optional(),
  nextPageToken: z.string().optional(),
});

export function createGoogleClient(options: GoogleClientOptions): GoogleClient {
  const provider = options.providerId ?? "google";
  const baseUrl = options.baseUrl ?? PROVIDER_DEFINITIONS.google.baseUrl;
  const http = createProviderHttp({
    ...options,
    provider,
    baseUrl,
    headers: { "x-goog-api-key": options.apiKey, ...options.headers },
    mapError: mapGoogleError,
  });
  return {
    api: "google",
    provider,
    files: createGeminiFiles(http, options.files),
    chat: (request) => geminiChat(http, baseUrl, request),
    streamChat: (request) => geminiStream(http, baseUrl, request),
    async listModels(listOptions = {}): Promise<ModelInfo[]> {
      const models: ModelInfo[] = [];
      let pageToken: string | undefined;
      for (;;) {
        const page = await http.json(
          {
            method: "GET",
            path: "/v1beta/models",
            query: { pageSize: 100, pageToken },
            signal: listOptions.signal,
          },
          modelListSchema,
        );
        for (const model of page.models ?? []) {
          models.push({
            id: model.name.replace(/^models\//, ""),
            displayName: model.displayName,
            contextLength: model.inputTokenLimit,
          });
        }
        if (!page.nextPageToken || page.nextPageToken === pageToken) return models;
        pageToken = page.nextPageToken;
      }
    },
    close: () => http.close(),
  };
}
