// The chat vocabulary every provider client maps to and from: one request, one response, one set
// of stream events, whatever the platform's wire format.

export type ChatContentPart =
  | { type: "text"; text: string }
  /** Bytes sent inside the request (Gemini inline data, Anthropic base64 sources, data URLs). */
  | { type: "inline-data"; mimeType: string; data: Uint8Array; filename?: string }
  /** A file already uploaded to this provider: Anthropic file id, Gemini file URI. */
  | { type: "provider-file"; fileId: string; mimeType: string; filename?: string };

export interface ChatToolCall {
  id: string;
  name: string;
  /** The JSON text of the arguments, as the model wrote it. */
  arguments: string;
}

export type ChatMessage =
  | { role: "user"; content: string | readonly ChatContentPart[] }
  | { role: "assistant"; content: string; reasoning?: string; toolCalls?: readonly ChatToolCall[] }
  /** A tool's answer; `isError` when the tool failed and `content` says how. */
  | { role: "tool"; toolCallId: string; name: string; content: string; isError?: boolean };

export interface ChatTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: Readonly<Record<string, unknown>>;
}

/** Whether the model may, must or must not call tools, or must call the one named. */
export type ChatToolChoice = "auto" | "none" | "required" | { name: string };

export interface ChatRequest {
  model: string;
  system?: string;
  messages: readonly ChatMessage[];
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  /**
   * Sample only from the K likeliest tokens (Anthropic, Gemini). OpenAI-style APIs have no such
   * setting and go without it: it narrows sampling, never what the answer can contain.
   */
  topK?: number;
  /** Texts that end the answer when the model writes them. */
  stopSequences?: readonly string[];
  /** Ask for the model's reasoning (Anthropic/Gemini thinking, GLM/Kimi `thinking`); undefined keeps the default. */
  thinking?: boolean;
  tools?: readonly ChatTool[];
  /** Undefined leaves it to the provider (which calls tools when it sees fit). */
  toolChoice?: ChatToolChoice;
  signal?: AbortSignal;
}

export type ChatFinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "other";

export interface ChatUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cachedInputTokens?: number;
  reasoningTokens?: number;
}

export interface ChatResponse {
  provider: string;
  model: string;
  id: string | undefined;
  text: string;
  reasoning: string | undefined;
  toolCalls: ChatToolCall[];
  finishReason: ChatFinishReason;
  /** What the provider itself said, e.g. `end_turn`, `MAX_TOKENS`. */
  rawFinishReason: string | undefined;
  usage: ChatUsage | undefined;
}

export type ChatStreamEvent =
  | { type: "start"; id: string | undefined; model: string | undefined }
  | { type: "text-delta"; text: string }
  | { type: "reasoning-delta"; text: string }
  /** A piece of one tool call; pieces with the same `index` belong together. */
  | { type: "tool-call-delta"; index: number; id?: string; name?: string; argumentsDelta: string }
  | {
      type: "finish";
      finishReason: ChatFinishReason;
      rawFinishReason: string | undefined;
      usage: ChatUsage | undefined;
    };

export interface ChatClient {
  chat(request: ChatRequest): Promise<ChatResponse>;
  /** Events as they arrive; a failure before or during the stream is thrown as a ProviderError. */
  streamChat(request: ChatRequest): AsyncIterable<ChatStreamEvent>;
}

/** Folds a stream into the response the non-streaming call would have given, calling `onEvent` on the way. */
export async function collectChatStream(
  provider: string,
  requestedModel: string,
  events: AsyncIterable<ChatStreamEvent>,
  onEvent?: (event: ChatStreamEvent) => void,
): Promise<ChatResponse> {
  let id: string | undefined;
  let model = requestedModel;
  let text = "";
  let reasoning = "";
  const toolCalls = new Map<number, ChatToolCall>();
  let finish: Extract<ChatStreamEvent, { type: "finish" }> | undefined;
  for await (const event of events) {
    onEvent?.(event);
    if (event.type === "start") {
      id = event.id ?? id;
      model = event.model ?? model;
    } else if (event.type === "text-delta") text += event.text;
    else if (event.type === "reasoning-delta") reasoning += event.text;
    else if (event.type === "tool-call-delta") {
      const call = toolCalls.get(event.index) ?? { id: "", name: "", arguments: "" };
      toolCalls.set(event.index, {
        id: event.id ?? call.id,
        name: event.name ?? call.name,
        arguments: call.arguments + event.argumentsDelta,
      });
    } else finish = event;
  }
  return {
    provider,
    model,
    id,
    text,
    reasoning: reasoning === "" ? undefined : reasoning,
    toolCalls: [...toolCalls.entries()].sort(([left], [right]) => left - right).map(([, call]) => call),
    finishReason: finish?.finishReason ?? "other",
    rawFinishReason: finish?.rawFinishReason,
    usage: finish?.usage,
  };
}

export function totalUsage(
  inputTokens: number,
  outputTokens: number,
  extra: Partial<ChatUsage> = {},
): ChatUsage {
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, ...extra };
}
