// Files put into a chat request the way each provider takes them, as its definition says
// (`files.attachment`, `files.maxBytes`): uploaded and extracted, inline, or through a Files API.
// What was uploaded for one chat is removed again when it ends.
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { AppError } from "../errors.ts";
import { guessMimeType } from "../files/mime-type.ts";
import type { ChatContentPart } from "../providers/chat.ts";
import type { AnyProviderClient } from "../providers/clients.ts";
import { isTextMime } from "../providers/files.ts";
import type { ResolvedProvider } from "../providers/registry.ts";

/** A file to attach: a local path (read here), or bytes the caller already holds. */
export type ChatFileInput =
  /** `label` names the file in error messages (`--file notes.md`); `file <path>` by default. */
  | { path: string; label?: string }
  /** `mimeType` is guessed from the name and content when absent. */
  | { filename: string; data: Uint8Array; mimeType?: string };

export interface ChatFile {
  /** How error messages name it. */
  label: string;
  filename: string;
  mimeType: string;
  data: Uint8Array;
}

export interface PreparedAttachments {
  /** Content parts to put before the user's text. */
  parts: ChatContentPart[];
  /** Extracted text to add to the system prompt, for providers that attach files that way. */
  system: string | undefined;
}

export interface Attachments {
  /** Uploads or inlines the files for this provider. */
  prepare(files: readonly ChatFile[], signal?: AbortSignal): Promise<PreparedAttachments>;
  /** Best effort: a file left behind is only storage, and the answer already reached the caller. */
  cleanup(): Promise<void>;
}

/** Reads and checks the files against what `provider` (the first target) accepts, before anything is sent. */
export async function loadChatFiles(
  inputs: readonly ChatFileInput[],
  provider: ResolvedProvider,
): Promise<ChatFile[]> {
  const files = await Promise.all(inputs.map((input) => loadChatFile(input, provider)));
  for (const file of files) checkAttachable(file, provider);
  return files;
}

async function loadChatFile(input: ChatFileInput, provider: ResolvedProvider): Promise<ChatFile> {
  if (!("path" in input)) {
    return {
      label: `file ${input.filename}`,
      filename: input.filename,
      mimeType: input.mimeType ?? guessMimeType(input.filename, input.data),
      data: input.data,
    };
  }
  const label = input.label ?? `file ${input.path}`;
  let size: number;
  try {
    const info = await stat(input.path);
    if (!info.isFile()) throw new AppError("usage", `${label}: not a regular file`);
    size = info.size;
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new AppError("usage", `${label}: cannot be read (${code})`);
  }
  // Checked before reading: a file too large for the provider is not loaded into memory at all.
  checkSize(label, size, provider);
  const data = new Uint8Array(await readFile(input.path));
  return { label, filename: basename(input.path), mimeType: guessMimeType(input.path, data), data };
}

/** Throws a usage error naming the file when `provider` cannot take it (too large, or of a type it does not read). */
export function checkAttachable(file: ChatFile, provider: ResolvedProvider): void {
  checkSize(file.label, file.data.byteLength, provider);
  const { attachment } = provider.files;
  if (attachment === "inline" && !isTextMime(file.mimeType) && !file.mimeType.startsWith("image/")) {
    throw new AppError(
      "usage",
      `${file.label}: ${provider.displayName} chat takes text files and images, not ${file.mimeType}`,
    );
  }
  if (attachment === "upload") documentMimeType(file, provider);
}

function checkSize(label: string, size: number, provider: ResolvedProvider): void {
  const { maxBytes } = provider.files;
  if (size <= maxBytes) return;
  throw new AppError(
    "too_large",
    `${label}: ${size} bytes is more than ${provider.id} takes (${Math.round(maxBytes / 1024 / 1024)} MB)`,
    { exitCode: 2, provider: provider.id },
  );
}

/** Attaching through a Files API (Anthropic): documents as PDF or plain text, images as images. */
function documentMimeType(file: ChatFile, provider: ResolvedProvider): string {
  if (file.mimeType === "application/pdf" || file.mimeType.startsWith("image/")) return file.mimeType;
  if (isTextMime(file.mimeType)) return "text/plain";
  throw new AppError(
    "usage",
    `${file.label}: ${provider.displayName} takes PDF, text and image files, not ${file.mimeType}; convert it to PDF first`,
  );
}

export function createAttachments(client: AnyProviderClient, provider: ResolvedProvider): Attachments {
  const uploaded: string[] = [];
  const upload = async (file: ChatFile, mimeType: string, signal: AbortSignal | undefined) => {
    const record = await client.files.upload({
      filename: file.filename,
      mimeType,
      data: file.data,
      ...(signal ? { signal } : {}),
    });
    uploaded.push(record.id);
    return record;
  };

  return {
    async prepare(files, signal) {
      const parts: ChatContentPart[] = [];
      const extracted: string[] = [];
      const totalBytes = files.reduce((sum, file) => sum + file.data.byteLength, 0);
      const { attachment, inlineLimitBytes = 0 } = provider.files;
      for (const file of files) {
        checkAttachable(file, provider);
        const inline: ChatContentPart = {
          type: "inline-data",
          mimeType: file.mimeType,
          data: file.data,
          filename: file.filename,
        };
        if (
          attachment === "inline" ||
          (attachment === "inline-or-upload" && totalBytes <= inlineLimitBytes)
        ) {
          parts.push(inline);
        } else if (attachment === "extracted-text") {
          // The provider extracts the text server-side; it reaches the model as system context.
          // Only Moonshot's client reads extracted text back; this narrows the type, the data decided.
          if (client.api !== "moonshot") throw missingCapability(provider, "extract file text");
          const record = await upload(file, file.mimeType, signal);
          const content = await client.files.content(record.id, signal ? { signal } : {});
          extracted.push(`Contents of the file ${file.filename}:\n${content.text}`);
        } else if (attachment === "inline-or-upload") {
          const { files: filesClient } = client;
          if (!("waitUntilActive" in filesClient)) throw missingCapability(provider, "wait for uploads");
          const record = await upload(file, file.mimeType, signal);
          const active =
            record.state === "ready"
              ? record
              : await filesClient.waitUntilActive(record.id, signal ? { signal } : {});
          parts.push({ type: "provider-file", fileId: active.uri ?? active.id, mimeType: file.mimeType });
        } else {
          const mimeType = documentMimeType(file, provider);
          const record = await upload(file, mimeType, signal);
          parts.push({ type: "provider-file", fileId: record.id, mimeType, filename: file.filename });
        }
      }
      return { parts, system: extracted.length === 0 ? undefined : extracted.join("\n\n") };
    },
    async cleanup() {
      for (const id of uploaded.splice(0)) {
        try {
          await client.files.delete(id);
        } catch {
          // Nothing to tell the caller that they can act on.
        }
      }
    },
  };
}

// A definition naming an attachment its client cannot perform is a bug in the definitions, not input.
function missingCapability(provider: ResolvedProvider, what: string): Error {
  return new Error(
    `the ${provider.api} client cannot ${what}, which files.attachment of ${provider.id} needs`,
  );
}
