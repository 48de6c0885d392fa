// The file registry in orchestrator.db: contents by SHA-256, and the remote copies of each.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { AppError } from "../../errors.ts";
import type {
  CopyFilter,
  FileContentRecord,
  FileCopy,
  FileCopyStatus,
  FileRegistry,
} from "../repositories.ts";
import { integer, optionalInteger, optionalText, type Row, text } from "./columns.ts";
import { immediateTransaction, isConstraintViolation } from "./transaction.ts";

const CONTENT_COLUMNS = "sha256, bytes, filename, mime_type, first_seen_at, pinned";
const COPY_COLUMNS =
  "sha256, provider, purpose, remote_id, remote_name, bytes, uri, uploaded_at, expires_at, status, checked_at, journal_id";

export class SqliteFileRegistry implements FileRegistry {
  readonly #database: DatabaseSync;
  readonly #insertContent: StatementSync;
  readonly #content: StatementSync;
  readonly #contentsByPrefix: StatementSync;
  readonly #contents: StatementSync;
  readonly #pin: StatementSync;
  readonly #active: StatementSync;
  readonly #insertCopy: StatementSync;
  readonly #byJournal: StatementSync;
  readonly #byRemote: StatementSync;
  readonly #copies: StatementSync;
  readonly #setStatus: StatementSync;

