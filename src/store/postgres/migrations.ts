// Every schema change of the PostgreSQL store, in order. To change the schema, append one entry with
// the next version; never edit or reorder one that has shipped. Applied at start by every replica
// under one advisory lock, so replicas starting together apply each migration exactly once.
import type { TransactionSql } from "postgres";
import { AppError } from "../../errors.ts";
import type { PostgresConnection } from "./connection.ts";

export interface PostgresMigration {
  version: number;
  name: string;
  /** Runs inside the transaction that holds the migration lock; one statement per tagged template. */
  up(sql: TransactionSql): Promise<void>;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: "hub keys and session tokens",
    async up(sql) {
      await sql`
        CREATE TABLE hub_keys (
          id text PRIMARY KEY,
          name text NOT NULL,
          kind text NOT NULL CHECK (kind IN ('key', 'session')),
          prefix text NOT NULL,
          hash text NOT NULL UNIQUE,
          scopes text[] NOT NULL,
          providers text[],
          mode text,
          rpm integer,
          created_at bigint NOT NULL,
          expires_at bigint,
          revoked_at bigint,
          last_used_at bigint
        )`;
      await sql`CREATE UNIQUE INDEX hub_keys_active_name ON hub_keys (name) WHERE revoked_at IS NULL`;
    },
  },
  {
    version: 2,
    name: "conversation threads",
    async up(sql) {
      await sql`
        CREATE TABLE threads (
          id text PRIMARY KEY,
          created_at bigint NOT NULL,
          updated_at bigint NOT NULL,
          turn_count integer NOT NULL
        )`;
      await sql`CREATE INDEX threads_updated_at ON threads (updated_at)`;
      await sql`
        CREATE TABLE thread_turns (
          thread_id text NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
          seq integer NOT NULL,
          role text NOT NULL CHECK (role IN ('user', 'assistant')),
          content text NOT NULL,
          provider text,
          model text,
          files text[],
          at bigint NOT NULL,
          PRIMARY KEY (thread_id, seq)
        )`;
    },
  },
  {
    version: 3,
    name: "hash-chained audit log",
    async up(sql) {
      await sql`
        CREATE TABLE audit_log (
          seq bigint PRIMARY KEY,
          at bigint NOT NULL,
          actor text NOT NULL,
          action text NOT NULL,
          subject text NOT NULL,
          outcome text NOT NULL,
          details text NOT NULL,
          prev_hash text NOT NULL,
          hash text NOT NULL
        )`;
      // The head row every append updates (and so locks): appends from all replicas queue on it.
      await sql`
        CREATE TABLE audit_head (
          id integer PRIMARY KEY CHECK (id = 1),
          seq bigint NOT NULL,
          hash text NOT NULL,
          prev_hash text NOT NULL
        )`;
      await sql`INSERT INTO audit_head (id, seq, hash, prev_hash) VALUES (1, 0, ${"0".repeat(64)}, '')`;
    },
  },
  {
    version: 4,
    name: "file registry and upload journal",
    async up(sql) {
      await sql`
        CREATE TABLE file_contents (
          sha256 text PRIMARY KEY,
          bytes bigint NOT NULL,
          filename text NOT NULL,
          mime_type text NOT NULL,
          first_seen_at bigint NOT NULL,
          pinned boolean NOT NULL DEFAULT false
        )`;
      await sql`
        CREATE TABLE file_copies (
          provider text NOT NULL,
          remote_id text NOT NULL,
          sha256 text NOT NULL REFERENCES file_contents (sha256),
          purpose text NOT NULL,
          remote_name text NOT NULL,
          bytes bigint NOT NULL,
          uri text,
          uploaded_at bigint NOT NULL,
          expires_at bigint,
          status text NOT NULL CHECK (status IN ('active', 'missing', 'mismatched', 'expired', 'deleted')),
          checked_at bigint,
          journal_id text UNIQUE,
          PRIMARY KEY (provider, remote_id)
        )`;
      // One usable copy per content, provider and purpose: the registry lookup has one answer.
      await sql`CREATE UNIQUE INDEX file_copies_active ON file_copies (sha256, provider, purpose) WHERE status = 'active'`;
      await sql`
        CREATE TABLE file_journal (
          id text PRIMARY KEY,
          sha256 text NOT NULL,
          provider text NOT NULL,
          purpose text NOT NULL,
          state text NOT NULL CHECK (state IN ('claimed', 'committed', 'done', 'released')),
          owner_id text NOT NULL,
          owner_host text NOT NULL,
          owner_pid integer NOT NULL,
          lease_until bigint NOT NULL,
          created_at bigint NOT NULL,
          updated_at bigint NOT NULL,
          remote_id text
        )`;
      // The single-flight claim: one unfinished upload per content, provider and purpose.
      await sql`
        CREATE UNIQUE INDEX file_journal_open ON file_journal (sha256, provider, purpose)
        WHERE state IN ('claimed', 'committed')`;
    },
  },
  {
    version: 5,
    name: "thread owners",
    async up(sql) {
      // Threads stored before owners existed go to the local (stdio) owner: see the SQLite migration.
      await sql`ALTER TABLE threads ADD COLUMN owner text NOT NULL DEFAULT 'local'`;
      await sql`CREATE INDEX threads_owner_updated_at ON threads (owner, updated_at)`;
    },
  },
];

// Any constant shared by every replica of every version ("aiomig" in ASCII, fits in 53 bits).
const MIGRATION_LOCK = 0x61696f6d6967;

/** Applies the migrations the database has not run yet; returns the versions applied now. */
export async function migratePostgres(
  connection: PostgresConnection,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `PostgreSQL migration "${migration.name}" has version ${migration.version} but is number ${index + 1}`,
      );
    }
  });
  const newest = migrations.at(-1)?.version ?? 0;
  return connection.run((sql) =>
    sql.begin(async (transaction) => {
      await transaction`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      await transaction`
        CREATE TABLE IF NOT EXISTS schema_migrations (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at bigint NOT NULL
        )`;
      const rows = await transaction<{ version: number }[]>`SELECT version FROM schema_migrations`;
      const done = new Set(rows.map((row) => row.version));
      const unknown = [...done].find((version) => version > newest);
      if (unknown !== undefined) {
        throw new AppError(
          "conflict",
          `the PostgreSQL store was written by a newer ai-orchestrator (schema version ${unknown}, this one knows up to ${newest}); upgrade ai-orchestrator`,
        );
      }
      const applied: number[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        await migration.up(transaction);
        await transaction`
          INSERT INTO schema_migrations (version, name, applied_at)
          VALUES (${migration.version}, ${migration.name}, ${Date.now()})`;
        applied.push(migration.version);
      }
      return applied;
    }),
  );
}
