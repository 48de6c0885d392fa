// Chat completions in the OpenAI wire format, which Moonshot and Z.ai both speak with their own
// twists (where usage arrives, which finish reasons are failures, how files are referenced). Each of
// those clients passes its dialect; this module never knows which provider it serves.
import { z } from "zod";
import {
  type OpenAiChatRequest,
  type OpenAiMessageParam,
  type OpenAiUsage,
  openAiChunkSchema,
  openAiCompletionSchema,
} from "../wire/openai-chat-completions.ts";
import {
  type ChatContentPart,
  type ChatFinishReason,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type ChatStreamEvent,
  type ChatUsage,
  totalUsage,
} from "./chat.ts";
import { type HttpFailure, ProviderError, type ProviderErrorKind } from "./errors.ts";
import { type ProviderHttp, parseEventData, parseProviderValue, streamEndedEarly } from "./http.ts";
import type { ModelInfo } from "./models.ts";

export interface OpenAiCompatibleDialect {
  maxTokensField: "max_tokens" | "max_completion_tokens";
  /** finish_reason values that mean the answer failed, e.g. Z.ai's `network_error`. */
  failureFinishReasons: Readonly<Record<string, { kind: ProviderErrorKind; message: string }>>;
  /** A content part as this provider takes it, e.g. Moonshot's `ms://<id>` image URLs. */
  contentPart(part: ChatContentPart): WireContentPart;
  /** For an error object sent as a stream event after HTTP 200 (Moonshot does this). */
  mapError(failure: HttpFailure): ProviderError;
}

export type WireContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string } }
  | { type: "video_url"; video_url: { url: string } };

