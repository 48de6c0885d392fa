// What parsing any dialect's request yields, and the shape of a translated user turn.
import type { ChatContentPart, ChatMessage, ChatRequest } from "../../providers/chat.ts";

export interface TranslatedRequest {
  /** The request in the chat vocabulary, with the model name the client asked for. */
  chat: ChatRequest;
  stream: boolean;
  /**
   * How a stream is framed: server-sent events, or (Gemini's streamGenerateContent without
   * `alt=sse`) one JSON array whose elements arrive one by one.
   */
  streamFraming: "sse" | "json-array";
  /** OpenAI's stream_options.include_usage: the stream ends with a chunk that carries usage. */
  includeUsage: boolean;
  /** The client asked not to be shown the model's reasoning (Anthropic `thinking.display: "omitted"`). */
  omitReasoning: boolean;
}

/** A lone text stays a string; anything else stays parts, so clients that tell parts apart still can. */
export function userContent(
  parts: readonly ChatContentPart[],
): Extract<ChatMessage, { role: "user" }>["content"] {
  const [only] = parts;
  return parts.length === 1 && only?.type === "text" ? only.text : parts;
}
