// The upload journal in PostgreSQL. A claim is an INSERT guarded by a partial unique index, so two
// replicas claiming the same upload at the same instant get one winner; the loser reads the holder.
import type {
  ClaimResult,
  FileJournal,
  JournalEntry,
  JournalOwner,
  JournalState,
  NewJournalEntry,
} from "../repositories.ts";
import { journalState } from "../sqlite/file-journal.ts";
import type { PostgresConnection } from "./connection.ts";

interface EntryRow {
  id: string;
  sha256: string;
  provider: string;
  purpose: string;
  state: string;
  owner_id: string;
  owner_host: string;
  owner_pid: number;
  lease_until: string;
  created_at: string;
  updated_at: string;
  remote_id: string | null;
}

const OPEN = ["claimed", "committed"];

export class PostgresFileJournal implements FileJournal {
  readonly #connection: PostgresConnection;

  constructor(connection: PostgresConnection) {
    this.#connection = connection;
  }

  async claim(entry: NewJournalEntry): Promise<ClaimResult> {
    const inserted = await this.#connection.run(
      (sql) => sql<EntryRow[]>`
        INSERT INTO file_journal (id, sha256, provider, purpose, state, owner_id, owner_host, owner_pid,
          lease_until, created_at, updated_at)
        VALUES (${entry.id}, ${entry.sha256}, ${entry.provider}, ${entry.purpose}, 'claimed', ${entry.owner.id},
          ${entry.owner.host}, ${entry.owner.pid}, ${entry.leaseUntil}, ${entry.createdAt}, ${entry.createdAt})
        ON CONFLICT (sha256, provider, purpose) WHERE state IN ('claimed', 'committed') DO NOTHING
        RETURNING *`,
    );
    const [row] = inserted;
    if (row !== undefined) return { claimed: true, entry: entryFromRow(row) };
    const [holder] = await this.#connection.run(
      (sql) => sql<EntryRow[]>`
        SELECT * FROM file_journal
        WHERE sha256 = ${entry.sha256} AND provider = ${entry.provider} AND purpose = ${entry.purpose}
          AND state IN ${sql(OPEN)}`,
    );
    return { claimed: false, holder: holder === undefined ? undefined : entryFromRow(holder) };
  }

  async get(id: string): Promise<JournalEntry | undefined> {
    const [row] = await this.#connection.run(
      (sql) => sql<EntryRow[]>`SELECT * FROM file_journal WHERE id = ${id}`,
    );
    return row === undefined ? undefined : entryFromRow(row);
  }

  async renew(id: string, ownerId: string, leaseUntil: number, at: number): Promise<boolean> {
    const rows = await this.#connection.run(
      (sql) => sql`
        UPDATE file_journal SET lease_until = ${leaseUntil}, updated_at = ${at}
        WHERE id = ${id} AND owner_id = ${ownerId} AND state IN ${sql(OPEN)} RETURNING id`,
    );
    return rows.length === 1;
  }

  async takeOver(
    id: string,
    previousOwnerId: string,
    owner: JournalOwner,
    leaseUntil: number,
    at: number,
  ): Promise<JournalEntry | undefined> {
    const [row] = await this.#connection.run(
      (sql) => sql<EntryRow[]>`
        UPDATE file_journal SET owner_id = ${owner.id}, owner_host = ${owner.host}, owner_pid = ${owner.pid},
          lease_until = ${leaseUntil}, updated_at = ${at}
        WHERE id = ${id} AND owner_id = ${previousOwnerId} AND state IN ${sql(OPEN)} RETURNING *`,
    );
    return row === undefined ? undefined : entryFromRow(row);
  }

  async advance(
    id: string,
    ownerId: string,
    state: JournalState,
    at: number,
    remoteId?: string,
  ): Promise<boolean> {
    const rows = await this.#connection.run(
      (sql) => sql`
        UPDATE file_journal SET state = ${state}, remote_id = coalesce(${remoteId ?? null}::text, remote_id),
          updated_at = ${at}
        WHERE id = ${id} AND owner_id = ${ownerId} AND state IN ${sql(OPEN)} RETURNING id`,
    );
    return rows.length === 1;
  }

  async unfinished(): Promise<JournalEntry[]> {
    const rows = await this.#connection.run(
      (sql) =>
        sql<EntryRow[]>`SELECT * FROM file_journal WHERE state IN ${sql(OPEN)} ORDER BY created_at, id`,
    );
    return rows.map(entryFromRow);
  }
}

function entryFromRow(row: EntryRow): JournalEntry {
  return {
    id: row.id,
    sha256: row.sha256,
    provider: row.provider,
    purpose: row.purpose,
    state: journalState(row.state),
    owner: { id: row.owner_id, host: row.owner_host, pid: Number(row.owner_pid) },
    leaseUntil: Number(row.lease_until),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    remoteId: row.remote_id ?? undefined,
  };
}
