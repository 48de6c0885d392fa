// The hub key itself: 32 random bytes in base64url behind a recognisable `aio_` prefix, so a leaked
// key is easy to spot and scan for. Only its SHA-256 is stored; the first 12 characters (`aio_` and 8
// of the random part, 48 bits of the 256) are its public prefix, shown in lists and logs.
import { hash, randomBytes } from "node:crypto";

export const KEY_MARKER = "aio_";
const PREFIX_LENGTH = KEY_MARKER.length + 8;
const KEY_SHAPE = /^aio_[A-Za-z0-9_-]{43}$/;

export interface KeyMaterial {
  key: string;
  prefix: string;
  hash: string;
}

export function mintKey(): KeyMaterial {
  const key = `${KEY_MARKER}${randomBytes(32).toString("base64url")}`;
  return { key, prefix: keyPrefix(key), hash: hashKey(key) };
}

/** The key's SHA-256 in hex; every request hashes the key it presents, hence the one-shot `hash` (no Hash object). */
export function hashKey(key: string): string {
  return hash("sha256", key, "hex");
}

export function keyPrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

/** True when the text has the shape of a hub key (it may still be unknown). */
export function hasKeyShape(text: string): boolean {
  return KEY_SHAPE.test(text);
}
