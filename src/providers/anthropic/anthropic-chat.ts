// Anthropic Messages: the request mapping, the response mapping and the SSE event sequence
// (message_start … message_stop, with pings to ignore and `error` events that may follow HTTP 200).
import { z } from "zod";
import {
  type AnthropicMessageParam,
  type AnthropicMessagesRequest,
  type AnthropicRequestBlock,
  type AnthropicToolChoice,
  type AnthropicUsage,
  anthropicErrorEnvelopeSchema,
  anthropicMessageSchema,
  anthropicStreamEventSchema,
  isKnownAnthropicDelta,
  isKnownAnthropicResponseBlock,
} from "../../wire/anthropic-messages.ts";
import type {
  ChatContentPart,
  ChatFinishReason,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  ChatToolChoice,
  ChatUsage,
} from "../chat.ts";
import { type ProviderHttp, parseEventData, parseProviderValue, streamEndedEarly } from "../http.ts";
import { anthropicErrorFromEnvelope } from "./map-anthropic-error.ts";

/** Messages requires max_tokens; this is what a request without one gets. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;
export const ANTHROPIC_FILES_BETA = "files-api-2025-04-14";

export function anthropicMessagesBody(request: ChatRequest, stream: boolean): AnthropicMessagesRequest {
  const maxTokens = request.maxOutputTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS;
  return {
    model: request.model,
    max_tokens: maxTokens,
    messages: request.messages.map(wireMessage),
    ...(request.system === undefined ? {} : { system: request.system }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.topP === undefined ? {} : { top_p: request.topP }),
    ...(request.topK === undefined ? {} : { top_k: request.topK }),
    ...(request.stopSequences === undefined ? {} : { stop_sequences: [...request.stopSequences] }),
    ...(request.thinking === true
      ? {
          thinking: {
            type: "enabled",
            budget_tokens: Math.max(1024, Math.min(maxTokens - 1, Math.floor(maxTokens / 2))),
          },
        }
      : {}),
    ...(request.tools === undefined || request.tools.length === 0
      ? {}
      : {
          tools: request.tools.map((tool) => ({
            name: tool.name,
            ...(tool.description === undefined ? {} : { description: tool.description }),
            input_schema: tool.parameters,
          })),
        }),
    ...(request.toolChoice === undefined ? {} : { tool_choice: anthropicToolChoice(request.toolChoice) }),
    ...(stream ? { stream: true } : {}),
  };
}

function anthropicToolChoice(choice: ChatToolChoice): AnthropicToolChoice {
  if (choice === "required") return { type: "any" };
  if (typeof choice === "string") return { type: choice };
  return { type: "tool", name: choice.name };
}

/** Whether the request refers to uploaded files, which needs the Files beta header. */
export function usesAnthropicFiles(request: ChatRequest): boolean {
  return request.messages.some(
    (message) =>
      message.role === "user" &&
      typeof message.content !== "string" &&
      message.content.some((part) => part.type === "provider-file"),
  );
}

function wireMessage(message: ChatMessage): AnthropicMessageParam {
  if (message.role === "tool") {
    return {
      role: "user",
      content: [
        {
          type: "tool_result",
          tool_use_id: message.toolCallId,
          content: message.content,
          ...(message.isError === true ? { is_error: true } : {}),
        },
      ],
    };
  }
  if (message.role === "assistant") {
    const blocks: AnthropicRequestBlock[] =
      message.content === "" ? [] : [{ type: "text", text: message.content }];
    for (const call of message.toolCalls ?? []) {
      blocks.push({ type: "tool_use", id: call.id, name: call.name, input: parseArguments(call.arguments) });
    }
    return { role: "assistant", content: blocks };
  }
  if (typeof message.content === "string") return { role: "user", content: message.content };
  return { role: "user", content: message.content.map(wirePart) };
}

function wirePart(part: ChatContentPart): AnthropicRequestBlock {
  if (part.type === "text") return { type: "text", text: part.text };
  const blockType = part.mimeType.startsWith("image/") ? "image" : "document";
  if (part.type === "provider-file")
    return { type: blockType, source: { type: "file", file_id: part.fileId } };
  if (blockType === "document" && part.mimeType.startsWith("text/")) {
    return {
      type: "document",
      source: { type: "text", media_type: "text/plain", data: new TextDecoder().decode(part.data) },
      ...(part.filename === undefined ? {} : { title: part.filename }),
    };
  }
  return {
    type: blockType,
    source: { type: "base64", media_type: part.mimeType, data: Buffer.from(part.data).toString("base64") },
  };
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text === "" ? "{}" : text);
  } catch {
    return {};
  }
}

