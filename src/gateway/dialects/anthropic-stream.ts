// A chat stream as Anthropic's SSE sequence: message_start, then per block content_block_start,
// deltas (text_delta, thinking_delta, input_json_delta) and content_block_stop, then message_delta
// with the stop reason and usage, then message_stop. Nothing is written before the provider's first
// event, so a provider that fails at once can still be replaced by a fallback.
import type { ChatStreamEvent } from "../../providers/chat.ts";
import type { AnthropicStreamEvent } from "../../wire/anthropic-messages.ts";
import { answerId } from "./answer-ids.ts";
import { anthropicStopReason, anthropicToolUseId, anthropicUsage } from "./anthropic-response.ts";

type OpenBlock = { kind: "text" | "thinking"; index: number } | { kind: "tool"; index: number };

export async function* renderAnthropicStream(
  events: AsyncIterable<ChatStreamEvent>,
  model: string,
): AsyncGenerator<string, void, undefined> {
  let started = false;
  let open: OpenBlock | undefined;
  let blocks = 0;
  const toolBlocks = new Map<number, number>();

  const close = (): string[] => {
    if (open === undefined) return [];
    const frame = frameOf({ type: "content_block_stop", index: open.index });
    open = undefined;
    return [frame];
  };
  const openText = (kind: "text" | "thinking"): string[] => {
    if (open?.kind === kind) return [];
    const frames = close();
    open = { kind, index: blocks };
    blocks += 1;
    const block =
      kind === "text"
        ? { type: "text" as const, text: "" }
        : { type: "thinking" as const, thinking: "", signature: "" };
    frames.push(frameOf({ type: "content_block_start", index: open.index, content_block: block }));
    return frames;
  };

  for await (const event of events) {
    if (!started) {
      started = true;
      yield frameOf({
        type: "message_start",
        message: {
          id: answerId("msg_", event.type === "start" ? event.id : undefined),
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // Input tokens are known only at the end; message_delta carries the totals.
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      });
    }
    switch (event.type) {
      case "start":
        break;
      case "text-delta":
        if (event.text === "") break;
        yield* openText("text");
        yield frameOf({
          type: "content_block_delta",
          index: blocks - 1,
          delta: { type: "text_delta", text: event.text },
        });
        break;
      case "reasoning-delta":
        if (event.text === "") break;
        yield* openText("thinking");
        yield frameOf({
          type: "content_block_delta",
          index: blocks - 1,
          delta: { type: "thinking_delta", thinking: event.text },
        });
        break;
      case "tool-call-delta": {
        let index = toolBlocks.get(event.index);
        if (index === undefined) {
          yield* close();
          index = blocks;
          blocks += 1;
          toolBlocks.set(event.index, index);
          open = { kind: "tool", index };
          yield frameOf({
            type: "content_block_start",
            index,
            content_block: {
              type: "tool_use",
              id: anthropicToolUseId(event.id ?? ""),
              name: event.name ?? "",
              input: {},
            },
          });
        }
        if (event.argumentsDelta !== "") {
          yield frameOf({
            type: "content_block_delta",
            index,
            delta: { type: "input_json_delta", partial_json: event.argumentsDelta },
          });
        }
        break;
      }
      case "finish":
        yield* close();
        yield frameOf({
          type: "message_delta",
          delta: {
            stop_reason: anthropicStopReason(event.finishReason, event.rawFinishReason),
            stop_sequence: null,
          },
          usage: anthropicUsage(event.usage),
        });
        yield frameOf({ type: "message_stop" });
        return;
    }
  }
}

function frameOf(event: AnthropicStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
