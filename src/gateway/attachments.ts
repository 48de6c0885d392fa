// Files put into a chat request the way each provider takes them, as its definition says
// (`files.attachment`, `files.inlineLimitBytes`): inline bytes, or the hub's registry copy on that
// provider, referred to by id or read back as the text the provider extracted. A registry copy
// outlives the chat: it is the registry's, deleted by its sync and retention, never by a chat.
import { readFile } from "node:fs/promises";
import { errnoCode } from "../errno.ts";
import { AppError } from "../errors.ts";
import { hashLocalFile, inspectLocalFile, type LocalFile } from "../files/local-file.ts";
import type { UploadResult } from "../files/upload.ts";
import type { ChatContentPart } from "../providers/chat.ts";
import type { AnyProviderClient } from "../providers/clients.ts";
import { isTextMime } from "../providers/files.ts";
import type { ResolvedProvider } from "../providers/registry.ts";

/** A local file to attach; `label` names it in error messages (`--file notes.md`), its path by default. */
export interface ChatFileInput {
  path: string;
  label?: string;
}

/** A file checked and hashed once per chat, then attached per target. */
export interface ChatFile extends LocalFile {
  label: string;
}

/** The hub's file registry, as a chat uses it (FileService.withCopy). */
export interface FileCopies {
  /**
   * Runs `use` on the registry's copy of `file` on `provider`, uploaded through the registry when it
   * has none; a reused copy that `use` finds gone (not_found) is marked and replaced, once.
   */
  withCopy<T>(
    file: LocalFile,
    provider: string,
    actor: string,
    use: (copy: UploadResult) => Promise<T>,
  ): Promise<T>;
}

/** How one file reached the target. */
export interface AttachedFile {
  filename: string;
  sha256: string;
  bytes: number;
  /** The registry copy's id on the target; absent when the bytes went inline. */
  remoteId?: string;
  /** True when that copy was already there (nothing was uploaded). */
  dedup?: boolean;
}

export interface PreparedAttachments {
  /** Content parts to put before the user's text. */
  parts: ChatContentPart[];
  /** Extracted text to add to the system prompt, for providers that attach files that way. */
  system: string | undefined;
  files: AttachedFile[];
}

/** Checks, hashes and checks again against what `provider` (the first target) takes, before anything is sent. */
export async function loadChatFiles(
  inputs: readonly ChatFileInput[],
  provider: ResolvedProvider,
): Promise<ChatFile[]> {
  const files: ChatFile[] = [];
  for (const input of inputs) {
    const label = input.label ?? `file ${input.path}`;
    const inspected = await inspectLocalFile(input.path, label);
    // Checked before hashing: a file too large for the provider is not read at all.
    checkSize(label, inspected.bytes, provider);
    files.push({ ...(await hashLocalFile(inspected)), label });
  }
  const inline = sendsInline(provider, files);
  for (const file of files) checkAttachable(file, provider, inline);
  return files;
}

/**
 * Whether `provider` gets these files as inline bytes rather than as its registry copies: the one
 * place this is decided, from the provider's definition.
 */
export function sendsInline(provider: ResolvedProvider, files: readonly LocalFile[]): boolean {
  const { attachment, inlineLimitBytes = 0 } = provider.files;
  if (attachment === "inline") return true;
  if (attachment !== "inline-or-upload") return false;
  return files.reduce((sum, file) => sum + file.bytes, 0) <= inlineLimitBytes;
}

