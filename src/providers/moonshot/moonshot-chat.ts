// Moonshot's dialect of OpenAI chat completions: `max_completion_tokens`, images and videos by
// `ms://<file id>`, and the stream's usage inside the last choice (read by the shared stream code).
import type { ChatContentPart } from "../chat.ts";
import {
  dataUrl,
  type OpenAiCompatibleDialect,
  unsupportedPart,
  type WireContentPart,
} from "../openai-compatible-chat.ts";
import { mapMoonshotError } from "./map-moonshot-error.ts";

export function moonshotDialect(provider: string): OpenAiCompatibleDialect {
  return {
    maxTokensField: "max_completion_tokens",
    failureFinishReasons: {},
    mapError: mapMoonshotError,
    contentPart(part: ChatContentPart): WireContentPart {
      if (part.type === "text") return { type: "text", text: part.text };
      if (part.mimeType.startsWith("image/")) {
        const url = part.type === "inline-data" ? dataUrl(part.mimeType, part.data) : `ms://${part.fileId}`;
        return { type: "image_url", image_url: { url } };
      }
      if (part.mimeType.startsWith("video/") && part.type === "provider-file") {
        return { type: "video_url", video_url: { url: `ms://${part.fileId}` } };
      }
      throw unsupportedPart(
        provider,
        part,
        "upload documents with purpose file-extract and put the extracted text in a system message",
      );
    },
  };
}
