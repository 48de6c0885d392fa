// Hub keys in orchestrator.db. Lists (scopes, providers) are JSON text; a partial unique index keeps
// names unique among keys that are not revoked, so a revoked key's name can be used again.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import {
  duplicateKeyName,
  type KeyKind,
  type KeyRecord,
  type KeyRepository,
  type NewKey,
} from "../repositories.ts";
import { integer, optionalInteger, optionalText, type Row, stringList, text } from "./columns.ts";
import { immediateTransaction, isConstraintViolation } from "./transaction.ts";

const COLUMNS =
  "id, name, kind, prefix, hash, scopes, providers, mode, rpm, created_at, expires_at, revoked_at, last_used_at";

export class SqliteKeyRepository implements KeyRepository {
  readonly #database: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #byHash: StatementSync;
  readonly #byId: StatementSync;
  readonly #byName: StatementSync;
  readonly #all: StatementSync;
  readonly #ofKind: StatementSync;
  readonly #revoke: StatementSync;
  readonly #setExpiry: StatementSync;
  readonly #touch: StatementSync;

  constructor(database: DatabaseSync) {
    this.#database = database;
    this.#insert = database.prepare(
      `INSERT INTO hub_keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
    );
    this.#byHash = database.prepare(`SELECT ${COLUMNS} FROM hub_keys WHERE hash = ?`);
    this.#byId = database.prepare(`SELECT ${COLUMNS} FROM hub_keys WHERE id = ?`);
    this.#byName = database.prepare(
      `SELECT ${COLUMNS} FROM hub_keys WHERE name = ? ORDER BY revoked_at IS NULL DESC, revoked_at DESC LIMIT 1`,
    );
    this.#all = database.prepare(`SELECT ${COLUMNS} FROM hub_keys ORDER BY created_at, id`);
    this.#ofKind = database.prepare(`SELECT ${COLUMNS} FROM hub_keys WHERE kind = ? ORDER BY created_at, id`);
    // The revision comes from one counter over the table, taken inside the write transaction.
    this.#revoke = database.prepare(
      `UPDATE hub_keys SET revoked_at = coalesce(revoked_at, ?),
         revision = (SELECT coalesce(max(revision), 0) + 1 FROM hub_keys)
       WHERE id = ? RETURNING ${COLUMNS}`,
    );
    this.#setExpiry = database.prepare(
      `UPDATE hub_keys SET expires_at = ?,
         revision = (SELECT coalesce(max(revision), 0) + 1 FROM hub_keys)
       WHERE id = ? RETURNING ${COLUMNS}`,
    );
    this.#touch = database.prepare(
      "UPDATE hub_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
    );
  }

  async insert(key: NewKey): Promise<KeyRecord> {
    try {
      this.#insert.run(
        key.id,
        key.name,
        key.kind,
        key.prefix,
        key.hash,
        JSON.stringify(key.scopes),
        key.providers === undefined ? null : JSON.stringify(key.providers),
        key.mode ?? null,
        key.rpm ?? null,
        key.createdAt,
        key.expiresAt ?? null,
      );
    } catch (error) {
      if (isConstraintViolation(error)) throw duplicateKeyName(key.name, error);
      throw error;
    }
    return { ...key, revokedAt: undefined, lastUsedAt: undefined };
  }

  async findByHash(hash: string): Promise<KeyRecord | undefined> {
    return this.#one(this.#byHash, hash);
  }

  async findById(id: string): Promise<KeyRecord | undefined> {
    return this.#one(this.#byId, id);
  }

  async findByName(name: string): Promise<KeyRecord | undefined> {
    return this.#one(this.#byName, name);
  }

  async list(filter: { kind?: KeyKind } = {}): Promise<KeyRecord[]> {
    const rows = filter.kind === undefined ? this.#all.all() : this.#ofKind.all(filter.kind);
    return rows.map(keyFromRow);
  }

  async revoke(id: string, at: number): Promise<KeyRecord | undefined> {
    return immediateTransaction(this.#database, () => this.#one(this.#revoke, at, id));
  }

  async setExpiry(id: string, expiresAt: number | undefined): Promise<KeyRecord | undefined> {
    return immediateTransaction(this.#database, () => this.#one(this.#setExpiry, expiresAt ?? null, id));
  }

  async touch(id: string, at: number): Promise<void> {
    this.#touch.run(at, id, at);
  }

  #one(statement: StatementSync, ...parameters: (string | number | null)[]): KeyRecord | undefined {
    const row = statement.get(...parameters);
    return row === undefined ? undefined : keyFromRow(row);
  }
}

function keyFromRow(row: Row): KeyRecord {
  return {
    id: text(row, "id"),
    name: text(row, "name"),
    kind: text(row, "kind") === "session" ? "session" : "key",
    prefix: text(row, "prefix"),
    hash: text(row, "hash"),
    scopes: stringList(row, "scopes") ?? [],
    providers: stringList(row, "providers"),
    mode: optionalText(row, "mode"),
    rpm: optionalInteger(row, "rpm"),
    createdAt: integer(row, "created_at"),
    expiresAt: optionalInteger(row, "expires_at"),
    revokedAt: optionalInteger(row, "revoked_at"),
    lastUsedAt: optionalInteger(row, "last_used_at"),
  };
}