/** Throws a usage error naming the file when `provider` cannot take it (too large, of a type it does not read, no Files API). */
function checkAttachable(file: ChatFile, provider: ResolvedProvider, inline: boolean): void {
  checkSize(file.label, file.bytes, provider);
  const { attachment } = provider.files;
  if (attachment === "inline" && !isTextMime(file.mimeType) && !file.mimeType.startsWith("image/")) {
    throw new AppError(
      "usage",
      `${file.label}: ${provider.displayName} chat takes text files and images, not ${file.mimeType}`,
    );
  }
  if (inline) return;
  if (!provider.files.api) {
    throw new AppError(
      "usage",
      `${file.label}: ${provider.id} takes files through a Files API, which its endpoint does not have (filesApi: false); ask a provider that has one`,
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

export interface AttachOptions {
  /** The registry; without one, a file the target takes by reference is refused. */
  copies: FileCopies | undefined;
  /** Who the audit trail names for an upload this makes. */
  actor: string;
  signal?: AbortSignal | undefined;
}

/** The files as `provider` takes them: inline, or its registry copies (by id, or their extracted text). */
export async function prepareAttachments(
  client: AnyProviderClient,
  provider: ResolvedProvider,
  files: readonly ChatFile[],
  options: AttachOptions,
): Promise<PreparedAttachments> {
  const inline = sendsInline(provider, files);
  for (const file of files) checkAttachable(file, provider, inline);
  const parts: ChatContentPart[] = [];
  const extracted: string[] = [];
  const attached: AttachedFile[] = [];
  const { signal } = options;
  for (const file of files) {
    const described = { filename: file.filename, sha256: file.sha256, bytes: file.bytes };
    if (inline) {
      parts.push({
        type: "inline-data",
        mimeType: file.mimeType,
        data: await readInline(file),
        filename: file.filename,
      });
      attached.push(described);
      continue;
    }
    const { copies } = options;
    if (copies === undefined) {
      throw new AppError(
        "unavailable",
        `${file.label}: ${provider.id} takes files as uploads, which need the hub's file registry (its store)`,
      );
    }
    const { copy, part, text } = await copies.withCopy(file, provider.id, options.actor, (copy) =>
      attachCopy(client, provider, file, copy, signal),
    );
    if (part !== undefined) parts.push(part);
    if (text !== undefined) extracted.push(text);
    attached.push({ ...described, remoteId: copy.remoteId, dedup: copy.dedup });
  }
  return { parts, system: extracted.length === 0 ? undefined : extracted.join("\n\n"), files: attached };
}

/** A registry copy as one part of the request, or as text for the system prompt. */
interface CopyAttached {
  copy: UploadResult;
  part?: ChatContentPart;
  text?: string;
}

/** The registry copy as `provider` takes it; the call made on it also proves a reused copy still exists. */
async function attachCopy(
  client: AnyProviderClient,
  provider: ResolvedProvider,
  file: ChatFile,
  copy: UploadResult,
  signal: AbortSignal | undefined,
): Promise<CopyAttached> {
  const { attachment } = provider.files;
  if (attachment === "extracted-text") {
    // The provider extracts the text server-side; it reaches the model as system context. Only
    // Moonshot's client reads extracted text back; this narrows the type, the data decided.
    if (client.api !== "moonshot") throw missingCapability(provider, "extract file text");
    const content = await client.files.content(copy.remoteId, { signal });
    return { copy, text: `Contents of the file ${file.filename}:\n${content.text}` };
  }
  if (attachment === "inline-or-upload") {
    const { files: filesClient } = client;
    if (!("waitUntilActive" in filesClient)) throw missingCapability(provider, "wait for uploads");
    const active = await filesClient.waitUntilActive(copy.remoteId, { signal });
    const fileId = active.uri ?? copy.uri ?? copy.remoteId;
    return { copy, part: { type: "provider-file", fileId, mimeType: file.mimeType } };
  }
  // Referred to by id alone, a lost copy would fail the whole chat: a reused one is asked for first.
  if (copy.dedup) await client.files.get(copy.remoteId, { signal });
  const mimeType = documentMimeType(file, provider);
  return { copy, part: { type: "provider-file", fileId: copy.remoteId, mimeType, filename: file.filename } };
}

/** Inline bytes, small by the provider's definition (its chat or inline limit). */
async function readInline(file: ChatFile): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file.path));
  } catch (error) {
    const code = errnoCode(error) ?? String(error);
    throw new AppError("usage", `${file.label}: cannot be read (${code})`);
  }
}

// A definition naming an attachment its client cannot perform is a bug in the definitions, not input.
function missingCapability(provider: ResolvedProvider, what: string): Error {
  return new Error(
    `the ${provider.api} client cannot ${what}, which files.attachment of ${provider.id} needs`,
  );
}
