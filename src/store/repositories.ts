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

/**
 * The owner of threads started over stdio (`ai-orchestrator mcp`, one local user), and of every
 * thread stored before threads had owners: the migration that added the column gave them this one.
 */
export const LOCAL_THREAD_OWNER = "local";

export interface ThreadSummary {
  id: string;
  /** Who may list, read, continue and delete it: `key:<hub key id>` over HTTP, LOCAL_THREAD_OWNER over stdio. */
  owner: string;
  createdAt: number;
  updatedAt: number;
  turnCount: number;
}

export interface Thread extends ThreadSummary {
  /** Oldest first. */
  turns: ThreadTurn[];
}

/**
 * Every read and write but retention names the owner: another owner's thread is, to the caller, a
 * thread that does not exist.
 */
export interface ThreadListOptions {
  owner: string;
  limit: number;
  before?: number | undefined;
}

export interface ThreadRepository {
  /**
   * Appends the turns, in order and all or none, creating the thread (owned by `owner`) when it does
   * not exist. Appends to one thread from several processes never interleave within one call and
   * never lose a turn. Refuses (AppError not_found, nothing written) a thread another owner holds.
   */
  append(owner: string, id: string, turns: readonly ThreadTurn[]): Promise<ThreadSummary>;
  /** The owner's thread; undefined when there is none or another owner holds it. */
  get(owner: string, id: string): Promise<Thread | undefined>;
  /** The owner's threads, most recently updated first; `before` pages on updatedAt. */
  list(options: ThreadListOptions): Promise<ThreadSummary[]>;
  /** True when the owner's thread existed (another owner's is left alone and answers false). */
  delete(owner: string, id: string): Promise<boolean>;
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

// ---- files: the registry of copies across providers, and the upload journal -------------------

/** A content the hub has seen, known by its SHA-256 (hex). */
export interface FileContentRecord {
  sha256: string;
  bytes: number;
  /** The name it had when first uploaded. */
  filename: string;
  mimeType: string;
  firstSeenAt: number;
  /** A pinned content's copies are never deleted for age. */
  pinned: boolean;
}

/**
 * What the hub knows of one remote copy: `active` (usable), `missing` (gone remotely), `mismatched`
 * (there, with another size), `expired` (the provider deleted or will delete it), `deleted` (by us).
 */
export type FileCopyStatus = "active" | "missing" | "mismatched" | "expired" | "deleted";

export interface FileCopy {
  sha256: string;
  provider: string;
  /** The purpose it was uploaded for; "" on providers that take none. */
  purpose: string;
  /** The provider's id for it (Gemini: `files/{id}`). */
  remoteId: string;
  /** The name it was uploaded under, carrying the journal id. */
  remoteName: string;
  bytes: number;
  /** Gemini: what a request refers to it by. */
  uri: string | undefined;
  uploadedAt: number;
  /** When the provider deletes it on its own. */
  expiresAt: number | undefined;
  status: FileCopyStatus;
  /** The last time a health check or sync saw it. */
  checkedAt: number | undefined;
  /** The journal entry that made it; undefined for a copy adopted without one. */
  journalId: string | undefined;
}

export interface CopyFilter {
  sha256?: string | undefined;
  provider?: string | undefined;
  status?: FileCopyStatus | undefined;
}

export interface FileRegistry {
  /** Records a content the first time it is seen; later calls return it unchanged. */
  addContent(content: Omit<FileContentRecord, "pinned">): Promise<FileContentRecord>;
  getContent(sha256: string): Promise<FileContentRecord | undefined>;
  /** Contents whose sha256 starts with `prefix` (lowercase hex), in sha256 order. */
  findContents(prefix: string): Promise<FileContentRecord[]>;
  /** Oldest first. */
  listContents(): Promise<FileContentRecord[]>;
  /** Undefined when no such content. */
  setPinned(sha256: string, pinned: boolean): Promise<FileContentRecord | undefined>;
  /** The active copy of this content for this provider and purpose, if any. */
  findActive(sha256: string, provider: string, purpose: string): Promise<FileCopy | undefined>;
  /**
   * Records a copy (its content must have been added). Idempotent per journal entry: committing the
   * same journalId again returns the copy the first commit recorded. Throws AppError("conflict") when
   * another copy of the same content, provider and purpose is active.
   */
  commit(copy: FileCopy): Promise<FileCopy>;
  findByJournal(journalId: string): Promise<FileCopy | undefined>;
  findByRemote(provider: string, remoteId: string): Promise<FileCopy | undefined>;
  /** Oldest first. */
  copies(filter?: CopyFilter): Promise<FileCopy[]>;
  /** Sets a copy's status and when it was checked; undefined when no such copy. */
  setStatus(
    provider: string,
    remoteId: string,
    status: FileCopyStatus,
    at: number,
  ): Promise<FileCopy | undefined>;
}

/**
 * An upload's life: `claimed` (one process is uploading it), `committed` (the registry holds the
 * copy; the audit row may still be missing), `done`, or `released` (given up: nothing was stored).
 */
export type JournalState = "claimed" | "committed" | "done" | "released";

export interface JournalOwner {
  /** Unique per process and run. */
  id: string;
  host: string;
  pid: number;
}

export interface JournalEntry {
  /** Lowercase letters and digits; carried in the remote file's name, so recovery can find it. */
  id: string;
  sha256: string;
  provider: string;
  purpose: string;
  state: JournalState;
  owner: JournalOwner;
  /** The owner must renew its claim before this time, or another process may take it over. */
  leaseUntil: number;
  createdAt: number;
  updatedAt: number;
  /** The remote file, once known. */
  remoteId: string | undefined;
}

export type NewJournalEntry = Omit<JournalEntry, "state" | "updatedAt" | "remoteId">;

export type ClaimResult =
  | { claimed: true; entry: JournalEntry }
  /** `holder` is the unfinished entry that holds it, undefined when it finished in between. */
  | { claimed: false; holder: JournalEntry | undefined };

export interface FileJournal {
  /**
   * Claims the upload of one content to one provider for one purpose: at most one unfinished
   * (`claimed` or `committed`) entry per content, provider and purpose exists, across every process
   * sharing the store.
   */
  claim(entry: NewJournalEntry): Promise<ClaimResult>;
  get(id: string): Promise<JournalEntry | undefined>;
  /** Extends the lease while `ownerId` still holds the unfinished entry; false when it no longer does. */
  renew(id: string, ownerId: string, leaseUntil: number, at: number): Promise<boolean>;
  /**
   * Hands an unfinished entry to `owner` if `previousOwnerId` still holds it (compare and set), so of
   * several processes taking over one dead claim exactly one succeeds; undefined for the others.
   */
  takeOver(
    id: string,
    previousOwnerId: string,
    owner: JournalOwner,
    leaseUntil: number,
    at: number,
  ): Promise<JournalEntry | undefined>;
  /** Moves the entry to `state` (recording `remoteId` when given) if `ownerId` holds it; false otherwise. */
  advance(id: string, ownerId: string, state: JournalState, at: number, remoteId?: string): Promise<boolean>;
  /** Entries still `claimed` or `committed`, oldest first. */
  unfinished(): Promise<JournalEntry[]>;
}
