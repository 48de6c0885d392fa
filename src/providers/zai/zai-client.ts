import { PROVIDER_DEFINITIONS } from "../definitions.ts";
import { createProviderHttp } from "../http.ts";
import {
  listOpenAiCompatibleModels,
  openAiCompatibleChat,
  openAiCompatibleStream,
} from "../openai-compatible-chat.ts";
import type { ProviderClient, ProviderClientOptions } from "../provider-client.ts";
import { mapZaiError } from "./map-zai-error.ts";
import { zaiDialect } from "./zai-chat.ts";
import { createZaiFiles, type ZaiFiles } from "./zai-files.ts";

export interface ZaiClient extends ProviderClient {
  readonly api: "zai";
  readonly files: ZaiFiles;
}

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
    listModels: (listOptions = {}) => listOpenAiCompatibleModels(http, listOptions.signal),
    close: () => http.close(),
  };
}
