// The audit log in orchestrator.db. Each append takes the write lock (BEGIN IMMEDIATE), reads the
// head, and writes the row and the new head before releasing it, so processes append one at a time.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import {
  type AuditEntry,
  type AuditHead,
  type AuditListOptions,
  type AuditLog,
  type AuditRecord,
  type AuditRowText,
  chainHash,
  GENESIS_HASH,
} from "../repositories.ts";
import { integer, type Row, text } from "./columns.ts";
import { immediateTransaction } from "./transaction.ts";

const COLUMNS = "seq, at, actor, action, subject, outcome, details, prev_hash, hash";

export class SqliteAuditLog implements AuditLog {
  readonly #database: DatabaseSync;
  readonly #head: StatementSync;
  readonly #insert: StatementSync;
  readonly #moveHead: StatementSync;
  readonly #after: StatementSync;
  readonly #newest: StatementSync;
  readonly #newestBefore: StatementSync;

  constructor(database: DatabaseSync) {
    this.#database = database;
    this.#head = database.prepare("SELECT seq, hash FROM audit_head WHERE id = 1");
    this.#insert = database.prepare(`INSERT INTO audit_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#moveHead = database.prepare(
      "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    );
    this.#after = database.prepare(`SELECT ${COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`);
    this.#newest = database.prepare(`SELECT ${COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT ?`);
    this.#newestBefore = database.prepare(
      `SELECT ${COLUMNS} FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
    );
  }

  async append(entry: AuditEntry, text: AuditRowText): Promise<AuditRecord> {
    return immediateTransaction(this.#database, () => {
      const head = this.#readHead();
      const seq = (head?.seq ?? 0) + 1;
      const prevHash = head?.hash ?? GENESIS_HASH;
      const record: AuditRecord = { ...entry, seq, prevHash, hash: chainHash(prevHash, text, seq) };
      this.#insert.run(
        record.seq,
        record.at,
        record.actor,
        record.action,
        record.subject,
        record.outcome,
        record.details,
        record.prevHash,
        record.hash,
      );
      this.#moveHead.run(record.seq, record.hash);
      return record;
    });
  }

  async list(options: AuditListOptions): Promise<AuditRecord[]> {
    const rows = !options.newestFirst
      ? this.#after.all(options.afterSeq ?? 0, options.limit)
      : options.beforeSeq === undefined
        ? this.#newest.all(options.limit)
        : this.#newestBefore.all(options.beforeSeq, options.limit);
    return rows.map(recordFromRow);
  }

  async head(): Promise<AuditHead | undefined> {
    return this.#readHead();
  }

  #readHead(): AuditHead | undefined {
    const row = this.#head.get();
    return row === undefined ? undefined : { seq: integer(row, "seq"), hash: text(row, "hash") };
  }
}

function recordFromRow(row: Row): AuditRecord {
  return {
    seq: integer(row, "seq"),
    at: integer(row, "at"),
    actor: text(row, "actor"),
    action: text(row, "action"),
    subject: text(row, "subject"),
    outcome: text(row, "outcome"),
    details: text(row, "details"),
    prevHash: text(row, "prev_hash"),
    hash: text(row, "hash"),
  };
}
