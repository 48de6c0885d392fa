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
];
