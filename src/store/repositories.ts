// What the hub remembers, as asynchronous repository interfaces. Each has one implementation per
// backend (sqlite/<name>.ts, postgres/<name>.ts) and one conformance suite (test/store/conformance.ts)
// that every backend passes. A repository stores and finds; it never decides policy (limits, expiry
// rules, who may do what): that belongs to the module using it (auth/, audit/, threads/, files/).
// Times are milliseconds since the epoch; ids are strings chosen by the caller.
import { createHash } from "node:crypto";
import { AppError } from "../errors.ts";

// ---- hub keys and session tokens --------------------------------------------------------------

/** A key a person or program holds; a session is a short-lived key the launcher mints for one run. */
export type KeyKind = "key" | "session";

export interface KeyRecord {
  id: string;
  /** Unique among keys that are not revoked. */
  name: string;
  kind: KeyKind;
  /** The public start of the key (e.g. `aio_Ab3dE6gH`), shown in lists and logs. */
  prefix: string;
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  hash: string;
  scopes: string[];
  /** Providers the key may reach; undefined means every provider. */
  providers: string[] | undefined;
  /** The mode a session token is bound to. */
  mode: string | undefined;
  /** Requests per minute allowed; undefined means no limit of its own. */
  rpm: number | undefined;
  createdAt: number;
  expiresAt: number | undefined;
  revokedAt: number | undefined;
  lastUsedAt: number | undefined;
}

export type NewKey = Omit<KeyRecord, "revokedAt" | "lastUsedAt">;

export interface KeyRepository {
  /** Throws AppError("conflict") when a key that is not revoked already has this name. */
  insert(key: NewKey): Promise<KeyRecord>;
  findByHash(hash: string): Promise<KeyRecord | undefined>;
  findById(id: string): Promise<KeyRecord | undefined>;
  /** The key of that name that is not revoked, else the most recently revoked one. */
  findByName(name: string): Promise<KeyRecord | undefined>;
  /** Oldest first. */
  list(filter?: { kind?: KeyKind }): Promise<KeyRecord[]>;
  /** Marks the key revoked (once: a second call keeps the first time); undefined when no such key. */
  revoke(id: string, at: number): Promise<KeyRecord | undefined>;
  /** Sets a new expiry (renewing a session); undefined when no such key. */
  setExpiry(id: string, expiresAt: number | undefined): Promise<KeyRecord | undefined>;
  /** Records that the key was used; never moves the time backwards. */
  touch(id: string, at: number): Promise<void>;
}

/** What every backend throws when a key's name is taken. */
export function duplicateKeyName(name: string, cause: unknown): AppError {
  return new AppError(
    "conflict",
    `a hub key named "${name}" already exists; choose another name, or revoke that key first`,
    { cause },
  );
}

/** How one process learns that another revoked or changed a key (to drop it from its caches). */
export interface KeyChangeFeed {
  /** Tells every process sharing the store; its own subscribers hear it too. */
  publish(keyId: string): Promise<void>;
  /**
   * Calls `listener` with each changed key's id, or with undefined when changes may have been missed
   * (the connection to the store was lost): then every cached key must be dropped.
   */
  subscribe(listener: (keyId: string | undefined) => void): Promise<() => Promise<void>>;
}

// ---- conversation threads (continuation_id) ---------------------------------------------------

export type TurnRole = "user" | "assistant";

export interface ThreadTurn {
  role: TurnRole;
  content: string;
  provider?: string | undefined;
  model?: string | undefined;
  /** Files the turn referred to (registry sha256s or names). */
  files?: string[] | undefined;
  at: number;
}

export interface ThreadSummary {
  id: string;
  createdAt: number;
  updatedAt: number;
  turnCount: number;
}

export interface Thread extends ThreadSummary {
  /** Oldest first. */
  turns: ThreadTurn[];
}

export interface ThreadRepository {
  /**
   * Appends the turns, in order and all or none, creating the thread when it does not exist. Appends
   * to one thread from several processes never interleave within one call and never lose a turn.
   */
  append(id: string, turns: readonly ThreadTurn[]): Promise<ThreadSummary>;
  get(id: string): Promise<Thread | undefined>;
  /** Most recently updated first; `before` pages on updatedAt. */
  list(options: { limit: number; before?: number | undefined }): Promise<ThreadSummary[]>;
  /** True when the thread existed. */
  delete(id: string): Promise<boolean>;
  /** Deletes threads last updated before `at` (a retention policy decides `at`); returns how many. */
  deleteUpdatedBefore(at: number): Promise<number>;
}

// ---- the audit log ----------------------------------------------------------------------------

export interface AuditEntry {
  at: number;
  /** Who did it: `cli:<user>`, `key:<prefix>`, `hub`. */
  actor: string;
  /** What was done: `key.create`, `file.upload`, … */
  action: string;
  /** What it was done to: a key id, a sha256, … */
  subject: string;
  outcome: string;
  /** JSON text; the audit module writes it canonical so that the hash is reproducible. */
  details: string;
}

export interface AuditRecord extends AuditEntry {
  /** 1, 2, 3, … with no gaps. */
  seq: number;
  prevHash: string;
  hash: string;
}

/**
 * A row's canonical text with its seq cut out (the audit module writes it), so that the store can
 * seal the row once it holds the head and knows the seq: see chainHash.
 */
export interface AuditRowText {
  beforeSeq: string;
  afterSeq: string;
}

/** hash = SHA-256(prevHash ‖ beforeSeq ‖ seq ‖ afterSeq), hex; the PostgreSQL store computes the same in SQL. */
export function chainHash(prevHash: string, text: AuditRowText, seq: number): string {
  return createHash("sha256").update(`${prevHash}${text.beforeSeq}${seq}${text.afterSeq}`).digest("hex");
}

export interface AuditHead {
  seq: number;
  hash: string;
}

/** The hash of "no previous row". */
export const GENESIS_HASH = "0".repeat(64);

/** Rows in seq order: ascending after `afterSeq`, or descending before `beforeSeq` when `newestFirst`. */
export interface AuditListOptions {
  limit: number;
  afterSeq?: number | undefined;
  beforeSeq?: number | undefined;
  newestFirst?: boolean | undefined;
}

export interface AuditLog {
  /**
   * Appends one row after the current head and seals it with chainHash, serialized by the database
   * (never in memory), so that appends from any number of processes form one chain.
   */
  append(entry: AuditEntry, text: AuditRowText): Promise<AuditRecord>;
  list(options: AuditListOptions): Promise<AuditRecord[]>;
  /** The last row appended, as the head records it; undefined before the first append. */
  head(): Promise<AuditHead | undefined>;
}
