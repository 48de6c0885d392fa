// Gemini generateContent and streamGenerateContent?alt=sse. Each SSE event is a complete
// GenerateContentResponse chunk and the stream has no end marker: it ends when the body does.

import {
  type GeminiGenerateContentRequest,
  type GeminiPart,
  type GeminiTurn,
  type GeminiUsageMetadata,
  geminiErrorEnvelopeSchema,
  geminiGenerateContentResponseSchema,
} from "../../wire/gemini-generate-content.ts";
import type {
  ChatContentPart,
  ChatFinishReason,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  ChatToolCall,
  ChatToolChoice,
  ChatUsage,
} from "../chat.ts";
import { type ProviderHttp, parseEventData, parseProviderValue, streamEndedEarly } from "../http.ts";
import { mapGoogleError } from "./map-google-error.ts";

const CONTENT_FILTER_REASONS = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "LANGUAGE",
]);

export function geminiModelPath(model: string): string {
  return `/v1beta/models/${encodeURIComponent(model.replace(/^models\//, ""))}`;
}

export function geminiRequestBody(request: ChatRequest, baseUrl: string): GeminiGenerateContentRequest {
  const generationConfig = {
    ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.topP === undefined ? {} : { topP: request.topP }),
    ...(request.topK === undefined ? {} : { topK: request.topK }),
    ...(request.stopSequences === undefined ? {} : { stopSequences: [...request.stopSequences] }),
    ...(request.thinking === undefined
      ? {}
      : { thinkingConfig: request.thinking ? { includeThoughts: true } : { thinkingBudget: 0 } }),
  };
  return {
    contents: request.messages.map((message) => wireContent(message, baseUrl)),
    ...(request.system === undefined ? {} : { systemInstruction: { parts: [{ text: request.system }] } }),
    ...(Object.keys(generationConfig).length === 0 ? {} : { generationConfig }),
    ...(request.tools === undefined || request.tools.length === 0
      ? {}
      : {
          tools: [
            {
              functionDeclarations: request.tools.map((tool) => ({
                name: tool.name,
                ...(tool.description === undefined ? {} : { description: tool.description }),
                // `parameters` takes only an OpenAPI subset; tools carry full JSON Schema.
                parametersJsonSchema: tool.parameters,
              })),
            },
          ],
        }),
    ...(request.toolChoice === undefined
      ? {}
      : { toolConfig: { functionCallingConfig: geminiFunctionCalling(request.toolChoice) } }),
  };
}

function geminiFunctionCalling(choice: ChatToolChoice): Record<string, unknown> {
  if (choice === "auto") return { mode: "AUTO" };
  if (choice === "none") return { mode: "NONE" };
  if (choice === "required") return { mode: "ANY" };
  return { mode: "ANY", allowedFunctionNames: [choice.name] };
}

function wireContent(message: ChatMessage, baseUrl: string): GeminiTurn {
  if (message.role === "tool") {
    return {
      role: "user",
      parts: [
        {
          functionResponse: {
            name: message.name,
            // Gemini's convention: a failed call answers `{error}`, a successful one its output.
            response: message.isError === true ? { error: message.content } : toolResponse(message.content),
          },
        },
      ],
    };
  }
  if (message.role === "assistant") {
    const parts: GeminiPart[] = message.content === "" ? [] : [{ text: message.content }];
    for (const call of message.toolCalls ?? []) {
      parts.push({ functionCall: { name: call.name, args: parseObject(call.arguments) } });
    }
    return { role: "model", parts };
  }
  if (typeof message.content === "string") return { role: "user", parts: [{ text: message.content }] };
  return { role: "user", parts: message.content.map((part) => wirePart(part, baseUrl)) };
}

function wirePart(part: ChatContentPart, baseUrl: string): GeminiPart {
  if (part.type === "text") return { text: part.text };
  if (part.type === "inline-data") {
    return { inlineData: { mimeType: part.mimeType, data: Buffer.from(part.data).toString("base64") } };
  }
  // A Files API name (`files/abc`) or its full URI.
  const fileUri = /^https?:\/\//.test(part.fileId)
    ? part.fileId
    : `${baseUrl.replace(/\/+$/, "")}/v1beta/${part.fileId}`;
  return { fileData: { mimeType: part.mimeType, fileUri } };
}

function toolResponse(content: string): Record<string, unknown> {
  const parsed = parseObject(content);
  return Object.keys(parsed).length > 0 ? parsed : { content };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? { ...value } : {};
  } catch {
    return {};
  }
}

