// The audit log in PostgreSQL. Each append is one statement that updates the head row — locking it
// until the statement commits, so appends from every replica queue on it — computes the new hash
// there (chainHash, in SQL) and inserts the row. One statement, not a transaction on a reserved
// connection: postgres 3.4.9 can crash the process when a reserved connection dies mid-transaction
// (porsager/postgres#1208), and a database outage must never take the hub down.
import type {
  AuditEntry,
  AuditHead,
  AuditListOptions,
  AuditLog,
  AuditRecord,
  AuditRowText,
} from "../repositories.ts";
import type { PostgresConnection } from "./connection.ts";

interface AuditRow {
  seq: string;
  at: string;
  actor: string;
  action: string;
  subject: string;
  outcome: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export class PostgresAuditLog implements AuditLog {
  readonly #connection: PostgresConnection;

  constructor(connection: PostgresConnection) {
    this.#connection = connection;
  }

  async append(entry: AuditEntry, text: AuditRowText): Promise<AuditRecord> {
    const [row] = await this.#connection.run(
      (sql) => sql<{ seq: string; prev_hash: string; hash: string }[]>`
        WITH head AS (
          UPDATE audit_head SET
            seq = seq + 1,
            prev_hash = hash,
            hash = encode(sha256(convert_to(hash || ${text.beforeSeq} || (seq + 1)::text || ${text.afterSeq}, 'UTF8')), 'hex')
          WHERE id = 1
          RETURNING seq, prev_hash, hash
        )
        INSERT INTO audit_log (seq, at, actor, action, subject, outcome, details, prev_hash, hash)
        SELECT seq, ${entry.at}, ${entry.actor}, ${entry.action}, ${entry.subject}, ${entry.outcome},
          ${entry.details}, prev_hash, hash
        FROM head
        RETURNING seq, prev_hash, hash`,
    );
    if (row === undefined) throw new Error("the audit head row is missing; the store's schema is damaged");
    return { ...entry, seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash };
  }

  async list(options: AuditListOptions): Promise<AuditRecord[]> {
    const { limit } = options;
    const rows = await this.#connection.run((sql) =>
      !options.newestFirst
        ? sql<
            AuditRow[]
          >`SELECT * FROM audit_log WHERE seq > ${options.afterSeq ?? 0} ORDER BY seq LIMIT ${limit}`
        : options.beforeSeq === undefined
          ? sql<AuditRow[]>`SELECT * FROM audit_log ORDER BY seq DESC LIMIT ${limit}`
          : sql<
              AuditRow[]
            >`SELECT * FROM audit_log WHERE seq < ${options.beforeSeq} ORDER BY seq DESC LIMIT ${limit}`,
    );
    return rows.map(recordFromRow);
  }

  async head(): Promise<AuditHead | undefined> {
    const [row] = await this.#connection.run(
      (sql) => sql<{ seq: string; hash: string }[]>`SELECT seq, hash FROM audit_head WHERE id = 1`,
    );
    return row === undefined || Number(row.seq) === 0 ? undefined : { seq: Number(row.seq), hash: row.hash };
  }
}

function recordFromRow(row: AuditRow): AuditRecord {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    outcome: row.outcome,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
