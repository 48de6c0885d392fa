// The file operations every provider supports, over one record shape. What only one platform
// can do (Moonshot's extracted text, Gemini's processing state) lives on that provider's client.

export type FileState = "processing" | "ready" | "failed";

export interface FileRecord {
  provider: string;
  /** What the provider calls it: Moonshot/Z.ai/Anthropic id, Gemini `files/{id}`. */
  id: string;
  filename: string | undefined;
  bytes: number | undefined;
  mimeType: string | undefined;
  purpose: string | undefined;
  createdAt: Date | undefined;
  /** When the provider will delete it on its own (Gemini: 48 h after upload). */
  expiresAt: Date | undefined;
  state: FileState;
  /** Gemini: the URI a request refers to it by. */
  uri: string | undefined;
}

/** File bytes that can be read more than once, from any offset, without being held in memory. */
export interface FileContent {
  readonly byteLength: number;
  /** The bytes from `start` (default 0) up to `end` (exclusive; default the end), as a fresh stream. */
  stream(start?: number, end?: number): AsyncIterable<Uint8Array>;
}

/** Bytes in memory, or a file read as it is sent (a 1 GB upload never sits in memory). */
export type FileData = Uint8Array | FileContent;

/** Part of the bytes: a view of memory, or a stream of that range. */
export function fileDataRange(
  data: FileData,
  start: number,
  end: number,
): Uint8Array | AsyncIterable<Uint8Array> {
  return data instanceof Uint8Array ? data.subarray(start, end) : data.stream(start, end);
}

export interface FileUpload {
  filename: string;
  data: FileData;
  mimeType: string;
  /** Provider-specific; each client documents its default. */
  purpose?: string;
  signal?: AbortSignal;
}

export interface FilesClient {
  upload(upload: FileUpload): Promise<FileRecord>;
  /** Every file, following the provider's pagination to the end. */
  list(options?: { signal?: AbortSignal }): Promise<FileRecord[]>;
  get(id: string, options?: { signal?: AbortSignal }): Promise<FileRecord>;
  delete(id: string, options?: { signal?: AbortSignal }): Promise<void>;
}

export function secondsToDate(seconds: number | undefined): Date | undefined {
  return seconds === undefined ? undefined : new Date(seconds * 1000);
}

export function isoToDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** Whether a file of this type can be read as text (and so inlined into a prompt). */
export function isTextMime(mimeType: string): boolean {
  return (
    mimeType.startsWith("text/") ||
    /^application\/(json|xml|yaml|x-yaml|javascript|typescript|x-sh|toml|sql)\b/.test(mimeType)
  );
}