export async function geminiChat(
  http: ProviderHttp,
  baseUrl: string,
  request: ChatRequest,
): Promise<ChatResponse> {
  const response = await http.json(
    {
      method: "POST",
      path: `${geminiModelPath(request.model)}:generateContent`,
      json: geminiRequestBody(request, baseUrl),
      signal: request.signal,
    },
    geminiGenerateContentResponseSchema,
  );
  const parts = response.candidates?.[0]?.content?.parts ?? [];
  const toolCalls = parts.flatMap((part, index) =>
    part.functionCall ? [toolCall(part.functionCall, index)] : [],
  );
  const rawFinishReason = response.candidates?.[0]?.finishReason ?? response.promptFeedback?.blockReason;
  const reasoning = parts.filter((part) => part.thought === true && part.text).map((part) => part.text);
  return {
    provider: http.provider,
    model: response.modelVersion ?? request.model,
    id: response.responseId,
    text: parts
      .filter((part) => part.thought !== true && part.text)
      .map((part) => part.text)
      .join(""),
    reasoning: reasoning.length === 0 ? undefined : reasoning.join(""),
    toolCalls,
    finishReason: mapGeminiFinishReason(
      rawFinishReason,
      toolCalls.length > 0,
      response.promptFeedback?.blockReason,
    ),
    rawFinishReason,
    usage: mapUsage(response.usageMetadata),
  };
}

export async function* geminiStream(
  http: ProviderHttp,
  baseUrl: string,
  request: ChatRequest,
): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const events = http.events({
    method: "POST",
    path: `${geminiModelPath(request.model)}:streamGenerateContent`,
    query: { alt: "sse" },
    json: geminiRequestBody(request, baseUrl),
    signal: request.signal,
  });
  let started = false;
  let rawFinishReason: string | undefined;
  let blockReason: string | undefined;
  let usage: GeminiUsageMetadata | undefined;
  let toolCalls = 0;
  for await (const event of events) {
    const data = parseEventData(http.provider, event.data);
    if (typeof data === "object" && data !== null && "error" in data) {
      const envelope = geminiErrorEnvelopeSchema.safeParse(data);
      throw mapGoogleError({
        provider: http.provider,
        status: (envelope.success ? envelope.data.error.code : undefined) ?? 500,
        headers: {},
        body: event.data,
      });
    }
    const chunk = parseProviderValue(http.provider, data, geminiGenerateContentResponseSchema);
    if (!started) {
      started = true;
      yield { type: "start", id: chunk.responseId, model: chunk.modelVersion };
    }
    usage = chunk.usageMetadata ?? usage;
    blockReason = chunk.promptFeedback?.blockReason ?? blockReason;
    const candidate = chunk.candidates?.[0];
    for (const part of candidate?.content?.parts ?? []) {
      if (part.functionCall) {
        const call = toolCall(part.functionCall, toolCalls);
        yield {
          type: "tool-call-delta",
          index: toolCalls,
          id: call.id,
          name: call.name,
          argumentsDelta: call.arguments,
        };
        toolCalls += 1;
      } else if (part.text) {
        yield part.thought === true
          ? { type: "reasoning-delta", text: part.text }
          : { type: "text-delta", text: part.text };
      }
    }
    rawFinishReason = candidate?.finishReason ?? rawFinishReason;
  }
  if (rawFinishReason === undefined && blockReason === undefined) throw streamEndedEarly(http.provider);
  yield {
    type: "finish",
    finishReason: mapGeminiFinishReason(rawFinishReason, toolCalls > 0, blockReason),
    rawFinishReason: rawFinishReason ?? blockReason,
    usage: mapUsage(usage),
  };
}

function toolCall(
  call: { id?: string | undefined; name: string; args?: unknown },
  index: number,
): ChatToolCall {
  return { id: call.id ?? `call_${index}`, name: call.name, arguments: JSON.stringify(call.args ?? {}) };
}

export function mapGeminiFinishReason(
  reason: string | undefined,
  hasToolCalls: boolean,
  blockReason?: string,
): ChatFinishReason {
  if (reason === undefined && blockReason !== undefined) return "content_filter";
  if (reason === "STOP") return hasToolCalls ? "tool_calls" : "stop";
  if (reason === "MAX_TOKENS") return "length";
  if (reason !== undefined && CONTENT_FILTER_REASONS.has(reason)) return "content_filter";
  return "other";
}

/** Gemini counts thoughts apart from the candidates; both are output the caller pays for. */
function mapUsage(usage: GeminiUsageMetadata | undefined): ChatUsage | undefined {
  if (usage === undefined) return undefined;
  const inputTokens = usage.promptTokenCount ?? 0;
  const outputTokens = (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0);
  return {
    inputTokens,
    outputTokens,
    totalTokens: usage.totalTokenCount ?? inputTokens + outputTokens,
    ...(usage.cachedContentTokenCount === undefined
      ? {}
      : { cachedInputTokens: usage.cachedContentTokenCount }),
    ...(usage.thoughtsTokenCount === undefined ? {} : { reasoningTokens: usage.thoughtsTokenCount }),
  };
}