export async function anthropicChat(http: ProviderHttp, request: ChatRequest): Promise<ChatResponse> {
  const message = await http.json(
    {
      method: "POST",
      path: "/v1/messages",
      json: anthropicMessagesBody(request, false),
      headers: usesAnthropicFiles(request) ? { "anthropic-beta": ANTHROPIC_FILES_BETA } : {},
      signal: request.signal,
    },
    anthropicMessageSchema,
  );
  const blocks = message.content.filter(isKnownAnthropicResponseBlock);
  const text = blocks.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
  const reasoning = blocks.flatMap((block) =>
    block.type === "thinking" && block.thinking ? [block.thinking] : [],
  );
  const rawFinishReason = message.stop_reason ?? undefined;
  return {
    provider: http.provider,
    model: message.model ?? request.model,
    id: message.id,
    text,
    reasoning: reasoning.length === 0 ? undefined : reasoning.join(""),
    toolCalls: blocks.flatMap((block) =>
      block.type === "tool_use"
        ? [{ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) }]
        : [],
    ),
    finishReason: mapAnthropicStopReason(rawFinishReason),
    rawFinishReason,
    usage: message.usage === undefined ? undefined : mapUsage(message.usage, message.usage),
  };
}

export async function* anthropicStream(
  http: ProviderHttp,
  request: ChatRequest,
): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const events = http.events({
    method: "POST",
    path: "/v1/messages",
    json: anthropicMessagesBody(request, true),
    headers: usesAnthropicFiles(request) ? { "anthropic-beta": ANTHROPIC_FILES_BETA } : {},
    signal: request.signal,
  });
  let startUsage: AnthropicUsage = {};
  let finalUsage: AnthropicUsage = {};
  let rawFinishReason: string | undefined;
  for await (const frame of events) {
    const data = parseEventData(http.provider, frame.data);
    const errorEvent = anthropicErrorEnvelopeSchema.safeParse(data);
    if (errorEvent.success && (frame.event === "error" || errorEvent.data.type === "error")) {
      throw anthropicErrorFromEnvelope(http.provider, errorEvent.data);
    }
    const parsed = anthropicStreamEventSchema.safeParse(data);
    // New event types may appear; the stream contract says to ignore what is not understood.
    if (!parsed.success) {
      parseProviderValue(http.provider, data, z.looseObject({ type: z.string() }));
      continue;
    }
    const event = parsed.data;
    switch (event.type) {
      case "message_start":
        startUsage = event.message.usage ?? {};
        yield { type: "start", id: event.message.id, model: event.message.model };
        break;
      case "content_block_start": {
        const block = event.content_block;
        if (!isKnownAnthropicResponseBlock(block)) break;
        if (block.type === "tool_use") {
          yield {
            type: "tool-call-delta",
            index: event.index,
            id: block.id,
            name: block.name,
            argumentsDelta: "",
          };
        } else if (block.type === "text" && block.text) {
          yield { type: "text-delta", text: block.text };
        }
        break;
      }
      case "content_block_delta": {
        const delta = event.delta;
        if (!isKnownAnthropicDelta(delta)) break;
        if (delta.type === "text_delta" && delta.text) yield { type: "text-delta", text: delta.text };
        else if (delta.type === "thinking_delta" && delta.thinking) {
          yield { type: "reasoning-delta", text: delta.thinking };
        } else if (delta.type === "input_json_delta") {
          yield { type: "tool-call-delta", index: event.index, argumentsDelta: delta.partial_json };
        }
        break;
      }
      case "message_delta":
        rawFinishReason = event.delta.stop_reason ?? rawFinishReason;
        finalUsage = { ...finalUsage, ...event.usage };
        break;
      case "message_stop":
        yield {
          type: "finish",
          finishReason: mapAnthropicStopReason(rawFinishReason),
          rawFinishReason,
          usage: mapUsage(startUsage, finalUsage),
        };
        return;
      default:
        break;
    }
  }
  throw streamEndedEarly(http.provider, "message_stop");
}

export function mapAnthropicStopReason(reason: string | undefined): ChatFinishReason {
  if (reason === "end_turn" || reason === "stop_sequence") return "stop";
  if (reason === "max_tokens" || reason === "model_context_window_exceeded") return "length";
  if (reason === "tool_use") return "tool_calls";
  if (reason === "refusal") return "content_filter";
  return "other";
}

/** Input tokens come with message_start, output tokens with message_delta; either may carry both. */
function mapUsage(start: AnthropicUsage, final: AnthropicUsage): ChatUsage {
  const inputTokens = final.input_tokens ?? start.input_tokens ?? 0;
  const outputTokens = final.output_tokens ?? start.output_tokens ?? 0;
  const cached = final.cache_read_input_tokens ?? start.cache_read_input_tokens ?? undefined;
  return {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
    ...(cached === undefined ? {} : { cachedInputTokens: cached }),
  };
}
