// Anthropic's Files API. Every call carries the Files beta header: the API is GA now, but older
// deployments and gateways still require it, and the GA API ignores it.
import { z } from "zod";
import type { FileRecord, FilesClient, FileUpload } from "../files.ts";
import { isoToDate } from "../files.ts";
import { multipartBody, type ProviderHttp } from "../http.ts";
import { ANTHROPIC_FILES_BETA } from "./anthropic-chat.ts";

const PAGE_SIZE = 100;
const BETA = { "anthropic-beta": ANTHROPIC_FILES_BETA };

const fileMetadataSchema = z.looseObject({
  id: z.string(),
  filename: z.string().optional(),
  mime_type: z.string().optional(),
  size_bytes: z.number().optional(),
  created_at: z.string().optional(),
  expires_at: z.string().nullish(),
});
type AnthropicFileMetadata = z.infer<typeof fileMetadataSchema>;

const fileListSchema = z.looseObject({
  data: z.array(fileMetadataSchema),
  has_more: z.boolean().optional(),
  last_id: z.string().nullish(),
});

export function createAnthropicFiles(http: ProviderHttp): FilesClient {
  const toRecord = (file: AnthropicFileMetadata): FileRecord => ({
    provider: http.provider,
    id: file.id,
    filename: file.filename,
    bytes: file.size_bytes,
    mimeType: file.mime_type,
    purpose: undefined,
    createdAt: isoToDate(file.created_at),
    expiresAt: isoToDate(file.expires_at ?? undefined),
    state: "ready",
    uri: undefined,
  });
  const path = (id: string) => `/v1/files/${encodeURIComponent(id)}`;

  return {
    async upload(upload: FileUpload) {
      const form = multipartBody([
        { name: "file", filename: upload.filename, contentType: upload.mimeType, data: upload.data },
      ]);
      const file = await http.json(
        {
          method: "POST",
          path: "/v1/files",
          body: form.body,
          headers: { ...BETA, "content-type": form.contentType, "content-length": String(form.length) },
          signal: upload.signal,
        },
        fileMetadataSchema,
      );
      return toRecord(file);
    },
    async list(options = {}) {
      const files: FileRecord[] = [];
      let afterId: string | undefined;
      for (;;) {
        const page = await http.json(
          {
            method: "GET",
            path: "/v1/files",
            query: { limit: PAGE_SIZE, after_id: afterId },
            headers: BETA,
            signal: options.signal,
          },
          fileListSchema,
        );
        files.push(...page.data.map(toRecord));
        const next = page.last_id ?? page.data.at(-1)?.id;
        if (page.has_more !== true || next === undefined || next === afterId) return files;
        afterId = next;
      }
    },
    async get(id, options = {}) {
      return toRecord(
        await http.json(
          { method: "GET", path: path(id), headers: BETA, signal: options.signal },
          fileMetadataSchema,
        ),
      );
    },
    async delete(id, options = {}) {
      await http.send({ method: "DELETE", path: path(id), headers: BETA, signal: options.signal });
    },
  };
}
