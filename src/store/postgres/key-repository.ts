// Hub keys in PostgreSQL. Names are unique among keys that are not revoked (a partial unique index),
// so a revoked key's name can be used again.
import {
  duplicateKeyName,
  type KeyKind,
  type KeyRecord,
  type KeyRepository,
  type NewKey,
} from "../repositories.ts";
import { type PostgresConnection, sqlState } from "./connection.ts";
import { optionalNumber } from "./rows.ts";

interface KeyRow {
  id: string;
  name: string;
  kind: string;
  prefix: string;
  hash: string;
  scopes: string[];
  providers: string[] | null;
  mode: string | null;
  rpm: number | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export class PostgresKeyRepository implements KeyRepository {
  readonly #connection: PostgresConnection;

  constructor(connection: PostgresConnection) {
    this.#connection = connection;
  }

  async insert(key: NewKey): Promise<KeyRecord> {
    try {
      await this.#connection.run(
        (sql) => sql`
          INSERT INTO hub_keys (id, name, kind, prefix, hash, scopes, providers, mode, rpm, created_at, expires_at)
          VALUES (${key.id}, ${key.name}, ${key.kind}, ${key.prefix}, ${key.hash}, ${key.scopes},
            ${key.providers ?? null}, ${key.mode ?? null}, ${key.rpm ?? null}, ${key.createdAt}, ${key.expiresAt ?? null})`,
      );
    } catch (error) {
      if (sqlState(error) === "23505") throw duplicateKeyName(key.name, error);
      throw error;
    }
    return { ...key, revokedAt: undefined, lastUsedAt: undefined };
  }

  async findByHash(hash: string): Promise<KeyRecord | undefined> {
    const rows = await this.#connection.run(
      (sql) => sql<KeyRow[]>`SELECT * FROM hub_keys WHERE hash = ${hash}`,
    );
    return first(rows);
  }

  async findById(id: string): Promise<KeyRecord | undefined> {
    const rows = await this.#connection.run((sql) => sql<KeyRow[]>`SELECT * FROM hub_keys WHERE id = ${id}`);
    return first(rows);
  }

  async findByName(name: string): Promise<KeyRecord | undefined> {
    const rows = await this.#connection.run(
      (sql) => sql<KeyRow[]>`
        SELECT * FROM hub_keys WHERE name = ${name}
        ORDER BY revoked_at IS NULL DESC, revoked_at DESC LIMIT 1`,
    );
    return first(rows);
  }

  async list(filter: { kind?: KeyKind } = {}): Promise<KeyRecord[]> {
    const rows = await this.#connection.run((sql) =>
      filter.kind === undefined
        ? sql<KeyRow[]>`SELECT * FROM hub_keys ORDER BY created_at, id`
        : sql<KeyRow[]>`SELECT * FROM hub_keys WHERE kind = ${filter.kind} ORDER BY created_at, id`,
    );
    return rows.map(keyFromRow);
  }

  async revoke(id: string, at: number): Promise<KeyRecord | undefined> {
    const rows = await this.#connection.run(
      (sql) => sql<KeyRow[]>`
        UPDATE hub_keys SET revoked_at = coalesce(revoked_at, ${at}) WHERE id = ${id} RETURNING *`,
    );
    return first(rows);
  }

  async setExpiry(id: string, expiresAt: number | undefined): Promise<KeyRecord | undefined> {
    const rows = await this.#connection.run(
      (sql) => sql<KeyRow[]>`
        UPDATE hub_keys SET expires_at = ${expiresAt ?? null} WHERE id = ${id} RETURNING *`,
    );
    return first(rows);
  }

  async touch(id: string, at: number): Promise<void> {
    await this.#connection.run(
      (sql) => sql`
        UPDATE hub_keys SET last_used_at = ${at}
        WHERE id = ${id} AND (last_used_at IS NULL OR last_used_at < ${at})`,
    );
  }
}

function first(rows: readonly KeyRow[]): KeyRecord | undefined {
  const row = rows[0];
  return row === undefined ? undefined : keyFromRow(row);
}

function keyFromRow(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind === "session" ? "session" : "key",
    prefix: row.prefix,
    hash: row.hash,
    scopes: row.scopes,
    providers: row.providers ?? undefined,
    mode: row.mode ?? undefined,
    rpm: row.rpm ?? undefined,
    createdAt: Number(row.created_at),
    expiresAt: optionalNumber(row.expires_at),
    revokedAt: optionalNumber(row.revoked_at),
    lastUsedAt: optionalNumber(row.last_used_at),
  };
}
