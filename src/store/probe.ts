// Whether the store a URL names can be used, found without changing it: `doctor`'s store line. A
// SQLite file is opened read-only (a missing one is not created: the hub creates it on first use); a
// PostgreSQL server must let the store in and answer `SELECT 1` within its deadline, no migration run.
import { statSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import { notADatabase } from "./database.ts";
import { isPostgresUrl } from "./store.ts";

/** `answers`: the store opened and answered; `not created`: no SQLite file yet. */
export type StoreProbe = "answers" | "not created";

/** Resolves with what the store is; throws AppError("unavailable") naming the problem and its fix. */
export async function probeStore(url: string, logger: Logger): Promise<StoreProbe> {
  if (isPostgresUrl(url)) {
    const { connectPostgres } = await import("./postgres/connection.ts");
    const connection = connectPostgres({ url, logger });
    try {
      await connection.answers();
    } finally {
      // At once: a client still trying a server that closes on it would hold the command.
      await connection.sql.end({ timeout: 0 });
    }
    return "answers";
  }
  return probeSqlite(url);
}

function probeSqlite(file: string): StoreProbe {
  if (file === ":memory:") return "answers";
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    throw cannotOpen(file, error);
  }
  if (stats === undefined) return "not created";
  if (stats.isDirectory())
    throw new AppError("unavailable", `the store ${file} is a directory; make store.url name a file`);
  let database: DatabaseSync | undefined;
  try {
    database = new DatabaseSync(file, { readOnly: true, timeout: 2_000 });
    // Reading the schema is what tells a database from any other file.
    database.prepare("SELECT count(*) FROM sqlite_schema").get();
    return "answers";
  } catch (error) {
    throw notADatabase(file, error) ?? cannotOpen(file, error);
  } finally {
    database?.close();
  }
}

function cannotOpen(file: string, error: unknown): AppError {
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError(
    "unavailable",
    `cannot open the store ${file}: ${reason}; check its permissions, or move it away to start a new one`,
    { cause: error },
  );
}
