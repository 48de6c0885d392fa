// Reading a client's JSON body: the size limit first (413 beyond it, read no further), then the
// content type and the JSON itself, each refused with a 400 that says what to send instead.
import type { Context } from "hono";
import { AppError } from "../errors.ts";
import { requestHeader, type ServerEnv } from "./context.ts";
import { readStream } from "./read-stream.ts";

/** The body as bytes, refusing more than `limit` of them. */
export async function readBody(c: Context<ServerEnv>, limit: number): Promise<Uint8Array> {
  const declared = requestHeader(c, "content-length");
  if (declared !== undefined) {
    if (Number(declared) > limit) throw tooLarge(limit);
    // Under node, straight from its request: Hono's arrayBuffer() copies the bytes once more.
    const incoming = c.env?.incoming;
    if (incoming !== undefined && !incoming.readableDidRead) return readStream(incoming);
    return new Uint8Array(await c.req.arrayBuffer());
  }
  // No length given (chunked): count while reading, and stop at the limit.
  const stream = c.req.raw.body;
  if (stream === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The body parsed as a JSON object; anything else is a usage error (HTTP 400). */
export function parseJsonObject(c: Context<ServerEnv>, bytes: Uint8Array): Record<string, unknown> {
  const type = requestHeader(c, "content-type");
  if (type !== undefined && !/^application\/(?:[\w.+-]*\+)?json\b/i.test(type.trim())) {
    throw new AppError("usage", `content-type ${type} is not accepted: send the body as application/json`);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch {
    throw new AppError("usage", "the request body is not valid JSON");
  }
  if (!isJsonObject(value)) throw new AppError("usage", "the request body must be a JSON object");
  return value;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function tooLarge(limit: number): AppError {
  return new AppError(
    "too_large",
    `the request body is larger than ${limit} bytes (server.bodyLimitBytes); send less or raise the limit`,
  );
}
