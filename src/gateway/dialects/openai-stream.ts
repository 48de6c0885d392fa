// A chat stream as OpenAI's: `data: {chat.completion.chunk}` frames whose deltas carry the role,
// content, reasoning_content and tool_calls, a last chunk with finish_reason, a usage chunk with empty
// choices when stream_options.include_usage asked for it, and `data: [DONE]`. Nothing is written
// before the provider's first event, so a provider that fails at once can still be replaced.
import type { ChatStreamEvent } from "../../providers/chat.ts";
import type { OpenAiChunk } from "../../wire/openai-chat-completions.ts";
import { answerId } from "./answer-ids.ts";
import { openAiFinishReason, openAiToolCallId, openAiUsage } from "./openai-response.ts";

export interface OpenAiStreamOptions {
  model: string;
  includeUsage: boolean;
}

export async function* renderOpenAiStream(
  events: AsyncIterable<ChatStreamEvent>,
  options: OpenAiStreamOptions,
): AsyncGenerator<string, void, undefined> {
  let envelope: { id: string; object: string; created: number; model: string } | undefined;
  // The chat vocabulary's tool indexes may have gaps (Anthropic counts text blocks too); OpenAI's count calls.
  const toolPositions = new Map<number, number>();
  const chunk = (
    delta: NonNullable<NonNullable<OpenAiChunk["choices"]>[number]["delta"]>,
    finish: string | null,
  ) => frameOf({ ...envelope, choices: [{ index: 0, delta, finish_reason: finish }] });

  for await (const event of events) {
    if (envelope === undefined) {
      envelope = {
        id: answerId("chatcmpl-", event.type === "start" ? event.id : undefined),
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model: options.model,
      };
      yield chunk({ role: "assistant", content: "" }, null);
    }
    switch (event.type) {
      case "start":
        break;
      case "text-delta":
        if (event.text !== "") yield chunk({ content: event.text }, null);
        break;
      case "reasoning-delta":
        if (event.text !== "") yield chunk({ reasoning_content: event.text }, null);
        break;
      case "tool-call-delta": {
        let position = toolPositions.get(event.index);
        if (position === undefined) {
          position = toolPositions.size;
          toolPositions.set(event.index, position);
          yield chunk(
            {
              tool_calls: [
                {
                  index: position,
                  id: openAiToolCallId(event.id ?? ""),
                  type: "function",
                  function: { name: event.name ?? "", arguments: event.argumentsDelta },
                },
              ],
            },
            null,
          );
        } else if (event.argumentsDelta !== "") {
          yield chunk(
            { tool_calls: [{ index: position, function: { arguments: event.argumentsDelta } }] },
            null,
          );
        }
        break;
      }
      case "finish":
        yield chunk({}, openAiFinishReason(event.finishReason));
        if (options.includeUsage && event.usage !== undefined) {
          yield frameOf({ ...envelope, choices: [], usage: openAiUsage(event.usage) });
        }
        yield "data: [DONE]\n\n";
        return;
    }
  }
}

function frameOf(chunk: OpenAiChunk): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}
