// Token counting for a client whose target speaks another dialect: the request, already in the chat
// vocabulary, goes to that provider's own counting endpoint — Anthropic's count_tokens, Gemini's
// countTokens, Moonshot's token estimate — and the number comes back in the client's count shape.
// A provider without one (Z.ai) cannot count: never a generation in its place.
import { text } from "node:stream/consumers";
import { z } from "zod";
import { AppError } from "../errors.ts";
import { anthropicMessagesBody } from "../providers/anthropic/anthropic-chat.ts";
import { ANTHROPIC_VERSION } from "../providers/anthropic/anthropic-client.ts";
import type { ChatRequest } from "../providers/chat.ts";
import type { Dialect } from "../providers/definitions.ts";
import { fromTransportError, ProviderError } from "../providers/errors.ts";
import { geminiModelPath, geminiRequestBody } from "../providers/google/google-chat.ts";
import { moonshotDialect } from "../providers/moonshot/moonshot-chat.ts";
import { openAiCompatibleBody } from "../providers/openai-compatible-chat.ts";
import type { ResolvedProvider } from "../providers/registry.ts";
import type { UpstreamRequest, Upstreams } from "./forward.ts";
import type { RouteTarget } from "./routing.ts";

/** How one provider API counts: the request it takes, and where the number is in its answer. */
interface Counter {
  request(
    target: RouteTarget,
    chat: ChatRequest,
  ): Pick<UpstreamRequest, "dialect" | "path" | "headers"> & {
    body: unknown;
  };
  total(answer: unknown): number | undefined;
}

const JSON_HEADERS = { "content-type": "application/json" };

const anthropicCount = z.looseObject({ input_tokens: z.number() });
const geminiCount = z.looseObject({ totalTokens: z.number() });
const moonshotEstimate = z.looseObject({ data: z.looseObject({ total_tokens: z.number() }) });

const COUNTERS: Readonly<Partial<Record<ResolvedProvider["api"], Counter>>> = {
  anthropic: {
    request: (_target, chat) => {
      // count_tokens takes the prompt's fields only: no generation settings.
      const { model, messages, system, tools, tool_choice, thinking } = anthropicMessagesBody(chat, false);
      return {
        dialect: "anthropic",
        path: "/v1/messages/count_tokens",
        headers: { ...JSON_HEADERS, "anthropic-version": ANTHROPIC_VERSION },
        body: { model, messages, system, tools, tool_choice, thinking },
      };
    },
    total: (answer) => anthropicCount.safeParse(answer).data?.input_tokens,
  },
  google: {
    request: (target, chat) => ({
      dialect: "gemini",
      path: `${geminiModelPath(target.model)}:countTokens`,
      headers: JSON_HEADERS,
      // The whole request, so the system instruction and the tools are counted too.
      body: {
        generateContentRequest: {
          model: `models/${target.model}`,
          ...geminiRequestBody(chat, target.provider.baseUrl),
        },
      },
    }),
    total: (answer) => geminiCount.safeParse(answer).data?.totalTokens,
  },
  moonshot: {
    request: (target, chat) => {
      const { model, messages } = openAiCompatibleBody(chat, moonshotDialect(target.provider.id), false);
      return {
        dialect: "openai",
        path: "/tokenizers/estimate-token-count",
        headers: JSON_HEADERS,
        body: { model, messages },
      };
    },
    total: (answer) => moonshotEstimate.safeParse(answer).data?.data.total_tokens,
  },
};

/** Whether the hub can have this provider count tokens for a client of another dialect. */
export function countsTokens(provider: ResolvedProvider): boolean {
  return COUNTERS[provider.api] !== undefined;
}

/** The refusal when the model asked for is served by a provider that cannot count. */
export function countingUnavailable(asked: string, provider: ResolvedProvider): AppError {
  return new AppError(
    "not_found",
    `counting tokens is not available for model "${asked}": ${provider.id} has no token-counting endpoint; count with a model of another provider, or estimate locally`,
  );
}

/** The target's own count of the request's input tokens. Throws the provider's failure as a ProviderError. */
export async function countTokens(
  upstreams: Upstreams,
  target: RouteTarget,
  chat: ChatRequest,
  signal: AbortSignal,
): Promise<number> {
  const counter = COUNTERS[target.provider.api];
  if (counter === undefined) throw countingUnavailable(target.model, target.provider);
  const { body: sent, ...request } = counter.request(target, { ...chat, model: target.model });
  const response = await upstreams.send({
    ...request,
    provider: target.provider,
    method: "POST",
    body: JSON.stringify(sent),
    signal,
  });
  let answer: unknown;
  let body: string;
  try {
    body = await text(response.body);
  } catch (error) {
    throw fromTransportError(target.provider.id, error);
  }
  try {
    answer = JSON.parse(body);
  } catch {
    answer = undefined;
  }
  const total = counter.total(answer);
  if (total === undefined) {
    throw new ProviderError({
      kind: "protocol",
      provider: target.provider.id,
      status: response.status,
      message: `${target.provider.id} sent a token count the hub cannot read (HTTP ${response.status})`,
    });
  }
  return total;
}

/** A count in the client's dialect: Anthropic's count_tokens answer or Gemini's countTokens answer. */
export function countAnswer(dialect: Dialect, total: number): unknown {
  switch (dialect) {
    case "anthropic":
      return { input_tokens: total };
    case "gemini":
      return { totalTokens: total };
    case "openai":
      throw new Error("the OpenAI dialect has no token-counting route");
  }
}
