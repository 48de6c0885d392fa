// The repository conformance suite against SQLite: a fresh orchestrator.db file per test.
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { scratchDirectory } from "../support/scratch.ts";
import { runConformance } from "./conformance.ts";

runConformance({
  name: "SQLite",
  async fresh(t) {
    const directory = scratchDirectory(t, "aio-store-");
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
