// The default store: every repository over one orchestrator.db (node:sqlite), shared safely by the
// processes of one machine. Opened by openStore; the schema is src/store/migrations.ts.
import { AppError } from "../../errors.ts";
import { openDatabase } from "../database.ts";
import type { Store } from "../store.ts";
import { SqliteAuditLog } from "./audit-log.ts";
import { SqliteFileJournal } from "./file-journal.ts";
import { SqliteFileRegistry } from "./file-registry.ts";
import { SqliteKeyChangeFeed } from "./key-change-feed.ts";
import { SqliteKeyRepository } from "./key-repository.ts";
import { SqliteThreadRepository } from "./thread-repository.ts";

export interface SqliteStoreOptions {
  file: string;
  /** How often other processes' key revocations are polled for. */
  keyPollIntervalMs?: number;
}

export function openSqliteStore(options: SqliteStoreOptions): Store {
  const database = openDatabase(options.file);
  const keyChanges = new SqliteKeyChangeFeed(
    database,
    options.keyPollIntervalMs === undefined ? {} : { intervalMs: options.keyPollIntervalMs },
  );
  const ping = database.prepare("SELECT 1");
  let closed = false;
  return {
    kind: "sqlite",
    where: options.file,
    keys: new SqliteKeyRepository(database),
    keyChanges,
    threads: new SqliteThreadRepository(database),
    audit: new SqliteAuditLog(database),
    files: new SqliteFileRegistry(database),
    fileJournal: new SqliteFileJournal(database),
    async ping() {
      try {
        ping.get();
      } catch (error) {
        throw new AppError(
          "unavailable",
          `the store ${options.file} does not answer: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      keyChanges.close();
      database.close();
    },
  };
}
