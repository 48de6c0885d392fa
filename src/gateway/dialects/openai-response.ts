// A chat answer as an OpenAI chat.completion body: the message with content, reasoning_content (as
// Z.ai and Moonshot send it) and tool_calls, the finish reason and usage in OpenAI's terms.
import type { ChatFinishReason, ChatResponse, ChatUsage } from "../../providers/chat.ts";
import type {
  OpenAiCompletion,
  OpenAiFinishReason,
  OpenAiUsage,
} from "../../wire/openai-chat-completions.ts";
import { answerId } from "./answer-ids.ts";

export function renderOpenAiResponse(response: ChatResponse, model: string): OpenAiCompletion {
  return {
    id: answerId("chatcmpl-", response.id),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: response.text === "" && response.toolCalls.length > 0 ? null : response.text,
          ...(response.reasoning === undefined ? {} : { reasoning_content: response.reasoning }),
          ...(response.toolCalls.length === 0
            ? {}
            : {
                tool_calls: response.toolCalls.map((call) => ({
                  id: openAiToolCallId(call.id),
                  type: "function" as const,
                  function: { name: call.name, arguments: call.arguments === "" ? "{}" : call.arguments },
                })),
              }),
          refusal: null,
        },
        finish_reason: openAiFinishReason(response.finishReason),
        logprobs: null,
      },
    ],
    ...(response.usage === undefined ? {} : { usage: openAiUsage(response.usage) }),
  };
}

export function openAiToolCallId(id: string): string {
  return id === "" ? answerId("call_", undefined) : id;
}

export function openAiFinishReason(reason: ChatFinishReason): OpenAiFinishReason {
  return reason === "other" ? "stop" : reason;
}

export function openAiUsage(usage: ChatUsage): OpenAiUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
    ...(usage.cachedInputTokens === undefined
      ? {}
      : { prompt_tokens_details: { cached_tokens: usage.cachedInputTokens } }),
    ...(usage.reasoningTokens === undefined
      ? {}
      : { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }),
  };
}
