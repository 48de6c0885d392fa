// Opens orchestrator.db (node:sqlite, no native addon): WAL so readers never wait for the writer, a
// busy timeout so several processes can share the file, and the versioned migrations applied once.
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { AppError } from "../errors.ts";
import { MIGRATIONS, type Migration } from "./migrations.ts";

export interface OpenDatabaseOptions {
  /** Defaults to the project's list; tests pass their own. */
  migrations?: readonly Migration[];
  /** How long a statement waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
}

/** Opens (creating when missing) the database file and brings its schema up to date. */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): DatabaseSync {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  let database: DatabaseSync;
  try {
    if (file !== ":memory:") {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // The file will hold API keys and conversations: owner-only from its first byte. SQLite gives
      // its -wal and -shm files the same mode.
      closeSync(openSync(file, "a", 0o600));
    }
    database = new DatabaseSync(file, { timeout: busyTimeoutMs });
  } catch (error) {
    throw new AppError(
      "unavailable",
      `cannot open the database ${file}: ${describe(error)}; check the directory's permissions`,
      {
        cause: error,
      },
    );
  }
  try {
    enableWal(database, busyTimeoutMs);
    // With WAL, NORMAL never corrupts the file; a power cut can only lose the last commits.
    database.exec("PRAGMA synchronous = NORMAL");
    database.exec("PRAGMA foreign_keys = ON");
    migrate(database, options.migrations ?? MIGRATIONS);
  } catch (error) {
    database.close();
    throw notADatabase(file, error) ?? error;
  }
  return database;
}

/**
 * The one line for a store file SQLite cannot read as a database — SQLITE_NOTADB (26) or SQLITE_CORRUPT
 * (11): a store URL naming some other file, or a damaged one — when that is what `error` is.
 */
export function notADatabase(file: string, error: unknown): AppError | undefined {
  const code = primaryCode(error);
  if (code !== 26 && code !== 11) return undefined;
  return new AppError(
    "unavailable",
    `cannot open the store ${file}: ${describe(error)}; make store.url (or AI_ORCHESTRATOR_STORE_URL) name the hub's database, or move the file away to start a new one`,
    { cause: error },
  );
}

// Switching a new file to WAL needs an exclusive lock, and SQLite reports "database is locked" at once,
// without waiting out the busy timeout, when another process is switching it at the same moment.
function enableWal(database: DatabaseSync, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      database.exec("PRAGMA journal_mode = WAL");
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

function isBusy(error: unknown): boolean {
  // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with or without an extended code.
  const code = primaryCode(error);
  return code === 5 || code === 6;
}

/** A node:sqlite error's primary result code (the low byte of its extended code), if it has one. */
function primaryCode(error: unknown): number | undefined {
  const code = typeof error === "object" && error !== null && "errcode" in error ? error.errcode : undefined;
  return typeof code === "number" ? code & 0xff : undefined;
}

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: number;
}

/**
 * Applies the migrations the database has not run yet, each in its own transaction, in order.
 * Running it again is a no-op; two processes starting at once serialize on the write lock.
 */
export function migrate(database: DatabaseSync, migrations: readonly Migration[]): AppliedMigration[] {
  checkOrder(migrations);
  database.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT
  `);
  const newest = migrations.at(-1)?.version ?? 0;
  const current = Number(
    database.prepare("SELECT coalesce(max(version), 0) AS version FROM schema_migrations").get()?.version,
  );
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    // BEGIN IMMEDIATE takes the write lock first, so the check below sees every other process's work.
    database.exec("BEGIN IMMEDIATE");
    try {
      const done = database
        .prepare("SELECT 1 FROM schema_migrations WHERE version = ?")
        .get(migration.version);
      if (done === undefined) {
        migration.up(database);
        database
          .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(migration.version, migration.name, Date.now());
      }
      database.exec("COMMIT");
    } catch (error) {
      database.exec("ROLLBACK");
      throw new AppError(
        "unavailable",
        `database migration ${migration.version} (${migration.name}) failed: ${describe(error)}`,
        { cause: error },
      );
    }
  }
  const applied = appliedMigrations(database);
  const unknown = applied.find((migration) => migration.version > newest);
  if (unknown) {
    throw new AppError(
      "conflict",
      `the database was written by a newer ai-orchestrator (schema version ${unknown.version}, this one knows up to ${newest}); upgrade ai-orchestrator`,
    );
  }
  return applied;
}

export function appliedMigrations(database: DatabaseSync): AppliedMigration[] {
  return database
    .prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    .all()
    .map((row) => ({
      version: Number(row.version),
      name: String(row.name),
      appliedAt: Number(row.applied_at),
    }));
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration "${migration.name}" has version ${migration.version} but is number ${index + 1} in the list; versions must be 1, 2, 3, … in order`,
      );
    }
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
