// Hub keys as JSON: what `keys create --json` and `keys list --json` print and the admin endpoints
// serve, built in one place so the command line and the HTTP API never differ.
import type { CreatedKey, KeyInfo } from "./hub-keys.ts";

/** `{"id","name","key","prefix","scopes","providers","expiresAt"}`: the one time a key is shown. */
export function createdKeyJson(created: CreatedKey): Record<string, unknown> {
  const { info } = created;
  return {
    id: info.id,
    name: info.name,
    key: created.key,
    prefix: info.prefix,
    scopes: info.scopes,
    providers: info.providers ?? null,
    expiresAt: isoOrNull(info.expiresAt),
  };
}

export function keyInfoJson(key: KeyInfo, now: number): Record<string, unknown> {
  return {
    id: key.id,
    name: key.name,
    kind: key.kind,
    prefix: key.prefix,
    scopes: key.scopes,
    providers: key.providers ?? null,
    mode: key.mode ?? null,
    rpm: key.rpm ?? null,
    createdAt: isoOrNull(key.createdAt),
    expiresAt: isoOrNull(key.expiresAt),
    revokedAt: isoOrNull(key.revokedAt),
    lastUsedAt: isoOrNull(key.lastUsedAt),
    status: keyStatus(key, now),
  };
}

export function keyStatus(key: KeyInfo, now: number): "active" | "expired" | "revoked" {
  if (key.revokedAt !== undefined) return "revoked";
  if (key.expiresAt !== undefined && key.expiresAt <= now) return "expired";
  return "active";
}

export function isoOrNull(time: number | undefined): string | null {
  return time === undefined ? null : new Date(time).toISOString();
}
