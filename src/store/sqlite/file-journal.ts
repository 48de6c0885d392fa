// The upload journal in orchestrator.db. A claim is one INSERT under the write lock, guarded by a
// partial unique index, so two processes claiming the same upload at the same instant get one winner.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type {
  ClaimResult,
  FileJournal,
  JournalEntry,
  JournalOwner,
  JournalState,
  NewJournalEntry,
} from "../repositories.ts";
import { integer, optionalText, type Row, text } from "./columns.ts";
import { immediateTransaction } from "./transaction.ts";

const COLUMNS =
  "id, sha256, provider, purpose, state, owner_id, owner_host, owner_pid, lease_until, created_at, updated_at, remote_id";
const OPEN = "state IN ('claimed', 'committed')";

export class SqliteFileJournal implements FileJournal {
  readonly #database: DatabaseSync;
  readonly #holder: StatementSync;
  readonly #insert: StatementSync;
  readonly #get: StatementSync;
  readonly #renew: StatementSync;
  readonly #takeOver: StatementSync;
  readonly #advance: StatementSync;
  readonly #unfinished: StatementSync;

  constructor(database: DatabaseSync) {
    this.#database = database;
    this.#holder = database.prepare(
      `SELECT ${COLUMNS} FROM file_journal WHERE sha256 = ? AND provider = ? AND purpose = ? AND ${OPEN}`,
    );
    this.#insert = database.prepare(
      `INSERT INTO file_journal (${COLUMNS}) VALUES (?, ?, ?, ?, 'claimed', ?, ?, ?, ?, ?, ?, NULL)`,
    );
    this.#get = database.prepare(`SELECT ${COLUMNS} FROM file_journal WHERE id = ?`);
    this.#renew = database.prepare(
      `UPDATE file_journal SET lease_until = ?, updated_at = ? WHERE id = ? AND owner_id = ? AND ${OPEN}`,
    );
    this.#takeOver = database.prepare(
      `UPDATE file_journal SET owner_id = ?, owner_host = ?, owner_pid = ?, lease_until = ?, updated_at = ?
       WHERE id = ? AND owner_id = ? AND ${OPEN}`,
    );
    this.#advance = database.prepare(
      `UPDATE file_journal SET state = ?, remote_id = coalesce(?, remote_id), updated_at = ?
       WHERE id = ? AND owner_id = ? AND ${OPEN}`,
    );
    this.#unfinished = database.prepare(
      `SELECT ${COLUMNS} FROM file_journal WHERE ${OPEN} ORDER BY created_at, id`,
    );
  }

  async claim(entry: NewJournalEntry): Promise<ClaimResult> {
    return immediateTransaction(this.#database, () => {
      const holder = this.#holder.get(entry.sha256, entry.provider, entry.purpose);
      if (holder !== undefined) return { claimed: false, holder: entryFromRow(holder) };
      this.#insert.run(
        entry.id,
        entry.sha256,
        entry.provider,
        entry.purpose,
        entry.owner.id,
        entry.owner.host,
        entry.owner.pid,
        entry.leaseUntil,
        entry.createdAt,
        entry.createdAt,
      );
      return {
        claimed: true,
        entry: { ...entry, state: "claimed", updatedAt: entry.createdAt, remoteId: undefined },
      };
    });
  }

  async get(id: string): Promise<JournalEntry | undefined> {
    const row = this.#get.get(id);
    return row === undefined ? undefined : entryFromRow(row);
  }

  async renew(id: string, ownerId: string, leaseUntil: number, at: number): Promise<boolean> {
    return Number(this.#renew.run(leaseUntil, at, id, ownerId).changes) === 1;
  }

  async takeOver(
    id: string,
    previousOwnerId: string,
    owner: JournalOwner,
    leaseUntil: number,
    at: number,
  ): Promise<JournalEntry | undefined> {
    const changed = this.#takeOver.run(owner.id, owner.host, owner.pid, leaseUntil, at, id, previousOwnerId);
    return Number(changed.changes) === 1 ? this.get(id) : undefined;
  }

  async advance(
    id: string,
    ownerId: string,
    state: JournalState,
    at: number,
    remoteId?: string,
  ): Promise<boolean> {
    return Number(this.#advance.run(state, remoteId ?? null, at, id, ownerId).changes) === 1;
  }

  async unfinished(): Promise<JournalEntry[]> {
    return this.#unfinished.all().map(entryFromRow);
  }
}

const STATES: readonly JournalState[] = ["claimed", "committed", "done", "released"];

export function journalState(value: string): JournalState {
  const state = STATES.find((candidate) => candidate === value);
  if (state === undefined) throw new Error(`unexpected journal state ${value}`);
  return state;
}

function entryFromRow(row: Row): JournalEntry {
  return {
    id: text(row, "id"),
    sha256: text(row, "sha256"),
    provider: text(row, "provider"),
    purpose: text(row, "purpose"),
    state: journalState(text(row, "state")),
    owner: { id: text(row, "owner_id"), host: text(row, "owner_host"), pid: integer(row, "owner_pid") },
    leaseUntil: integer(row, "lease_until"),
    createdAt: integer(row, "created_at"),
    updatedAt: integer(row, "updated_at"),
    remoteId: optionalText(row, "remote_id"),
  };
}
