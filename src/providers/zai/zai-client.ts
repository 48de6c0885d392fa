// createZaiClient: chat (with thinking), models and files on Z.ai's GLM platform (or Zhipu's, by base URL).
import { z } from "zod";
import { PROVIDER_DEFINITIONS } from "../definitions.ts";
import { createProviderHttp } from "../http.ts";
import type { ModelInfo } from "../models.ts";
import { openAiCompatibleChat, openAiCompatibleStream } from "../openai-compatible-chat.ts";
import type { ProviderClient, ProviderClientOptions } from "../provider-client.ts";
import { mapZaiError } from "./map-zai-error.ts";
import { zaiDialect } from "./zai-chat.ts";
import { createZaiFiles, type ZaiFiles } from "./zai-files.ts";

export interface ZaiClient extends ProviderClient {
  readonly api: "zai";
  readonly files: ZaiFiles;
}

const modelListSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });

export function createZaiClient(options: ProviderClientOptions): ZaiClient {
  const provider = options.providerId ?? "zai";
  const http = createProviderHttp({
    ...options,
    provider,
    baseUrl: options.baseUrl ?? PROVIDER_DEFINITIONS.zai.baseUrl,
    // Accept-Language picks the language of error messages.
    headers: { authorization: `Bearer ${options.apiKey}`, "accept-language": "en-US,en", ...options.headers },
    mapError: mapZaiError,
  });
  const dialect = zaiDialect(provider);
  return {
    api: "zai",
    provider,
    files: createZaiFiles(http),
    chat: (request) => openAiCompatibleChat(http, request, dialect),
    streamChat: (request) => openAiCompatibleStream(http, request, dialect),
    async listModels(listOptions = {}): Promise<ModelInfo[]> {
      const list = await http.json(
        { method: "GET", path: "/models", signal: listOptions.signal },
        modelListSchema,
      );
      return list.data.map((model) => ({ id: model.id, displayName: undefined, contextLength: undefined }));
    },
    close: () => http.close(),
  };
}
