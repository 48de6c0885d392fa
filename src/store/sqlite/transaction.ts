// Write transactions on the shared SQLite file. BEGIN IMMEDIATE takes the write lock before the first
// read, so a read-then-write (the next audit seq, the next turn number) sees every other process's
// commits and no other process can slip in between; the busy timeout makes the others wait their turn.
import type { DatabaseSync } from "node:sqlite";

export function immediateTransaction<T>(database: DatabaseSync, work: () => T): T {
  database.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    database.exec("COMMIT");
    return result;
  } catch (error) {
    if (database.isTransaction) database.exec("ROLLBACK");
    throw error;
  }
}

/** True for SQLITE_CONSTRAINT and its extended codes (a UNIQUE or CHECK violation). */
export function isConstraintViolation(error: unknown): boolean {
  const code = typeof error === "object" && error !== null && "errcode" in error ? error.errcode : undefined;
  return typeof code === "number" && (code & 0xff) === 19;
}
