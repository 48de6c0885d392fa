// The shared store: every repository over one PostgreSQL database, for several hub replicas. Opened
// by openStore for a postgres:// URL; its schema is migrations.ts, applied here at start.
import type { Logger } from "../../observability/logger.ts";
import type { Store } from "../store.ts";
import { PostgresAuditLog } from "./audit-log.ts";
import { connectPostgres } from "./connection.ts";
import { PostgresFileJournal } from "./file-journal.ts";
import { PostgresFileRegistry } from "./file-registry.ts";
import { PostgresKeyChangeFeed } from "./key-change-feed.ts";
import { PostgresKeyRepository } from "./key-repository.ts";
import { migratePostgres } from "./migrations.ts";
import { PostgresThreadRepository } from "./thread-repository.ts";

export interface PostgresStoreOptions {
  url: string;
  logger: Logger;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const connection = connectPostgres(options);
  try {
    await connection.answers();
    await migratePostgres(connection);
  } catch (error) {
    // At once: a client still reconnecting to a server that closes on it would hold the process.
    await connection.sql.end({ timeout: 0 });
    throw error;
  }
  return {
    kind: "postgres",
    where: connection.where,
    keys: new PostgresKeyRepository(connection),
    keyChanges: new PostgresKeyChangeFeed(connection),
    threads: new PostgresThreadRepository(connection),
    audit: new PostgresAuditLog(connection),
    files: new PostgresFileRegistry(connection),
    fileJournal: new PostgresFileJournal(connection),
    ping: connection.answers,
    async close() {
      await connection.sql.end({ timeout: 5 });
    },
  };
}
