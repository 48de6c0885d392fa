// Every schema change of orchestrator.db, in order. To change the schema, append one entry with the
// next version number; never edit or reorder an entry that has shipped (databases in the field have
// already run it). Each feature owns its tables; the list is shared so one file holds one history.
import type { DatabaseSync } from "node:sqlite";

export interface Migration {
  /** 1, 2, 3, … with no gaps. */
  version: number;
  /** What it adds, e.g. "breaker state"; recorded in schema_migrations. */
  name: string;
  /** Runs inside the migration's transaction. */
  up(database: DatabaseSync): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "circuit breaker state per provider",
    up(database) {
      database.exec(`
        CREATE TABLE breaker_state (
          provider TEXT PRIMARY KEY,
          state TEXT NOT NULL CHECK (state IN ('closed', 'open')),
          open_until INTEGER NOT NULL,
          opens INTEGER NOT NULL,
          consecutive_failures INTEGER NOT NULL,
          last_failure_kind TEXT,
          last_failure_message TEXT,
          last_failure_status INTEGER,
          last_failure_at INTEGER,
          changed_at INTEGER NOT NULL,
          -- Bumped by every write, so a process can tell a row another process wrote from its own.
          generation INTEGER NOT NULL
        ) STRICT
      `);
    },
  },
  {
    version: 2,
    name: "hub keys and session tokens",
    up(database) {
      database.exec(`
        CREATE TABLE hub_keys (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('key', 'session')),
          prefix TEXT NOT NULL,
          hash TEXT NOT NULL UNIQUE,
          scopes TEXT NOT NULL,
          providers TEXT,
          mode TEXT,
          rpm INTEGER,
          created_at INTEGER NOT NULL,
          expires_at INTEGER,
          revoked_at INTEGER,
          last_used_at INTEGER,
          -- Bumped from a shared counter on every revocation or change, so other processes can poll for it.
          revision INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE UNIQUE INDEX hub_keys_active_name ON hub_keys (name) WHERE revoked_at IS NULL;
        CREATE INDEX hub_keys_revision ON hub_keys (revision);
      `);
    },
  },
  {
    version: 3,
    name: "conversation threads",
    up(database) {
      database.exec(`
        CREATE TABLE threads (
          id TEXT PRIMARY KEY,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          turn_count INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX threads_updated_at ON threads (updated_at);
        CREATE TABLE thread_turns (
          thread_id TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
          content TEXT NOT NULL,
          provider TEXT,
          model TEXT,
          files TEXT,
          at INTEGER NOT NULL,
          PRIMARY KEY (thread_id, seq)
        ) STRICT;
      `);
    },
  },
  {
    version: 4,
    name: "hash-chained audit log",
    up(database) {
      database.exec(`
        CREATE TABLE audit_log (
          seq INTEGER PRIMARY KEY,
          at INTEGER NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          subject TEXT NOT NULL,
          outcome TEXT NOT NULL,
          details TEXT NOT NULL,
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL
        ) STRICT;
        -- One row: the last seq and hash appended, so a row cut from the end is noticed too.
        CREATE TABLE audit_head (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          seq INTEGER NOT NULL,
          hash TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 5,
    name: "file registry and upload journal",
    up(database) {
      database.exec(`
        CREATE TABLE file_contents (
          sha256 TEXT PRIMARY KEY,
          bytes INTEGER NOT NULL,
          filename TEXT NOT NULL,
          mime_type TEXT NOT NULL,
          first_seen_at INTEGER NOT NULL,
          pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1))
        ) STRICT;
        CREATE TABLE file_copies (
          provider TEXT NOT NULL,
          remote_id TEXT NOT NULL,
          sha256 TEXT NOT NULL REFERENCES file_contents (sha256),
          purpose TEXT NOT NULL,
          remote_name TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          uri TEXT,
          uploaded_at INTEGER NOT NULL,
          expires_at INTEGER,
          status TEXT NOT NULL CHECK (status IN ('active', 'missing', 'mismatched', 'expired', 'deleted')),
          checked_at INTEGER,
          journal_id TEXT UNIQUE,
          PRIMARY KEY (provider, remote_id)
        ) STRICT;
        -- One usable copy per content, provider and purpose: the registry lookup has one answer.
        CREATE UNIQUE INDEX file_copies_active ON file_copies (sha256, provider, purpose) WHERE status = 'active';
        CREATE TABLE file_journal (
          id TEXT PRIMARY KEY,
          sha256 TEXT NOT NULL,
          provider TEXT NOT NULL,
          purpose TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('claimed', 'committed', 'done', 'released')),
          owner_id TEXT NOT NULL,
          owner_host TEXT NOT NULL,
          owner_pid INTEGER NOT NULL,
          lease_until INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          remote_id TEXT
        ) STRICT;
        -- The single-flight claim: one unfinished upload per content, provider and purpose.
        CREATE UNIQUE INDEX file_journal_open ON file_journal (sha256, provider, purpose)
          WHERE state IN ('claimed', 'committed');
      `);
    },
  },
  {
    version: 6,
    name: "thread owners",
    up(database) {
      // Threads stored before owners existed were started by whoever ran the server; they go to the
      // local (stdio) owner, so `ai-orchestrator mcp` still reaches them and no hub key does.
      database.exec(`
        ALTER TABLE threads ADD COLUMN owner TEXT NOT NULL DEFAULT 'local';
        CREATE INDEX threads_owner_updated_at ON threads (owner, updated_at);
      `);
    },
  },
];
