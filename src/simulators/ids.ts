// Identifiers in each provider's own format, so clients that validate or store them meet the real shapes.
import { randomBytes, randomUUID } from "node:crypto";

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";
const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const LOWER_ALPHANUMERIC = "0123456789abcdefghijklmnopqrstuvwxyz";

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let text = "";
  for (const byte of bytes) text += alphabet[byte % alphabet.length];
  return text;
}

/** Moonshot file ids: 20 lower-case base32hex characters, no prefix (an xid: 4 bytes of time, 8 random). */
export function moonshotFileId(nowMs: number): string {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 0);
  randomBytes(8).copy(bytes, 4);
  let bits = 0;
  let value = 0;
  let text = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text += BASE32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) text += BASE32HEX[(value << (5 - bits)) & 31];
  return text;
}

/** Anthropic-style ids: `req_011C…`, `msg_01…`, `file_011C…`. */
export function anthropicId(prefix: "req" | "msg" | "file" | "toolu"): string {
  return `${prefix}_011C${randomFrom(ALPHANUMERIC, 20)}`;
}

/** Gemini file ids: lower-case letters and digits, as in `files/k7t2cbrqb2ai`. */
export function geminiFileId(): string {
  return randomFrom(LOWER_ALPHANUMERIC, 12);
}

export function hexId(bytes = 16): string {
  return randomBytes(bytes).toString("hex");
}

export function uuid(): string {
  return randomUUID();
}
