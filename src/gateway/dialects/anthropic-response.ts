// A chat answer as an Anthropic Messages response body: thinking, text and tool_use blocks, the
// stop reason and usage in Anthropic's terms.
import type { ChatFinishReason, ChatResponse, ChatUsage } from "../../providers/chat.ts";
import type {
  AnthropicMessage,
  AnthropicResponseBlock,
  AnthropicStopReason,
  AnthropicUsage,
} from "../../wire/anthropic-messages.ts";
import { answerId } from "./answer-ids.ts";
import { answerArguments } from "./tool-arguments.ts";

export function renderAnthropicResponse(response: ChatResponse, model: string): AnthropicMessage {
  const content: AnthropicResponseBlock[] = [];
  if (response.reasoning !== undefined)
    content.push({ type: "thinking", thinking: response.reasoning, signature: "" });
  if (response.text !== "" || response.toolCalls.length === 0)
    content.push({ type: "text", text: response.text });
  for (const call of response.toolCalls) {
    content.push({
      type: "tool_use",
      id: anthropicToolUseId(call.id),
      name: call.name,
      input: answerArguments(call.arguments),
    });
  }
  return {
    id: answerId("msg_", response.id),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: anthropicStopReason(response.finishReason, response.rawFinishReason),
    stop_sequence: null,
    usage: anthropicUsage(response.usage),
  };
}

/** Keeps a provider's tool call id when it has one, so the tool_result that comes back matches it. */
export function anthropicToolUseId(id: string): string {
  return id === "" ? answerId("toolu_", undefined) : id;
}

export function anthropicStopReason(reason: ChatFinishReason, raw: string | undefined): AnthropicStopReason {
  if (raw === "stop_sequence" || raw === "pause_turn") return raw;
  if (reason === "length") return "max_tokens";
  if (reason === "tool_calls") return "tool_use";
  if (reason === "content_filter") return "refusal";
  return "end_turn";
}

export function anthropicUsage(usage: ChatUsage | undefined): AnthropicUsage {
  return {
    input_tokens: usage?.inputTokens ?? 0,
    output_tokens: usage?.outputTokens ?? 0,
    ...(usage?.cachedInputTokens === undefined ? {} : { cache_read_input_tokens: usage.cachedInputTokens }),
  };
}
