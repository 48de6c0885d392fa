// Key changes between processes sharing one SQLite file (the hub and a `keys revoke` run beside it):
// every revocation or change bumps the key's revision, and each subscribed process polls for
// revisions above the last it saw. One indexed query on a small table every interval.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { KeyChangeFeed } from "../repositories.ts";
import { integer, text } from "./columns.ts";

export class SqliteKeyChangeFeed implements KeyChangeFeed {
  readonly #latest: StatementSync;
  readonly #since: StatementSync;
  readonly #intervalMs: number;
  readonly #listeners = new Set<(keyId: string | undefined) => void>();
  #timer: NodeJS.Timeout | undefined;
  #seen = 0;

  constructor(database: DatabaseSync, options: { intervalMs?: number } = {}) {
    this.#latest = database.prepare("SELECT coalesce(max(revision), 0) AS revision FROM hub_keys");
    this.#since = database.prepare(
      "SELECT id, revision FROM hub_keys WHERE revision > ? ORDER BY revision LIMIT 1000",
    );
    this.#intervalMs = options.intervalMs ?? 250;
  }

  // The revision bump itself is the notice; this process's own subscribers hear it at once.
  async publish(keyId: string): Promise<void> {
    for (const listener of this.#listeners) listener(keyId);
  }

  async subscribe(listener: (keyId: string | undefined) => void): Promise<() => Promise<void>> {
    if (this.#listeners.size === 0) {
      this.#seen = integer(this.#latest.get() ?? { revision: 0 }, "revision");
      this.#timer = setInterval(() => this.#poll(), this.#intervalMs);
      this.#timer.unref();
    }
    this.#listeners.add(listener);
    return async () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) clearInterval(this.#timer);
    };
  }

  close(): void {
    this.#listeners.clear();
    clearInterval(this.#timer);
  }

  #poll(): void {
    let rows: ReturnType<StatementSync["all"]>;
    try {
      rows = this.#since.all(this.#seen);
    } catch {
      // The file is busy or gone for a moment: the next poll catches up; caches expire meanwhile.
      return;
    }
    for (const row of rows) {
      this.#seen = Math.max(this.#seen, integer(row, "revision"));
      for (const listener of this.#listeners) listener(text(row, "id"));
    }
  }
}
