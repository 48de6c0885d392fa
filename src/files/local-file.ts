// A local file about to be uploaded: checked once (exists, is a regular readable file, not empty),
// hashed with SHA-256 as it streams, and read again from disk for each provider as the bytes are sent
// (never held in memory), with the bytes sent hashed again so a file changed meanwhile is caught.
import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { errnoCode, isMissingFile } from "../errno.ts";
import { AppError } from "../errors.ts";
import type { FileContent } from "../providers/files.ts";
import { guessMimeType } from "./mime-type.ts";

/** Read size for hashing: large enough that the reads cost little next to the hashing. */
export const READ_CHUNK_BYTES = 4 * 1024 * 1024;
/** Size of each chunk handed to the HTTP client while sending. */
const SEND_CHUNK_BYTES = 256 * 1024;

export interface InspectedFile {
  path: string;
  filename: string;
  bytes: number;
  mimeType: string;
}

export interface LocalFile extends InspectedFile {
  /** Lowercase hex. */
  sha256: string;
}

/**
 * Checks the path (exists, a regular readable file, not empty); any problem is one AppError("usage")
 * naming the file (by `label`, its path by default) and the fix.
 */
export async function inspectLocalFile(path: string, label = path): Promise<InspectedFile> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new AppError("usage", `${label} is a directory; name the files in it (e.g. ${path}/*)`);
    }
    if (!info.isFile()) throw new AppError("usage", `${label} is not a regular file`);
    size = info.size;
  } catch (error) {
    throw readProblem(label, error);
  }
  if (size === 0) throw new AppError("usage", `${label} is empty; there is nothing to send`);
  let head: Uint8Array;
  try {
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(Math.min(size, 64 * 1024));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw readProblem(label, error);
  }
  return { path, filename: basename(path), bytes: size, mimeType: guessMimeType(path, head) };
}

/** The inspected file with its SHA-256. */
export async function hashLocalFile(
  file: InspectedFile,
  onBytes?: (bytes: number) => void,
): Promise<LocalFile> {
  const { sha256, bytes } = await hashFile(file.path, onBytes);
  if (bytes !== file.bytes) throw changedWhileReading(file.path);
  return { ...file, sha256 };
}

/** SHA-256 of a file, read in 4 MiB chunks into one reused buffer: memory stays flat whatever the size. */
export async function hashFile(
  path: string,
  onBytes?: (bytes: number) => void,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  let bytes = 0;
  try {
    const handle = await open(path, "r");
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        bytes += bytesRead;
        onBytes?.(bytes);
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw readProblem(path, error);
  }
  return { sha256: hash.digest("hex"), bytes };
}

export interface SendableFile extends FileContent {
  /** Whether every byte was sent, in order, and hashed to the SHA-256 the file was registered under. */
  sentIntact(): boolean;
}

export interface SendOptions {
  /** Called with the furthest byte sent so far. */
  onProgress?: (sent: number) => void;
  /** Test-only: called once after the first chunk has gone out (see test-hold.ts). */
  afterFirstChunk?: () => Promise<void>;
}

/** The file as upload bodies read from disk; re-reading is how a retry or a Gemini chunk starts over. */
export function sendableFile(file: LocalFile, options: SendOptions = {}): SendableFile {
  // Reused in turn rather than allocated per chunk, which would leave the garbage collector tens of
  // megabytes behind on a large file. A buffer comes round again only after three more chunks were
  // handed on: by then the sender has written it out (it waits for the socket to drain before taking
  // a chunk whenever a write is still pending).
  const ring = Array.from({ length: 4 }, () => Buffer.allocUnsafe(SEND_CHUNK_BYTES));
  let hash = createHash("sha256");
  let hashedUpTo = 0;
  let intact: boolean | undefined;
  let firstChunkSent = false;
  return {
    byteLength: file.bytes,
    async *stream(start = 0, end = file.bytes) {
      if (start === 0) {
        // A new attempt from the beginning: the check starts over too.
        hash = createHash("sha256");
        hashedUpTo = 0;
        intact = undefined;
      }
      if (end <= start) return;
      let position = start;
      const handle = await open(file.path, "r").catch((error: unknown) => {
        throw readProblem(file.path, error);
      });
      try {
        for (let turn = 0; position < end; turn += 1) {
          const buffer = ring[turn % ring.length] ?? Buffer.allocUnsafe(SEND_CHUNK_BYTES);
          const { bytesRead } = await handle
            .read(buffer, 0, Math.min(buffer.length, end - position), position)
            .catch((error: unknown) => {
              throw readProblem(file.path, error);
            });
          if (bytesRead === 0) break;
          const data = buffer.subarray(0, bytesRead);
          if (position === hashedUpTo) {
            hash.update(data);
            hashedUpTo += data.length;
            // Judged before the last chunk is handed over: the sender may not ask for the stream's end.
            if (hashedUpTo === file.bytes) intact = hash.digest("hex") === file.sha256;
          }
          position += data.length;
          yield data;
          options.onProgress?.(position);
          if (!firstChunkSent) {
            firstChunkSent = true;
            await options.afterFirstChunk?.();
          }
        }
      } finally {
        await handle.close();
      }
      if (position !== end) throw changedWhileReading(file.path);
    },
    sentIntact: () => intact === true,
  };
}

function readProblem(path: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isMissingFile(error)) return new AppError("usage", `${path} does not exist; check the path`);
  const code = errnoCode(error);
  if (code === "EACCES" || code === "EPERM") {
    return new AppError("usage", `${path} cannot be read (permission denied); check its permissions`);
  }
  if (code === "EISDIR") return new AppError("usage", `${path} is a directory; name the files in it`);
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError("usage", `${path} cannot be read: ${reason}`);
}

function changedWhileReading(path: string): AppError {
  return new AppError(
    "conflict",
    `${path} changed while it was being read; upload it again once it is complete`,
  );
}
