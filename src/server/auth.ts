// Who is calling: the hub key a client presents, in whichever header its SDK puts it, checked by a
// KeyAuthority (the key store) and authorized for the route's scope before anything else runs.
// No key, or no keys defined at all, means no service: the hub is never "open".
import { AppError } from "../errors.ts";

export const SCOPES = ["chat", "files", "mcp", "metrics", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** The caller a valid hub key stands for. */
export interface Principal {
  id: string;
  name: string;
  scopes: readonly Scope[];
  /** Providers this key may reach; null: all. */
  providers: readonly string[] | null;
  /** Requests per minute allowed; null: no limit. */
  rpm: number | null;
}

/** The hub's keys, as the server needs them. The store implements it; tests may hold keys in memory. */
export interface KeyAuthority {
  /** The key's principal; throws AppError "unauthenticated" for an unknown, expired or revoked key. */
  authenticate(presented: string): Promise<Principal>;
  /** Throws AppError "forbidden" (scope or provider not allowed) or "rate_limited" (over its rpm). */
  authorize(principal: Principal, scope: Scope, provider?: string): void | Promise<void>;
  /** Whether any usable key exists: `serve` refuses a non-loopback bind without one. */
  hasKeys(): Promise<boolean>;
}

/** A store with no keys at all: every request is refused with the fix. */
export const NO_KEYS: KeyAuthority = {
  authenticate() {
    return Promise.reject(
      new AppError(
        "unauthenticated",
        "this hub has no keys yet: create one with `ai-orchestrator keys create --name NAME` and send it as a bearer token",
      ),
    );
  },
  authorize() {},
  hasKeys: () => Promise.resolve(false),
};

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

/** Whether the principal may use this provider; a null allow-list allows all. */
export function allowsProvider(principal: Principal, provider: string): boolean {
  return principal.providers === null || principal.providers.includes(provider);
}
