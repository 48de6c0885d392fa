// The audit log in PostgreSQL. Each append locks the one head row (SELECT … FOR UPDATE), so appends
// from every replica queue in the database and each row follows the one committed before it.
import type { AuditEntry, AuditHead, AuditLog, AuditRecord, AuditSeal } from "../repositories.ts";
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

  async append(entry: AuditEntry, seal: AuditSeal): Promise<AuditRecord> {
    return this.#connection.run((sql) =>
      sql.begin(async (transaction) => {
        const [head] = await transaction<{ seq: string; hash: string }[]>`
          SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`;
        if (head === undefined)
          throw new Error("the audit head row is missing; the store's schema is damaged");
        const unsealed = { ...entry, seq: Number(head.seq) + 1, prevHash: head.hash };
        const record: AuditRecord = { ...unsealed, hash: seal(unsealed) };
        await transaction`
          INSERT INTO audit_log (seq, at, actor, action, subject, outcome, details, prev_hash, hash)
          VALUES (${record.seq}, ${record.at}, ${record.actor}, ${record.action}, ${record.subject},
            ${record.outcome}, ${record.details}, ${record.prevHash}, ${record.hash})`;
        await transaction`UPDATE audit_head SET seq = ${record.seq}, hash = ${record.hash} WHERE id = 1`;
        return record;
      }),
    );
  }

  async list(options: {
    limit: number;
    afterSeq?: number | undefined;
    beforeSeq?: number | undefined;
    newestFirst?: boolean | undefined;
  }): Promise<AuditRecord[]> {
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
