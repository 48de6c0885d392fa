// The file registry and the upload journal as repository interfaces, with one implementation per
// backend (sqlite/file-registry.ts, postgres/file-registry.ts, …) held to one conformance suite. They
// store and find; the upload pipeline in files/ decides what is reused, claimed, adopted or deleted.
// Times are milliseconds since the epoch.

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
