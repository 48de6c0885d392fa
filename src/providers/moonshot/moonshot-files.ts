// Moonshot's Files API. Uploads default to purpose `file-extract` (the one every account accepts);
// `/content` is documented as text but really sends a JSON wrapper, so both are read.
import { z } from "zod";
import { parseJsonBody } from "../errors.ts";
import type { FileRecord, FileState, FilesClient, FileUpload } from "../files.ts";
import type { ProviderHttp } from "../http.ts";
import {
  deleteFileById,
  openAiFileObjectSchema,
  openAiFileRecord,
  uploadWithPurpose,
} from "../openai-compatible-files.ts";

export const MOONSHOT_DEFAULT_PURPOSE = "file-extract";

const fileObjectSchema = openAiFileObjectSchema.extend({ status_details: z.string().nullish() });
type MoonshotFileObject = z.infer<typeof fileObjectSchema>;

const fileListSchema = z.looseObject({ data: z.array(fileObjectSchema) });
const contentWrapperSchema = z.looseObject({
  content: z.string(),
  file_type: z.string().optional(),
  filename: z.string().optional(),
});

export interface MoonshotFileContent {
  /** The extracted text. */
  text: string;
  fileType: string | undefined;
  filename: string | undefined;
}

export interface MoonshotFiles extends FilesClient {
  /** The text Moonshot extracted from a `file-extract` file. */
  content(id: string, options?: { signal?: AbortSignal }): Promise<MoonshotFileContent>;
}

export function createMoonshotFiles(http: ProviderHttp): MoonshotFiles {
  const toRecord = (file: MoonshotFileObject): FileRecord =>
    openAiFileRecord(http.provider, file, moonshotFileState(file.status ?? undefined));
  const path = (id: string) => `/files/${encodeURIComponent(id)}`;

  return {
    async upload(upload: FileUpload) {
      return toRecord(await uploadWithPurpose(http, upload, MOONSHOT_DEFAULT_PURPOSE, fileObjectSchema));
    },
    async list(options = {}) {
      // Moonshot does not paginate: one answer holds every file.
      const list = await http.json({ method: "GET", path: "/files", signal: options.signal }, fileListSchema);
      return list.data.map(toRecord);
    },
    async get(id, options = {}) {
      return toRecord(
        await http.json({ method: "GET", path: path(id), signal: options.signal }, fileObjectSchema),
      );
    },
    delete: (id, options = {}) => deleteFileById(http, id, options.signal),
    async content(id, options = {}) {
      const response = await http.send({
        method: "GET",
        path: `${path(id)}/content`,
        signal: options.signal,
      });
      const wrapper = contentWrapperSchema.safeParse(parseJsonBody(response.text));
      if (wrapper.success) {
        return {
          text: wrapper.data.content,
          fileType: wrapper.data.file_type,
          filename: wrapper.data.filename,
        };
      }
      return { text: response.text, fileType: response.headers["content-type"], filename: undefined };
    },
  };
}

/** Real traffic says `ok`, newer docs say `ready`; both mean the file can be used. */
export function moonshotFileState(status: string | undefined): FileState {
  if (status === undefined || status === "ok" || status === "ready" || status === "processed") return "ready";
  if (status === "error" || status === "failed") return "failed";
  return "processing";
}
