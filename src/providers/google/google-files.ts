// Gemini's Files API: the two-step resumable upload (start, then 8 MiB chunks with the last one
// finalizing), get, list by pageToken, delete. Files live 48 hours and may need processing before use.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { ProviderError } from "../errors.ts";
import type { FileRecord, FileState, FilesClient, FileUpload } from "../files.ts";
import { fileDataRange, isoToDate } from "../files.ts";
import { type ProviderHttp, parseResponse } from "../http.ts";

export const GEMINI_UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
const PAGE_SIZE = 100;

const fileSchema = z.looseObject({
  name: z.string(),
  displayName: z.string().optional(),
  mimeType: z.string().optional(),
  sizeBytes: z.union([z.string(), z.number()]).optional(),
  createTime: z.string().optional(),
  expirationTime: z.string().optional(),
  uri: z.string().optional(),
  state: z.string().optional(),
  error: z.looseObject({ message: z.string().optional() }).optional(),
});
type GeminiFile = z.infer<typeof fileSchema>;

const uploadedSchema = z.looseObject({ file: fileSchema });
const fileListSchema = z.looseObject({
  files: z.array(fileSchema).optional(),
  nextPageToken: z.string().optional(),
});

export interface WaitForFileOptions {
  /** Default 2 s. */
  intervalMs?: number;
  /** Default 5 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface GeminiFiles extends FilesClient {
  /** Polls until the file is ACTIVE; a FAILED file or the time running out is an error. */
  waitUntilActive(id: string, options?: WaitForFileOptions): Promise<FileRecord>;
}

export interface GeminiFilesOptions {
  /** Bytes per upload request; Google's SDK sends 8 MiB. Must be a multiple of 256 KiB except for the last chunk. */
  chunkBytes?: number;
}

export function createGeminiFiles(http: ProviderHttp, options: GeminiFilesOptions = {}): GeminiFiles {
  const chunkBytes = options.chunkBytes ?? GEMINI_UPLOAD_CHUNK_BYTES;
  const toRecord = (file: GeminiFile): FileRecord => ({
    provider: http.provider,
    id: file.name,
    filename: file.displayName,
    bytes: file.sizeBytes === undefined ? undefined : Number(file.sizeBytes),
    mimeType: file.mimeType,
    purpose: undefined,
    createdAt: isoToDate(file.createTime),
    expiresAt: isoToDate(file.expirationTime),
    state: geminiFileState(file.state),
    uri: file.uri,
  });
  /** Accepts `files/abc` or `abc`. */
  const path = (id: string) => `/v1beta/files/${encodeURIComponent(id.replace(/^files\//, ""))}`;

  async function get(id: string, getOptions: { signal?: AbortSignal } = {}): Promise<FileRecord> {
    return toRecord(
      await http.json({ method: "GET", path: path(id), signal: getOptions.signal }, fileSchema),
    );
  }

  return {
    async upload(upload: FileUpload) {
      const start = await http.send({
        method: "POST",
        path: "/upload/v1beta/files",
        headers: {
          "x-goog-upload-protocol": "resumable",
          "x-goog-upload-command": "start",
          "x-goog-upload-header-content-length": String(upload.data.byteLength),
          "x-goog-upload-header-content-type": upload.mimeType,
        },
        json: {
          file: {
            displayName: upload.filename,
            mimeType: upload.mimeType,
            sizeBytes: String(upload.data.byteLength),
          },
        },
        signal: upload.signal,
      });
      const uploadUrl = start.headers["x-goog-upload-url"];
      if (!uploadUrl) {
        throw new ProviderError({
          kind: "protocol",
          provider: http.provider,
          message: `${http.provider}: the upload was not started (no x-goog-upload-url header)`,
        });
      }
      let offset = 0;
      for (;;) {
        const end = Math.min(offset + chunkBytes, upload.data.byteLength);
        const last = end === upload.data.byteLength;
        const response = await http.send({
          method: "POST",
          path: uploadUrl,
          headers: {
            "x-goog-upload-offset": String(offset),
            "x-goog-upload-command": last ? "upload, finalize" : "upload",
            "content-length": String(end - offset),
          },
          body: fileDataRange(upload.data, offset, end),
          signal: upload.signal,
        });
        const status = response.headers["x-goog-upload-status"];
        if (last) {
          if (status !== undefined && status !== "final") throw uploadStatusError(http.provider, status);
          return toRecord(parseResponse(http.provider, response, uploadedSchema).file);
        }
        if (status !== undefined && status !== "active") throw uploadStatusError(http.provider, status);
        offset = end;
      }
    },
    async list(listOptions = {}) {
      const files: FileRecord[] = [];
      let pageToken: string | undefined;
      for (;;) {
        const page = await http.json(
          {
            method: "GET",
            path: "/v1beta/files",
            query: { pageSize: PAGE_SIZE, pageToken },
            signal: listOptions.signal,
          },
          fileListSchema,
        );
        files.push(...(page.files ?? []).map(toRecord));
        if (!page.nextPageToken || page.nextPageToken === pageToken) return files;
        pageToken = page.nextPageToken;
      }
    },
    get,
    async delete(id, deleteOptions = {}) {
      await http.send({ method: "DELETE", path: path(id), signal: deleteOptions.signal });
    },
    async waitUntilActive(id, waitOptions = {}) {
      const intervalMs = waitOptions.intervalMs ?? 2000;
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 300_000);
      for (;;) {
        const file = await http.json(
          { method: "GET", path: path(id), signal: waitOptions.signal },
          fileSchema,
        );
        const record = toRecord(file);
        if (record.state === "ready") return record;
        if (record.state === "failed") {
          throw new ProviderError({
            kind: "invalid_request",
            provider: http.provider,
            message: `${http.provider}: processing ${id} failed${file.error?.message ? `: ${file.error.message}` : ""}`,
          });
        }
        if (Date.now() + intervalMs > deadline) {
          throw new ProviderError({
            kind: "timeout",
            provider: http.provider,
            message: `${http.provider}: ${id} was still processing when the wait ran out`,
          });
        }
        await sleep(intervalMs, undefined, { signal: waitOptions.signal });
      }
    },
  };
}

export function geminiFileState(state: string | undefined): FileState {
  if (state === "ACTIVE" || state === undefined) return "ready";
  if (state === "FAILED") return "failed";
  return "processing";
}

function uploadStatusError(provider: string, status: string): ProviderError {
  return new ProviderError({
    kind: status === "cancelled" ? "server" : "protocol",
    provider,
    message: `${provider}: the upload session answered x-goog-upload-status: ${status}`,
  });
}
