// The file registry in PostgreSQL, shared by every replica: contents by SHA-256, and their copies.
// One active copy per content, provider and purpose is a partial unique index, as in SQLite.
import type { Sql, TransactionSql } from "postgres";
import type {
  CopyFilter,
  FileContentRecord,
  FileCopy,
  FileCopyStatus,
  FileRegistry,
} from "../repositories.ts";
import { copyStatus, duplicateCopy } from "../sqlite/file-registry.ts";
import { type PostgresConnection, sqlState } from "./connection.ts";
import { optionalNumber } from "./rows.ts";

interface ContentRow {
  sha256: string;
  bytes: string;
  filename: string;
  mime_type: string;
  first_seen_at: string;
  pinned: boolean;
}

interface CopyRow {
  sha256: string;
  provider: string;
  purpose: string;
  remote_id: string;
  remote_name: string;
  bytes: string;
  uri: string | null;
  uploaded_at: string;
  expires_at: string | null;
  status: string;
  checked_at: string | null;
  journal_id: string | null;
}

export class PostgresFileRegistry implements FileRegistry {
  readonly #connection: PostgresConnection;

  constructor(connection: PostgresConnection) {
    this.#connection = connection;
  }

  async addContent(content: Omit<FileContentRecord, "pinned">): Promise<FileContentRecord> {
    const [row] = await this.#connection.run(async (sql) => {
      await sql`
        INSERT INTO file_contents (sha256, bytes, filename, mime_type, first_seen_at)
        VALUES (${content.sha256}, ${content.bytes}, ${content.filename}, ${content.mimeType}, ${content.firstSeenAt})
        ON CONFLICT (sha256) DO NOTHING`;
      return sql<ContentRow[]>`SELECT * FROM file_contents WHERE sha256 = ${content.sha256}`;
    });
    if (row === undefined) throw new Error(`file content ${content.sha256} vanished after it was added`);
    return contentFromRow(row);
  }

  async getContent(sha256: string): Promise<FileContentRecord | undefined> {
    const [row] = await this.#connection.run(
      (sql) => sql<ContentRow[]>`SELECT * FROM file_contents WHERE sha256 = ${sha256}`,
    );
    return row === undefined ? undefined : contentFromRow(row);
  }

  async findContents(prefix: string): Promise<FileContentRecord[]> {
    const rows = await this.#connection.run(
      (sql) =>
        sql<
          ContentRow[]
        >`SELECT * FROM file_contents WHERE left(sha256, ${prefix.length}) = ${prefix} ORDER BY sha256`,
    );
    return rows.map(contentFromRow);
  }

  async listContents(): Promise<FileContentRecord[]> {
    const rows = await this.#connection.run(
      (sql) => sql<ContentRow[]>`SELECT * FROM file_contents ORDER BY first_seen_at, sha256`,
    );
    return rows.map(contentFromRow);
  }

  async setPinned(sha256: string, pinned: boolean): Promise<FileContentRecord | undefined> {
    const [row] = await this.#connection.run(
      (sql) =>
        sql<ContentRow[]>`UPDATE file_contents SET pinned = ${pinned} WHERE sha256 = ${sha256} RETURNING *`,
    );
    return row === undefined ? undefined : contentFromRow(row);
  }

  async findActive(sha256: string, provider: string, purpose: string): Promise<FileCopy | undefined> {
    const [row] = await this.#connection.run(
      (sql) => sql<CopyRow[]>`
        SELECT * FROM file_copies
        WHERE sha256 = ${sha256} AND provider = ${provider} AND purpose = ${purpose} AND status = 'active'`,
    );
    return row === undefined ? undefined : copyFromRow(row);
  }

  async commit(copy: FileCopy): Promise<FileCopy> {
    try {
      return await this.#connection.run((sql) =>
        sql.begin(async (transaction) => {
          const known = await existingCommit(transaction, copy.journalId);
          if (known !== undefined) return known;
          await transaction`
            INSERT INTO file_copies (sha256, provider, purpose, remote_id, remote_name, bytes, uri, uploaded_at,
              expires_at, status, checked_at, journal_id)
            VALUES (${copy.sha256}, ${copy.provider}, ${copy.purpose}, ${copy.remoteId}, ${copy.remoteName},
              ${copy.bytes}, ${copy.uri ?? null}, ${copy.uploadedAt}, ${copy.expiresAt ?? null}, ${copy.status},
              ${copy.checkedAt ?? null}, ${copy.journalId ?? null})`;
          return copy;
        }),
      );
    } catch (error) {
      if (sqlState(error) !== "23505") throw error;
      // Another replica committed the same journal entry at the same instant: that row is the answer.
      const known = await this.#connection.run((sql) => existingCommit(sql, copy.journalId));
      if (known !== undefined) return known;
      throw duplicateCopy(copy, error);
    }
  }

  async findByJournal(journalId: string): Promise<FileCopy | undefined> {
    return this.#connection.run((sql) => existingCommit(sql, journalId));
  }

  async findByRemote(provider: string, remoteId: string): Promise<FileCopy | undefined> {
    const [row] = await this.#connection.run(
      (sql) =>
        sql<CopyRow[]>`SELECT * FROM file_copies WHERE provider = ${provider} AND remote_id = ${remoteId}`,
    );
    return row === undefined ? undefined : copyFromRow(row);
  }

  async copies(filter: CopyFilter = {}): Promise<FileCopy[]> {
    const sha256 = filter.sha256 ?? null;
    const provider = filter.provider ?? null;
    const status = filter.status ?? null;
    const rows = await this.#connection.run(
      (sql) => sql<CopyRow[]>`
        SELECT * FROM file_copies
        WHERE (${sha256}::text IS NULL OR sha256 = ${sha256}::text)
          AND (${provider}::text IS NULL OR provider = ${provider}::text)
          AND (${status}::text IS NULL OR status = ${status}::text)
        ORDER BY uploaded_at, provider, remote_id`,
    );
    return rows.map(copyFromRow);
  }

  async setStatus(
    provider: string,
    remoteId: string,
    status: FileCopyStatus,
    at: number,
  ): Promise<FileCopy | undefined> {
    const [row] = await this.#connection.run(
      (sql) => sql<CopyRow[]>`
        UPDATE file_copies SET status = ${status}, checked_at = ${at}
        WHERE provider = ${provider} AND remote_id = ${remoteId} RETURNING *`,
    );
    return row === undefined ? undefined : copyFromRow(row);
  }
}

async function existingCommit(
  sql: Sql | TransactionSql,
  journalId: string | undefined,
): Promise<FileCopy | undefined> {
  if (journalId === undefined) return undefined;
  const [row] = await sql<CopyRow[]>`SELECT * FROM file_copies WHERE journal_id = ${journalId}`;
  return row === undefined ? undefined : copyFromRow(row);
}

function contentFromRow(row: ContentRow): FileContentRecord {
  return {
    sha256: row.sha256,
    bytes: Number(row.bytes),
    filename: row.filename,
    mimeType: row.mime_type,
    firstSeenAt: Number(row.first_seen_at),
    pinned: row.pinned,
  };
}

function copyFromRow(row: CopyRow): FileCopy {
  return {
    sha256: row.sha256,
    provider: row.provider,
    purpose: row.purpose,
    remoteId: row.remote_id,
    remoteName: row.remote_name,
    bytes: Number(row.bytes),
    uri: row.uri ?? undefined,
    uploadedAt: Number(row.uploaded_at),
    expiresAt: optionalNumber(row.expires_at),
    status: copyStatus(row.status),
    checkedAt: optionalNumber(row.checked_at),
    journalId: row.journal_id ?? undefined,
  };
}
