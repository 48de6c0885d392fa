// A chat stream as Gemini's streamGenerateContent?alt=sse: each `data:` frame a whole
// GenerateContentResponse with the new parts, the last one with finishReason and usageMetadata,
// and no end marker. Gemini sends a functionCall whole, so a tool call's argument pieces are held
// until the call is complete. Nothing is written before the provider's first event.
import type { ChatStreamEvent, ChatToolCall } from "../../providers/chat.ts";
import type { GeminiGenerateContentResponse, GeminiPart } from "../../wire/gemini-generate-content.ts";
import { functionCallPart, geminiChunk, geminiFinishReason } from "./gemini-response.ts";

/**
 * `json-array` is what streamGenerateContent sends without `alt=sse`: `[`, the chunks separated by
 * commas as they come, `]`.
 */
export async function* renderGeminiStream(
  events: AsyncIterable<ChatStreamEvent>,
  model: string,
  framing: "sse" | "json-array" = "sse",
): AsyncGenerator<string, void, undefined> {
  let written = 0;
  const frameOf = (chunk: GeminiGenerateContentResponse): string => {
    written += 1;
    if (framing === "sse") return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
    return `${written === 1 ? "[" : ",\r\n"}${JSON.stringify(chunk)}`;
  };
  let responseId: string | undefined;
  const pending = new Map<number, ChatToolCall>();
  const completedCalls = (): GeminiPart[] => {
    const parts = [...pending.entries()]
      .sort(([left], [right]) => left - right)
      .map(([, call]) => functionCallPart(call));
    pending.clear();
    return parts;
  };
  for await (const event of events) {
    switch (event.type) {
      case "start":
        responseId = event.id;
        break;
      case "text-delta":
      case "reasoning-delta": {
        if (event.text === "") break;
        // A call is complete once the model writes anything else.
        const parts = completedCalls();
        parts.push(event.type === "text-delta" ? { text: event.text } : { text: event.text, thought: true });
        yield frameOf(geminiChunk(parts, model, responseId));
        break;
      }
      case "tool-call-delta": {
        const call = pending.get(event.index) ?? { id: "", name: "", arguments: "" };
        pending.set(event.index, {
          id: event.id ?? call.id,
          name: event.name ?? call.name,
          arguments: call.arguments + event.argumentsDelta,
        });
        break;
      }
      case "finish":
        yield frameOf(
          geminiChunk(completedCalls(), model, responseId, {
            finishReason: geminiFinishReason(event.finishReason),
            usage: event.usage,
          }),
        );
        if (framing === "json-array") yield "]";
        return;
    }
  }
}
