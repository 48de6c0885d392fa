// What kind of file a path holds, for the providers that want a MIME type with every upload: by
// extension, else sniffed (UTF-8 without NUL bytes is text: source code, configs, logs).
import { extname } from "node:path";

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".html": "text/html",
  ".json": "application/json",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".xml": "application/xml",
  ".log": "text/plain",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".mp4": "video/mp4",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".doc": "application/msword",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
};

/** By extension; an unknown extension holding UTF-8 without NUL bytes is text (source code, configs). */
export function guessMimeType(path: string, data: Uint8Array): string {
  const known = MIME_BY_EXTENSION[extname(path).toLowerCase()];
  if (known) return known;
  if (data.includes(0)) return "application/octet-stream";
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(data.subarray(0, 64 * 1024));
    return "text/plain";
  } catch {
    return "application/octet-stream";
  }
}