export function openAiCompatibleBody(
  request: ChatRequest,
  dialect: OpenAiCompatibleDialect,
  stream: boolean,
): OpenAiChatRequest {
  const messages: OpenAiMessageParam[] = [];
  if (request.system !== undefined) messages.push({ role: "system", content: request.system });
  for (const message of request.messages) messages.push(wireMessage(message, dialect));
  return {
    model: request.model,
    messages,
    ...(request.maxOutputTokens === undefined ? {} : { [dialect.maxTokensField]: request.maxOutputTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.topP === undefined ? {} : { top_p: request.topP }),
    ...(request.stopSequences === undefined ? {} : { stop: [...request.stopSequences] }),
    ...(request.thinking === undefined
      ? {}
      : { thinking: { type: request.thinking ? "enabled" : "disabled" } }),
    ...(request.tools === undefined || request.tools.length === 0
      ? {}
      : {
          tools: request.tools.map((tool) => ({
            type: "function",
            function: { name: tool.name, description: tool.description, parameters: tool.parameters },
          })),
        }),
    ...(request.toolChoice === undefined
      ? {}
      : {
          tool_choice:
            typeof request.toolChoice === "string"
              ? request.toolChoice
              : { type: "function", function: { name: request.toolChoice.name } },
        }),
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

function wireMessage(message: ChatMessage, dialect: OpenAiCompatibleDialect): OpenAiMessageParam {
  if (message.role === "tool") {
    return { role: "tool", tool_call_id: message.toolCallId, name: message.name, content: message.content };
  }
  if (message.role === "assistant") {
    return {
      role: "assistant",
      content: message.content,
      ...(message.reasoning === undefined ? {} : { reasoning_content: message.reasoning }),
      ...(message.toolCalls === undefined || message.toolCalls.length === 0
        ? {}
        : {
            tool_calls: message.toolCalls.map((call) => ({
              id: call.id,
              type: "function",
              function: { name: call.name, arguments: call.arguments },
            })),
          }),
    };
  }
  if (typeof message.content === "string") return { role: "user", content: message.content };
  const parts = message.content.map((part) => dialect.contentPart(part));
  const allText = parts.every((part) => part.type === "text");
  return {
    role: "user",
    content: allText ? parts.map((part) => (part.type === "text" ? part.text : "")).join("\n\n") : parts,
  };
}

export async function openAiCompatibleChat(
  http: ProviderHttp,
  request: ChatRequest,
  dialect: OpenAiCompatibleDialect,
): Promise<ChatResponse> {
  const completion = await http.json(
    {
      method: "POST",
      path: "/chat/completions",
      json: openAiCompatibleBody(request, dialect, false),
      signal: request.signal,
    },
    openAiCompletionSchema,
  );
  const choice = completion.choices[0];
  const rawFinishReason = choice?.finish_reason ?? undefined;
  throwOnFailedFinish(http.provider, rawFinishReason, dialect);
  const usage = completion.usage ?? choice?.usage ?? undefined;
  return {
    provider: http.provider,
    model: completion.model ?? request.model,
    id: completion.id,
    text: choice?.message.content ?? "",
    reasoning: choice?.message.reasoning_content ?? undefined,
    toolCalls: (choice?.message.tool_calls ?? []).map((call) => ({
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    })),
    finishReason: mapFinishReason(rawFinishReason),
    rawFinishReason,
    usage: usage === undefined ? undefined : mapUsage(usage),
  };
}

export async function* openAiCompatibleStream(
  http: ProviderHttp,
  request: ChatRequest,
  dialect: OpenAiCompatibleDialect,
): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const events = http.events({
    method: "POST",
    path: "/chat/completions",
    json: openAiCompatibleBody(request, dialect, true),
    signal: request.signal,
  });
  let started = false;
  let rawFinishReason: string | undefined;
  let usage: OpenAiUsage | undefined;
  let done = false;
  const toolIndexes = new ToolCallIndexes();
  for await (const event of events) {
    if (event.data === "[DONE]") {
      done = true;
      break;
    }
    const data = parseEventData(http.provider, event.data);
    if (typeof data === "object" && data !== null && "error" in data) {
      throw dialect.mapError({ provider: http.provider, status: 200, headers: {}, body: event.data });
    }
    const chunk = parseProviderValue(http.provider, data, openAiChunkSchema);
    if (!started) {
      started = true;
      yield { type: "start", id: chunk.id, model: chunk.model };
    }
    usage = chunk.usage ?? usage;
    for (const choice of chunk.choices ?? []) {
      usage = choice.usage ?? usage;
      const delta = choice.delta;
      if (delta?.reasoning_content) yield { type: "reasoning-delta", text: delta.reasoning_content };
      if (delta?.content) yield { type: "text-delta", text: delta.content };
      for (const call of delta?.tool_calls ?? []) {
        yield {
          type: "tool-call-delta",
          index: toolIndexes.resolve(call.index ?? undefined, call.id ?? undefined),
          ...(call.id ? { id: call.id } : {}),
          ...(call.function?.name ? { name: call.function.name } : {}),
          argumentsDelta: call.function?.arguments ?? "",
        };
      }
      if (choice.finish_reason) {
        rawFinishReason = choice.finish_reason;
        throwOnFailedFinish(http.provider, rawFinishReason, dialect);
      }
    }
  }
  if (!done && rawFinishReason === undefined) throw streamEndedEarly(http.provider);
  yield {
    type: "finish",
    finishReason: mapFinishReason(rawFinishReason),
    rawFinishReason,
    usage: usage === undefined ? undefined : mapUsage(usage),
  };
}

/**
 * Tool-call deltas are matched by `index`; some providers leave it out (or send null). Then a delta
 * with a new id opens the next call and a delta without one continues the latest.
 */
class ToolCallIndexes {
  #next = 0;
  #latest = -1;
  readonly #byId = new Map<string, number>();

  resolve(index: number | undefined, id: string | undefined): number {
    if (index !== undefined) {
      this.#latest = index;
      this.#next = Math.max(this.#next, index + 1);
      if (id) this.#byId.set(id, index);
      return index;
    }
    if (id) {
      const known = this.#byId.get(id);
      if (known !== undefined) {
        this.#latest = known;
        return known;
      }
      const opened = this.#next;
      this.#next += 1;
      this.#byId.set(id, opened);
      this.#latest = opened;
      return opened;
    }
    if (this.#latest < 0) {
      this.#latest = this.#next;
      this.#next += 1;
    }
    return this.#latest;
  }
}

function throwOnFailedFinish(
  provider: string,
  finishReason: string | undefined,
  dialect: OpenAiCompatibleDialect,
): void {
  const failure = finishReason === undefined ? undefined : dialect.failureFinishReasons[finishReason];
  if (failure === undefined) return;
  throw new ProviderError({
    kind: failure.kind,
    provider,
    providerCode: finishReason,
    message: `${provider}: ${failure.message} (finish_reason ${finishReason})`,
  });
}

export function mapFinishReason(reason: string | undefined): ChatFinishReason {
  if (reason === "stop") return "stop";
  if (reason === "length") return "length";
  if (reason === "tool_calls" || reason === "function_call") return "tool_calls";
  if (reason === "content_filter" || reason === "sensitive") return "content_filter";
  return "other";
}

function mapUsage(usage: OpenAiUsage): ChatUsage {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? usage.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    ...totalUsage(usage.prompt_tokens, usage.completion_tokens),
    ...(usage.total_tokens === undefined ? {} : { totalTokens: usage.total_tokens }),
    ...(cached === undefined ? {} : { cachedInputTokens: cached }),
    ...(reasoning === undefined ? {} : { reasoningTokens: reasoning }),
  };
}

/** `data:` URL for an inline image part. */
export function dataUrl(mimeType: string, data: Uint8Array): string {
  return `data:${mimeType};base64,${Buffer.from(data).toString("base64")}`;
}

export function unsupportedPart(provider: string, part: ChatContentPart, hint: string): ProviderError {
  const what =
    part.type === "text" ? "text" : `${part.mimeType} ${part.type === "inline-data" ? "data" : "file"}`;
  return new ProviderError({
    kind: "invalid_request",
    provider,
    message: `${provider} chat cannot take ${what} in a message: ${hint}`,
  });
}

const modelListSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), context_length: z.number().optional() })),
});

/** `GET /models` the OpenAI way; Moonshot adds each model's context length, Z.ai does not. */
export async function listOpenAiCompatibleModels(
  http: ProviderHttp,
  signal: AbortSignal | undefined,
): Promise<ModelInfo[]> {
  const list = await http.json({ method: "GET", path: "/models", signal }, modelListSchema);
  return list.data.map((model) => ({
    id: model.id,
    displayName: undefined,
    contextLength: model.context_length,
  }));
}
