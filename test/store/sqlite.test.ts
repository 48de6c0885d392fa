// The repository conformance suite against SQLite: a fresh orchestrator.db file per test.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { runConformance } from "./conformance.ts";

runConformance({
  name: "SQLite",
  async fresh(t) {
    const directory = mkdtempSync(join(tmpdir(), "aio-store-"));
    t.after(() => rmSync(directory, { recursive: true, force: true }));
    const file = join(directory, "orchestrator.db");
    return {
      url: file,
      async raw(statement) {
        const database = new DatabaseSync(file);
        try {
          database.exec(statement);
        } finally {
          database.close();
        }
      },
    };
  },
});
