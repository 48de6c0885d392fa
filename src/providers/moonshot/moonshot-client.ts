// createMoonshotClient: chat, models, files, balance and token estimate on Moonshot's Open Platform.
import { z } from "zod";
import type { ChatRequest } from "../chat.ts";
import { PROVIDER_DEFINITIONS } from "../definitions.ts";
import { createProviderHttp } from "../http.ts";
import type { ModelInfo } from "../models.ts";
import { openAiCompatibleChat, openAiCompatibleStream } from "../openai-compatible-chat.ts";
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

const modelListSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), context_length: z.number().optional() })),
});

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
    async listModels(listOptions = {}): Promise<ModelInfo[]> {
      const list = await http.json(
        { method: "GET", path: "/models", signal: listOptions.signal },
        modelListSchema,
      );
      return list.data.map((model) => ({
        id: model.id,
        displayName: undefined,
        contextLength: model.context_length,
      }));
    },
    balance: (balanceOptions = {}) => readMoonshotBalance(http, balanceOptions.signal),
    estimateTokenCount: (request) => estimateMoonshotTokens(http, request),
    close: () => http.close(),
  };
}
