// Z.ai's Files API: upload, list (cursor pages until has_more is false), delete, and content as
// bytes. Z.ai documents no single-file lookup, so `get` finds the file in the listing.
import { z } from "zod";
import { ProviderError } from "../errors.ts";
import type { FileRecord, FilesClient, FileUpload } from "../files.ts";
import type { ProviderHttp } from "../http.ts";
import {
  deleteFileById,
  openAiFileObjectSchema,
  openAiFileRecord,
  uploadWithPurpose,
} from "../openai-compatible-files.ts";

/** The purpose api.z.ai documents; the China platform also takes `file-extract`, `batch`, `code-interpreter`. */
export const ZAI_DEFAULT_PURPOSE = "agent";
const PAGE_SIZE = 100;

const fileObjectSchema = openAiFileObjectSchema;
type ZaiFileObject = z.infer<typeof fileObjectSchema>;

const fileListSchema = z.looseObject({ data: z.array(fileObjectSchema), has_more: z.boolean().optional() });

export interface ZaiFiles extends FilesClient {
  /** The stored bytes; only `batch` and `file-extract` files can be read back. */
  content(id: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
}

export function createZaiFiles(http: ProviderHttp): ZaiFiles {
  const toRecord = (file: ZaiFileObject): FileRecord =>
    openAiFileRecord(
      http.provider,
      file,
      file.status === "failed" || file.status === "error" ? "failed" : "ready",
    );
  const path = (id: string) => `/files/${encodeURIComponent(id)}`;

  async function list(options: { signal?: AbortSignal } = {}): Promise<FileRecord[]> {
    const files: FileRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await http.json(
        { method: "GET", path: "/files", query: { limit: PAGE_SIZE, after }, signal: options.signal },
        fileListSchema,
      );
      files.push(...page.data.map(toRecord));
      const last = page.data.at(-1);
      if (page.has_more !== true || last === undefined || last.id === after) return files;
      after = last.id;
    }
  }

  return {
    async upload(upload: FileUpload) {
      return toRecord(await uploadWithPurpose(http, upload, ZAI_DEFAULT_PURPOSE, fileObjectSchema));
    },
    list,
    async get(id, options = {}) {
      const found = (await list(options)).find((file) => file.id === id);
      if (found) return found;
      throw new ProviderError({
        kind: "not_found",
        provider: http.provider,
        message: `${http.provider}: no file ${id}`,
      });
    },
    delete: (id, options = {}) => deleteFileById(http, id, options.signal),
    content(id, options = {}) {
      return http.bytes({
        method: "GET",
        path: `${path(id)}/content`,
        headers: { accept: "application/binary" },
        signal: options.signal,
      });
    },
  };
}
