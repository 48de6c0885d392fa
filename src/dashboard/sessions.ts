// Dashboard sign-in sessions: a random id in an HttpOnly cookie mapped, in this process, to the
// principal whose key was pasted. The key itself is never kept. A session ends when its holder signs
// out, when it has been idle or alive too long, when its key expires, or when its key is revoked
// (checked against the key store now and then, so a revocation from the CLI ends it too).
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { DashboardPrincipal } from "./sources.ts";

export interface DashboardSession {
  readonly id: string;
  readonly principal: DashboardPrincipal;
  /** Sent back in every form; a post without it is refused even from the same origin. */
  readonly csrfToken: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  lastSeenAt: number;
  /** When the key behind it was last confirmed to be still valid. */
  keyCheckedAt: number;
  /** A message shown once on the next page (e.g. "circuit of zai reset"). */
  flash: string | undefined;
}

export interface SessionBookOptions {
  /** Longest a session lives. Default 8 h. */
  maxAgeMs?: number;
  /** Longest a session may sit unused. Default 1 h. */
  idleMs?: number;
  /** Sessions held at most; the least recently used goes first. Default 1000. */
  capacity?: number;
  now?: () => number;
}

export class SessionBook {
  readonly #sessions = new Map<string, DashboardSession>();
  readonly #maxAgeMs: number;
  readonly #idleMs: number;
  readonly #capacity: number;
  readonly #now: () => number;

  constructor(options: SessionBookOptions = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 8 * 60 * 60_000;
    this.#idleMs = options.idleMs ?? 60 * 60_000;
    this.#capacity = options.capacity ?? 1_000;
    this.#now = options.now ?? Date.now;
  }

  get maxAgeMs(): number {
    return this.#maxAgeMs;
  }

  start(principal: DashboardPrincipal): DashboardSession {
    const now = this.#now();
    const expiresAt = Math.min(now + this.#maxAgeMs, principal.expiresAt ?? Number.POSITIVE_INFINITY);
    const session: DashboardSession = {
      id: randomBytes(32).toString("base64url"),
      principal,
      csrfToken: randomBytes(24).toString("base64url"),
      createdAt: now,
      expiresAt,
      lastSeenAt: now,
      keyCheckedAt: now,
      flash: undefined,
    };
    this.#sessions.set(session.id, session);
    while (this.#sessions.size > this.#capacity) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done) break;
      this.#sessions.delete(oldest.value);
    }
    return session;
  }

  /** The live session with this id, marked as used; undefined when it does not exist or has ended. */
  get(id: string | undefined): DashboardSession | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    const now = this.#now();
    if (now >= session.expiresAt || now - session.lastSeenAt >= this.#idleMs) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    // Most recently used last, so eviction takes the least recently used.
    this.#sessions.delete(id);
    this.#sessions.set(id, session);
    return session;
  }

  /** Whether the live feed of this session may go on (does not count as use). */
  alive(session: DashboardSession): boolean {
    return this.#sessions.get(session.id) === session && this.#now() < session.expiresAt;
  }

  end(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ends every session signed in with this key (it was revoked). */
  endForKey(keyId: string): void {
    for (const [id, session] of this.#sessions) {
      if (session.principal.keyId === keyId) this.#sessions.delete(id);
    }
  }
}

/** Compares a form's token with the session's in constant time. */
export function csrfTokenMatches(session: DashboardSession, presented: unknown): boolean {
  if (typeof presented !== "string") return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
