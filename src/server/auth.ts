// Who is calling: the hub key a client presents, in whichever header its SDK puts it. The key store
// (auth/hub-keys.ts) decides whether it is valid, what it may do and how fast; here is only how each
// client carries it.
import type { HubKeys } from "../auth/hub-keys.ts";
import { AppError } from "../errors.ts";

type HeaderReader = (name: string) => string | undefined;

/**
 * The key as each client sends it: `Authorization: Bearer` (OpenAI SDK, curl, Claude Code's auth
 * token), `x-api-key` (Anthropic SDK), `x-goog-api-key` or `?key=` (Gemini clients).
 */
export function presentedKey(header: HeaderReader, query: (name: string) => string | undefined): string {
  const authorization = header("authorization");
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  const key = header("x-api-key") || header("x-goog-api-key") || query("key");
  if (key) return key.trim();
  throw new AppError(
    "unauthenticated",
    "no hub key: send it as `Authorization: Bearer KEY`, `x-api-key: KEY` or `x-goog-api-key: KEY` (create one with `ai-orchestrator keys create`)",
  );
}

/** Whether any key could be presented at all: `serve` refuses a public bind without one. */
export async function hasUsableKey(keys: HubKeys, now = Date.now()): Promise<boolean> {
  const list = await keys.list({ kind: "key" });
  return list.some(
    (key) => key.revokedAt === undefined && (key.expiresAt === undefined || key.expiresAt > now),
  );
}
