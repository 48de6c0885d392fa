import type { ChatRequest } from "../chat.ts";
import { PROVIDER_DEFINITIONS } from "../definitions.ts";
import { createProviderHttp } from "../http.ts";
import {
  listOpenAiCompatibleModels,
  openAiCompatibleChat,
  openAiCompatibleStream,
} from "../openai-compatible-chat.ts";
import type { ProviderClient, ProviderClientOptions } from "../provider-client.ts";
import { mapMoonshotError } from "./map-moonshot-error.ts";
import { estimateMoonshotTokens, type MoonshotBalance, readMoonshotBalance } from "./moonshot-account.ts";
import { moonshotDialect } from "./moonshot-chat.ts";
import { createMoonshotFiles, type MoonshotFiles } from "./moonshot-files.ts";

export interface MoonshotClient extends ProviderClient {
  readonly api: "moonshot";
  readonly files: MoonshotFiles;
  balance(options?: { signal?: AbortSignal }): Promise<MoonshotBalance>;
  estimateTokenCount(request: ChatRequest): Promise<number>;
}

export function createMoonshotClient(options: ProviderClientOptions): MoonshotClient {
  const provider = options.providerId ?? "moonshot";
  const http = createProviderHttp({
    ...options,
    provider,
    baseUrl: options.baseUrl ?? PROVIDER_DEFINITIONS.moonshot.baseUrl,
    headers: { authorization: `Bearer ${options.apiKey}`, ...options.headers },
    mapError: mapMoonshotError,
  });
  const dialect = moonshotDialect(provider);
  return {
    api: "moonshot",
    provider,
    files: createMoonshotFiles(http),
    chat: (request) => openAiCompatibleChat(http, request, dialect),
    streamChat: (request) => openAiCompatibleStream(http, request, dialect),
    listModels: (listOptions = {}) => listOpenAiCompatibleModels(http, listOptions.signal),
    balance: (balanceOptions = {}) => readMoonshotBalance(http, balanceOptions.signal),
    estimateTokenCount: (request) => estimateMoonshotTokens(http, request),
    close: () => http.close(),
  };
}
