// Where simulated providers keep uploaded files: in memory, in upload order, under one byte cap per
// provider so a long test run or a careless script cannot exhaust the machine.
import { type Call, header, SimulatedError } from "./wire.ts";

/** Bytes of file content one simulator keeps in memory at most, across all its files. */
export const STORED_BYTES_CAP = 512 * 1024 * 1024;

export interface UploadedPart {
  filename: string;
  mimeType: string;
  bytes: Buffer;
  /** The other text fields of the form (purpose…). */
  fields: ReadonlyMap<string, string>;
}

/** Reads a multipart/form-data body whose file field is `fileField`; undefined when it is absent. */
export async function readMultipart(call: Call, fileField = "file"): Promise<UploadedPart | undefined> {
  const contentType = header(call.headers, "content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new SimulatedError({
      kind: "invalid_request",
      message: "Invalid request: expected multipart/form-data",
    });
  }
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(call.body), {
      headers: { "content-type": contentType },
    }).formData();
  } catch {
    throw new SimulatedError({
      kind: "invalid_request",
      message: "Invalid request: malformed multipart body",
    });
  }
  const fields = new Map<string, string>();
  let part: UploadedPart | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") fields.set(name, value);
    else if (name === fileField && part === undefined) {
      part = {
        filename: value.name,
        mimeType: value.type || "application/octet-stream",
        bytes: Buffer.from(await value.arrayBuffer()),
        fields,
      };
    }
  }
  return part;
}

/** Files in upload order, with the bytes they hold counted against STORED_BYTES_CAP. */
export class FileShelf<T> {
  readonly #files = new Map<string, { record: T; bytes: number }>();
  #storedBytes = 0;

  get size(): number {
    return this.#files.size;
  }

  /** Whether `bytes` more would still fit under the cap. */
  fits(bytes: number): boolean {
    return this.#storedBytes + bytes <= STORED_BYTES_CAP;
  }

  put(id: string, record: T, storedBytes: number): void {
    this.delete(id);
    this.#files.set(id, { record, bytes: storedBytes });
    this.#storedBytes += storedBytes;
  }

  get(id: string): T | undefined {
    return this.#files.get(id)?.record;
  }

  delete(id: string): boolean {
    const entry = this.#files.get(id);
    if (!entry) return false;
    this.#files.delete(id);
    this.#storedBytes -= entry.bytes;
    return true;
  }

  /** Oldest first. */
  all(): T[] {
    return [...this.#files.values()].map((entry) => entry.record);
  }
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}
