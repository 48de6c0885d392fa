// Z.ai's dialect of OpenAI chat completions. A failure in the middle of a stream arrives as a
// finish_reason, with no error JSON, so those reasons are turned into errors here.
import type { ChatContentPart } from "../chat.ts";
import { isTextMime } from "../files.ts";
import {
  dataUrl,
  type OpenAiCompatibleDialect,
  unsupportedPart,
  type WireContentPart,
} from "../openai-compatible-chat.ts";
import { mapZaiError } from "./map-zai-error.ts";

export function zaiDialect(provider: string): OpenAiCompatibleDialect {
  return {
    maxTokensField: "max_tokens",
    failureFinishReasons: {
      sensitive: { kind: "invalid_request", message: "the answer was stopped by content moderation" },
      network_error: { kind: "server", message: "the provider failed while generating the answer" },
      model_context_window_exceeded: {
        kind: "too_large",
        message: "the conversation no longer fits the model's context window",
      },
    },
    mapError: mapZaiError,
    contentPart(part: ChatContentPart): WireContentPart {
      if (part.type === "text") return { type: "text", text: part.text };
      if (part.type === "inline-data" && part.mimeType.startsWith("image/")) {
        return { type: "image_url", image_url: { url: dataUrl(part.mimeType, part.data) } };
      }
      if (part.type === "inline-data" && isTextMime(part.mimeType)) {
        const heading = part.filename === undefined ? "" : `${part.filename}:\n`;
        return { type: "text", text: `${heading}${new TextDecoder().decode(part.data)}` };
      }
      throw unsupportedPart(provider, part, "Z.ai chat takes text, text files inline, and images");
    },
  };
}
