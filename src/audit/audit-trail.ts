// The tamper-evident audit trail: every row's hash covers the previous row's hash and the row itself,
// hash = SHA-256(prev_hash ‖ canonical JSON of the row), so a changed, removed or reordered row breaks
// the chain at that row. Appends are serialized by the store (AuditLog), never in this process.
import { timingSafeEqual } from "node:crypto";
import {
  type AuditLog,
  type AuditRecord,
  type AuditRowText,
  chainHash,
  GENESIS_HASH,
} from "../store/repositories.ts";
import { canonicalJson, type JsonValue } from "./canonical-json.ts";

export type AuditOutcome = "ok" | "denied" | "failed";

export interface AuditEvent {
  /** Who did it: `cli:<user>`, `key:<prefix>`, `hub`. */
  actor: string;
  /** Dotted verb, e.g. `key.create`, `file.upload`. */
  action: string;
  subject: string;
  outcome: AuditOutcome;
  details?: { [key: string]: JsonValue };
}

/** A row as people and programs read it: details parsed back into an object. */
export interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  outcome: string;
  details: JsonValue;
  prevHash: string;
  hash: string;
}

export type ChainVerdict =
  | { ok: true; rows: number; head: string }
  | { ok: false; rows: number; seq: number; problem: string };

export interface AuditTrailOptions {
  log: AuditLog;
  now?: () => number;
  /** Rows read per query while verifying. */
  batchSize?: number;
}

export class AuditTrail {
  readonly #log: AuditLog;
  readonly #now: () => number;
  readonly #batchSize: number;

  constructor(options: AuditTrailOptions) {
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#batchSize = options.batchSize ?? 1_000;
  }

  async record(event: AuditEvent): Promise<AuditRow> {
    const entry = {
      at: this.#now(),
      actor: event.actor,
      action: event.action,
      subject: event.subject,
      outcome: event.outcome,
      details: canonicalJson(event.details ?? {}),
    };
    return toRow(await this.#log.append(entry, rowText(entry)));
  }

  /** Newest first, `limit` rows before `beforeSeq` (all the newest when omitted). */
  async list(options: { limit: number; beforeSeq?: number }): Promise<AuditRow[]> {
    const records = await this.#log.list({
      limit: options.limit,
      beforeSeq: options.beforeSeq,
      newestFirst: true,
    });
    return records.map(toRow);
  }

  /**
   * Walks the chain from the first row to the head as it stands when the walk starts (rows appended
   * meanwhile are left for the next run) and names the first row that does not match.
   */
  async verify(): Promise<ChainVerdict> {
    const recorded = await this.#log.head();
    if (recorded === undefined) {
      // An empty log has no head; a log with rows and no head had its head deleted, which would
      // otherwise read as an empty, valid trail.
      const [first] = await this.#log.list({ limit: 1, afterSeq: 0 });
      if (first !== undefined)
        return {
          ok: false,
          rows: 0,
          seq: first.seq,
          problem: `the log holds rows from row ${first.seq} on but no head records them: the head was deleted`,
        };
    }
    const head = recorded ?? { seq: 0, hash: GENESIS_HASH };
    let previous = { seq: 0, hash: GENESIS_HASH };
    let rows = 0;
    while (previous.seq < head.seq) {
      const batch = await this.#log.list({ limit: this.#batchSize, afterSeq: previous.seq });
      for (const record of batch) {
        if (record.seq > head.seq) break;
        const problem = mismatch(record, previous);
        if (problem !== undefined) return { ok: false, rows, seq: record.seq, problem };
        previous = record;
        rows += 1;
      }
      if (batch.length < this.#batchSize || (batch.at(-1)?.seq ?? 0) > head.seq) break;
    }
    if (previous.seq !== head.seq || !sameHash(previous.hash, head.hash)) {
      return {
        ok: false,
        rows,
        seq: head.seq,
        problem: `the log ends at row ${previous.seq} but its head records row ${head.seq}: rows were removed from the end or the head was altered`,
      };
    }
    return { ok: true, rows, head: head.hash };
  }
}

/**
 * The row's canonical JSON ({action, actor, at, details, outcome, seq, subject}: keys sorted, no
 * whitespace) cut around its seq, which only the store knows when it appends. With it,
 * hash = SHA-256(prev_hash ‖ canonical JSON of the row).
 */
export function rowText(row: Omit<AuditRecord, "seq" | "prevHash" | "hash">): AuditRowText {
  const json = (value: JsonValue) => canonicalJson(value);
  return {
    beforeSeq:
      `{"action":${json(row.action)},"actor":${json(row.actor)},"at":${json(row.at)},` +
      `"details":${json(parseDetails(row.details))},"outcome":${json(row.outcome)},"seq":`,
    afterSeq: `,"subject":${json(row.subject)}}`,
  };
}

/** The hash a row must carry, recomputed from its content and the previous row's hash. */
export function rowHash(row: Omit<AuditRecord, "hash">): string {
  return chainHash(row.prevHash, rowText(row), row.seq);
}

function mismatch(record: AuditRecord, previous: { seq: number; hash: string }): string | undefined {
  if (record.seq !== previous.seq + 1) {
    return `row ${record.seq} follows row ${previous.seq}: ${record.seq > previous.seq + 1 ? "rows are missing before it" : "rows are out of order"}`;
  }
  if (!sameHash(record.prevHash, previous.hash)) {
    return `row ${record.seq} does not point at the hash of row ${previous.seq}: a row before it was removed, replaced or reordered`;
  }
  let expected: string;
  try {
    expected = rowHash(record);
  } catch {
    return `row ${record.seq} has details that are not valid JSON: it was altered`;
  }
  if (!sameHash(record.hash, expected))
    return `row ${record.seq} does not match its hash: its content was altered`;
  return undefined;
}

function sameHash(left: string, right: string): boolean {
  const a = Buffer.from(left, "utf8");
  const b = Buffer.from(right, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseDetails(text: string): JsonValue {
  const value: JsonValue = JSON.parse(text);
  return value;
}

function toRow(record: AuditRecord): AuditRow {
  let details: JsonValue;
  try {
    details = parseDetails(record.details);
  } catch {
    details = record.details;
  }
  return { ...record, details };
}