  constructor(database: DatabaseSync) {
    this.#database = database;
    this.#insertContent = database.prepare(
      `INSERT INTO file_contents (${CONTENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (sha256) DO NOTHING`,
    );
    this.#content = database.prepare(`SELECT ${CONTENT_COLUMNS} FROM file_contents WHERE sha256 = ?`);
    this.#contentsByPrefix = database.prepare(
      `SELECT ${CONTENT_COLUMNS} FROM file_contents WHERE substr(sha256, 1, ?) = ? ORDER BY sha256`,
    );
    this.#contents = database.prepare(
      `SELECT ${CONTENT_COLUMNS} FROM file_contents ORDER BY first_seen_at, sha256`,
    );
    this.#pin = database.prepare("UPDATE file_contents SET pinned = ? WHERE sha256 = ?");
    this.#active = database.prepare(
      `SELECT ${COPY_COLUMNS} FROM file_copies WHERE sha256 = ? AND provider = ? AND purpose = ? AND status = 'active'`,
    );
    this.#insertCopy = database.prepare(
      `INSERT INTO file_copies (${COPY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#byJournal = database.prepare(`SELECT ${COPY_COLUMNS} FROM file_copies WHERE journal_id = ?`);
    this.#byRemote = database.prepare(
      `SELECT ${COPY_COLUMNS} FROM file_copies WHERE provider = ? AND remote_id = ?`,
    );
    this.#copies = database.prepare(
      `SELECT ${COPY_COLUMNS} FROM file_copies
       WHERE (?1 IS NULL OR sha256 = ?1) AND (?2 IS NULL OR provider = ?2) AND (?3 IS NULL OR status = ?3)
       ORDER BY uploaded_at, provider, remote_id`,
    );
    this.#setStatus = database.prepare(
      "UPDATE file_copies SET status = ?, checked_at = ? WHERE provider = ? AND remote_id = ?",
    );
  }

  async addContent(content: Omit<FileContentRecord, "pinned">): Promise<FileContentRecord> {
    this.#insertContent.run(
      content.sha256,
      content.bytes,
      content.filename,
      content.mimeType,
      content.firstSeenAt,
    );
    const row = this.#content.get(content.sha256);
    if (row === undefined) throw new Error(`file content ${content.sha256} vanished after it was added`);
    return contentFromRow(row);
  }

  async getContent(sha256: string): Promise<FileContentRecord | undefined> {
    const row = this.#content.get(sha256);
    return row === undefined ? undefined : contentFromRow(row);
  }

  async findContents(prefix: string): Promise<FileContentRecord[]> {
    return this.#contentsByPrefix.all(prefix.length, prefix).map(contentFromRow);
  }

  async listContents(): Promise<FileContentRecord[]> {
    return this.#contents.all().map(contentFromRow);
  }

  async setPinned(sha256: string, pinned: boolean): Promise<FileContentRecord | undefined> {
    this.#pin.run(pinned ? 1 : 0, sha256);
    return this.getContent(sha256);
  }

  async findActive(sha256: string, provider: string, purpose: string): Promise<FileCopy | undefined> {
    const row = this.#active.get(sha256, provider, purpose);
    return row === undefined ? undefined : copyFromRow(row);
  }

  async commit(copy: FileCopy): Promise<FileCopy> {
    return immediateTransaction(this.#database, () => {
      if (copy.journalId !== undefined) {
        const existing = this.#byJournal.get(copy.journalId);
        if (existing !== undefined) return copyFromRow(existing);
      }
      try {
        this.#insertCopy.run(
          copy.sha256,
          copy.provider,
          copy.purpose,
          copy.remoteId,
          copy.remoteName,
          copy.bytes,
          copy.uri ?? null,
          copy.uploadedAt,
          copy.expiresAt ?? null,
          copy.status,
          copy.checkedAt ?? null,
          copy.journalId ?? null,
        );
      } catch (error) {
        if (isConstraintViolation(error)) throw duplicateCopy(copy, error);
        throw error;
      }
      return copy;
    });
  }

  async findByJournal(journalId: string): Promise<FileCopy | undefined> {
    const row = this.#byJournal.get(journalId);
    return row === undefined ? undefined : copyFromRow(row);
  }

  async findByRemote(provider: string, remoteId: string): Promise<FileCopy | undefined> {
    const row = this.#byRemote.get(provider, remoteId);
    return row === undefined ? undefined : copyFromRow(row);
  }

  async copies(filter: CopyFilter = {}): Promise<FileCopy[]> {
    return this.#copies
      .all(filter.sha256 ?? null, filter.provider ?? null, filter.status ?? null)
      .map(copyFromRow);
  }

  async setStatus(
    provider: string,
    remoteId: string,
    status: FileCopyStatus,
    at: number,
  ): Promise<FileCopy | undefined> {
    this.#setStatus.run(status, at, provider, remoteId);
    return this.findByRemote(provider, remoteId);
  }
}

/** What every backend throws when a second copy would become active, or a remote id repeats. */
export function duplicateCopy(copy: FileCopy, cause: unknown): AppError {
  return new AppError(
    "conflict",
    `${copy.provider} already has an active copy of ${copy.sha256.slice(0, 12)} (or ${copy.remoteId} is registered); the registry keeps one`,
    { cause },
  );
}

function contentFromRow(row: Row): FileContentRecord {
  return {
    sha256: text(row, "sha256"),
    bytes: integer(row, "bytes"),
    filename: text(row, "filename"),
    mimeType: text(row, "mime_type"),
    firstSeenAt: integer(row, "first_seen_at"),
    pinned: integer(row, "pinned") === 1,
  };
}

function copyFromRow(row: Row): FileCopy {
  return {
    sha256: text(row, "sha256"),
    provider: text(row, "provider"),
    purpose: text(row, "purpose"),
    remoteId: text(row, "remote_id"),
    remoteName: text(row, "remote_name"),
    bytes: integer(row, "bytes"),
    uri: optionalText(row, "uri"),
    uploadedAt: integer(row, "uploaded_at"),
    expiresAt: optionalInteger(row, "expires_at"),
    status: copyStatus(text(row, "status")),
    checkedAt: optionalInteger(row, "checked_at"),
    journalId: optionalText(row, "journal_id"),
  };
}

const COPY_STATUSES: readonly FileCopyStatus[] = ["active", "missing", "mismatched", "expired", "deleted"];

export function copyStatus(value: string): FileCopyStatus {
  const status = COPY_STATUSES.find((candidate) => candidate === value);
  if (status === undefined) throw new Error(`unexpected file copy status ${value}`);
  return status;
}
