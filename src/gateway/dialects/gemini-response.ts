// A chat answer as a Gemini GenerateContentResponse: one candidate whose parts are thoughts, text
// and functionCalls, the finishReason and usageMetadata in Gemini's terms.
import type { ChatFinishReason, ChatResponse, ChatToolCall, ChatUsage } from "../../providers/chat.ts";
import type {
  GeminiGenerateContentResponse,
  GeminiPart,
  GeminiUsageMetadata,
} from "../../wire/gemini-generate-content.ts";
import { answerArguments } from "./tool-arguments.ts";

export function renderGeminiResponse(response: ChatResponse, model: string): GeminiGenerateContentResponse {
  const parts: GeminiPart[] = [];
  if (response.reasoning !== undefined) parts.push({ text: response.reasoning, thought: true });
  if (response.text !== "" || response.toolCalls.length === 0) parts.push({ text: response.text });
  parts.push(...response.toolCalls.map(functionCallPart));
  return geminiChunk(parts, model, response.id, {
    finishReason: geminiFinishReason(response.finishReason),
    usage: response.usage,
  });
}

export function functionCallPart(call: ChatToolCall): GeminiPart {
  return {
    functionCall: {
      ...(call.id === "" ? {} : { id: call.id }),
      name: call.name,
      args: answerArguments(call.arguments),
    },
  };
}

/** One GenerateContentResponse: the whole answer, or one chunk of a stream (the last has finishReason). */
export function geminiChunk(
  parts: GeminiPart[],
  model: string,
  responseId: string | undefined,
  end?: { finishReason: string; usage: ChatUsage | undefined },
): GeminiGenerateContentResponse {
  return {
    candidates: [
      {
        content: { role: "model", parts },
        ...(end === undefined ? {} : { finishReason: end.finishReason }),
        index: 0,
      },
    ],
    ...(end?.usage === undefined ? {} : { usageMetadata: geminiUsage(end.usage) }),
    modelVersion: model,
    ...(responseId === undefined ? {} : { responseId }),
  };
}

export function geminiFinishReason(reason: ChatFinishReason): string {
  if (reason === "length") return "MAX_TOKENS";
  if (reason === "content_filter") return "SAFETY";
  if (reason === "other") return "OTHER";
  return "STOP";
}

/** Gemini counts thoughts apart from the candidates; the chat vocabulary's output includes them. */
function geminiUsage(usage: ChatUsage): GeminiUsageMetadata {
  const thoughts = usage.reasoningTokens ?? 0;
  return {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: Math.max(0, usage.outputTokens - thoughts),
    totalTokenCount: usage.totalTokens,
    ...(usage.reasoningTokens === undefined ? {} : { thoughtsTokenCount: usage.reasoningTokens }),
    ...(usage.cachedInputTokens === undefined ? {} : { cachedContentTokenCount: usage.cachedInputTokens }),
  };
}
