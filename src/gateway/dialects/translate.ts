// Translation between a client's dialect and a provider that speaks another: the request body
// becomes a chat request, the provider client answers it, and the answer (streamed or not) is
// rendered back in the client's dialect. The server calls `parseDialectRequest` once per request and
// `translateRequest` once per target it tries.
import type {
  ChatClient,
  ChatFinishReason,
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  ChatUsage,
} from "../../providers/chat.ts";
import type { Dialect } from "../../providers/definitions.ts";
import { parseAnthropicRequest } from "./anthropic-request.ts";
import { renderAnthropicResponse } from "./anthropic-response.ts";
import { renderAnthropicStream } from "./anthropic-stream.ts";
import { type GeminiCall, parseGeminiRequest } from "./gemini-request.ts";
import { renderGeminiResponse } from "./gemini-response.ts";
import { renderGeminiStream } from "./gemini-stream.ts";
import { parseOpenAiRequest } from "./openai-request.ts";
import { renderOpenAiResponse } from "./openai-response.ts";
import { renderOpenAiStream } from "./openai-stream.ts";
import type { TranslatedRequest } from "./translated-request.ts";

export type { GeminiCall };

export interface DialectRequest extends TranslatedRequest {
  dialect: Dialect;
}

/**
 * Parses and checks a request body of `dialect` (Gemini's model and streaming come from the URL);
 * `count` for a token-counting request, which has no generation settings.
 * Throws AppError("usage") — HTTP 400 — naming the field for a malformed body, and for a feature no
 * provider of another dialect can be given.
 */
export function parseDialectRequest(
  dialect: Dialect,
  body: unknown,
  gemini?: GeminiCall,
  options: { count?: boolean } = {},
): DialectRequest {
  switch (dialect) {
    case "anthropic":
      return { dialect, ...parseAnthropicRequest(body, options) };
    case "openai":
      return { dialect, ...parseOpenAiRequest(body) };
    case "gemini": {
      if (gemini === undefined) {
        throw new Error("a Gemini request needs its model and streaming from the URL");
      }
      // countTokens takes `contents` alone, or the whole request as `generateContentRequest`.
      const whole =
        options.count === true && isRecord(body) && isRecord(body.generateContentRequest)
          ? body.generateContentRequest
          : body;
      return { dialect, ...parseGeminiRequest(whole, gemini) };
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The answer body of a non-streamed request, as JSON of the request's dialect. */
export function renderDialectResponse(dialect: Dialect, response: ChatResponse, model: string): unknown {
  switch (dialect) {
    case "anthropic":
      return renderAnthropicResponse(response, model);
    case "openai":
      return renderOpenAiResponse(response, model);
    case "gemini":
      return renderGeminiResponse(response, model);
  }
}

/** The frames of a streamed answer in the request's dialect, SSE frames each with its blank line. */
export function renderDialectStream(
  request: Pick<DialectRequest, "dialect" | "includeUsage" | "streamFraming">,
  events: AsyncIterable<ChatStreamEvent>,
  model: string,
): AsyncGenerator<string, void, undefined> {
  switch (request.dialect) {
    case "anthropic":
      return renderAnthropicStream(events, model);
    case "openai":
      return renderOpenAiStream(events, { model, includeUsage: request.includeUsage });
    case "gemini":
      return renderGeminiStream(events, model, request.streamFraming);
  }
}

export type TranslatedAnswer =
  | { kind: "json"; body: unknown }
  /**
   * `frames` starts with a frame already received from the provider. Iterating it further may
   * throw the provider's failure (send the dialect's error event then); ending the iteration early
   * (`return`, as `for await` does on break) aborts the upstream call.
   */
  | { kind: "stream"; contentType: "text/event-stream" | "application/json"; frames: AsyncIterable<string> };

export interface TranslationTarget {
  client: ChatClient;
  /** The target's own model name, sent to its provider. */
  model: string;
}

export interface TranslationOptions {
  /** The model name the answer reports: the hub gives the model that answered (see translation.md). */
  reportedModel: string;
  signal?: AbortSignal | undefined;
  /** Called once the provider's answer is complete, with its usage: for accounting and metrics. */
  onFinish?: ((finish: TranslationFinish) => void) | undefined;
}

export interface TranslationFinish {
  finishReason: ChatFinishReason;
  usage: ChatUsage | undefined;
}

/**
 * Sends `request` to `target` and renders the answer in the request's dialect. A failure before
 * anything can be written to the client (including a stream that fails before its first frame)
 * rejects, so the caller may fall back to the next target.
 */
export async function translateRequest(
  request: DialectRequest,
  target: TranslationTarget,
  options: TranslationOptions,
): Promise<TranslatedAnswer> {
  const chat: ChatRequest = {
    ...request.chat,
    model: target.model,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  if (!request.stream) {
    const response = await target.client.chat(chat);
    options.onFinish?.({ finishReason: response.finishReason, usage: response.usage });
    const shown = request.omitReasoning ? { ...response, reasoning: undefined } : response;
    return { kind: "json", body: renderDialectResponse(request.dialect, shown, options.reportedModel) };
  }
  const events = shownEvents(target.client.streamChat(chat), request.omitReasoning, options.onFinish);
  const frames = renderDialectStream(request, events, options.reportedModel);
  const first = await frames.next();
  return {
    kind: "stream",
    contentType: request.streamFraming === "sse" ? "text/event-stream" : "application/json",
    frames: withFirst(first, frames),
  };
}

/** The provider's events as the client may see them, reporting the finish on the way. */
async function* shownEvents(
  events: AsyncIterable<ChatStreamEvent>,
  omitReasoning: boolean,
  onFinish: TranslationOptions["onFinish"],
): AsyncGenerator<ChatStreamEvent, void, undefined> {
  for await (const event of events) {
    if (event.type === "finish") onFinish?.({ finishReason: event.finishReason, usage: event.usage });
    if (!omitReasoning || event.type !== "reasoning-delta") yield event;
  }
}

/**
 * The frames with the first one put back. Not a generator: `return()` on a generator that never
 * started skips its `finally`, and a client gone before the first write must still close upstream.
 */
function withFirst(
  first: IteratorResult<string, void>,
  rest: AsyncGenerator<string, void, undefined>,
): AsyncIterableIterator<string> {
  let firstPending = first.done !== true;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<string, undefined>> {
      if (firstPending && first.done !== true) {
        firstPending = false;
        return { done: false, value: first.value };
      }
      const result = await rest.next();
      return result.done === true ? { done: true, value: undefined } : result;
    },
    async return(): Promise<IteratorResult<string, undefined>> {
      firstPending = false;
      await rest.return();
      return { done: true, value: undefined };
    },
  };
}
