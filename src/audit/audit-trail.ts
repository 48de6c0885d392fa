// The tamper-evident audit trail: every row's hash covers the previous row's hash and the row itself,
// hash = SHA-256(prev_hash ‖ canonical JSON of the row), so a changed, removed or reordered row breaks
// the chain at that row. Appends are serialized by the store (AuditLog), never in this process.
import { createHash, timingSafeEqual } from "node:crypto";
import type { AuditLog, AuditRecord } from "../store/repositories.ts";
import { GENESIS_HASH } from "../store/repositories.ts";
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
    const record = await this.#log.append(
      {
        at: this.#now(),
        actor: event.actor,
        action: event.action,
        subject: event.subject,
        outcome: event.outcome,
        details: canonicalJson(event.details ?? {}),
      },
      rowHash,
    );
    return toRow(record);
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

  /** Walks the whole chain from the first row and names the first one that does not match. */
  async verify(): Promise<ChainVerdict> {
    let previous = { seq: 0, hash: GENESIS_HASH };
    let rows = 0;
    for (;;) {
      const batch = await this.#log.list({ limit: this.#batchSize, afterSeq: previous.seq });
      for (const record of batch) {
        const problem = mismatch(record, previous);
        if (problem !== undefined) return { ok: false, rows, seq: record.seq, problem };
        previous = record;
        rows += 1;
      }
      if (batch.length < this.#batchSize) break;
    }
    const head = await this.#log.head();
    if ((head?.seq ?? 0) !== previous.seq || (head?.hash ?? GENESIS_HASH) !== previous.hash) {
      return {
        ok: false,
        rows,
        seq: head?.seq ?? previous.seq,
        problem: `the log ends at row ${previous.seq} but its head records row ${head?.seq ?? 0}: rows were removed from the end or the head was altered`,
      };
    }
    return { ok: true, rows, head: previous.hash };
  }
}

/** hash = SHA-256(prev_hash ‖ canonical JSON of the row without its hashes). */
export function rowHash(row: Omit<AuditRecord, "hash">): string {
  const content = canonicalJson({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    outcome: row.outcome,
    details: parseDetails(row.details),
  });
  return createHash("sha256").update(row.prevHash).update(content).digest("hex");
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
