// The Files API calls Moonshot and Z.ai make the OpenAI way: a multipart upload with a purpose, and
// a delete answering `{id, deleted}`. Listing, content and ids differ, so those stay in each client.
import { z } from "zod";
import { ProviderError } from "./errors.ts";
import { type FileRecord, type FileState, type FileUpload, secondsToDate } from "./files.ts";
import { multipartBody, type ProviderHttp } from "./http.ts";

/** The OpenAI FileObject fields both platforms answer with; each adds its own on top. */
export const openAiFileObjectSchema = z.looseObject({
  id: z.string(),
  bytes: z.number().optional(),
  created_at: z.number().optional(),
  filename: z.string().optional(),
  purpose: z.string().optional(),
  status: z.string().nullish(),
});
export type OpenAiFileObject = z.infer<typeof openAiFileObjectSchema>;

/** A FileObject as a FileRecord; what its `status` means is the platform's to say. */
export function openAiFileRecord(provider: string, file: OpenAiFileObject, state: FileState): FileRecord {
  return {
    provider,
    id: file.id,
    filename: file.filename,
    bytes: file.bytes,
    mimeType: undefined,
    purpose: file.purpose,
    createdAt: secondsToDate(file.created_at),
    expiresAt: undefined,
    state,
    uri: undefined,
  };
}

const deletedSchema = z.looseObject({ deleted: z.boolean().optional() });

/** POSTs `file` and `purpose` (the upload's own, else `defaultPurpose`) to /files; the answer is checked against `schema`. */
export function uploadWithPurpose<T>(
  http: ProviderHttp,
  upload: FileUpload,
  defaultPurpose: string,
  schema: z.ZodType<T>,
): Promise<T> {
  const form = multipartBody([
    { name: "file", filename: upload.filename, contentType: upload.mimeType, data: upload.data },
    { name: "purpose", value: upload.purpose ?? defaultPurpose },
  ]);
  return http.json(
    {
      method: "POST",
      path: "/files",
      body: form.body,
      headers: { "content-type": form.contentType, "content-length": String(form.length) },
      signal: upload.signal,
    },
    schema,
  );
}

/** DELETE /files/{id}; an answer of `deleted: false` is a failure, not a success to shrug off. */
export async function deleteFileById(http: ProviderHttp, id: string, signal?: AbortSignal): Promise<void> {
  const result = await http.json(
    { method: "DELETE", path: `/files/${encodeURIComponent(id)}`, signal },
    deletedSchema,
  );
  if (result.deleted === false) {
    throw new ProviderError({
      kind: "server",
      provider: http.provider,
      message: `${http.provider}: file ${id} was not deleted`,
    });
  }
}
