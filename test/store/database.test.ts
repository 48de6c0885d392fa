// orchestrator.db: a real file, WAL, and migrations that run once, in order, in a transaction.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { AppError } from "../../src/errors.ts";
import { appliedMigrations, migrate, openDatabase } from "../../src/store/database.ts";
import { MIGRATIONS, type Migration } from "../../src/store/migrations.ts";
import { temporaryHome } from "../support/cli.ts";

const notes: Migration = {
  version: 1,
  name: "notes",
  up: (database) => database.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL) STRICT"),
};
const tags: Migration = {
  version: 2,
  name: "tags",
  up: (database) => database.exec("ALTER TABLE notes ADD COLUMN tag TEXT"),
};

test("opens a new file in WAL mode with the project's migrations applied, readable by its owner only", (t) => {
  const file = join(temporaryHome(t), "nested", "orchestrator.db");
  const database = openDatabase(file);
  t.after(() => database.close());
  assert.equal(database.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
  database
    .prepare("INSERT INTO breaker_state VALUES ('zai', 'closed', 0, 0, 0, NULL, NULL, NULL, NULL, 0, 1)")
    .run();
  for (const path of [file, `${file}-wal`, `${file}-shm`])
    assert.equal(statSync(path).mode & 0o777, 0o600, path);
  assert.deepEqual(
    appliedMigrations(database).map((migration) => migration.version),
    MIGRATIONS.map((migration) => migration.version),
  );
  assert.ok(database.prepare("SELECT name FROM sqlite_master WHERE name = 'breaker_state'").get());
});

test("opening again applies nothing twice; a migration appended later runs on the old file", (t) => {
  const file = join(temporaryHome(t), "orchestrator.db");
  openDatabase(file, { migrations: [notes] }).close();
  const reopened = openDatabase(file, { migrations: [notes] });
  assert.deepEqual(
    appliedMigrations(reopened).map((migration) => migration.name),
    ["notes"],
  );
  reopened.prepare("INSERT INTO notes (text) VALUES ('kept')").run();
  reopened.close();

  const upgraded = openDatabase(file, { migrations: [notes, tags] });
  t.after(() => upgraded.close());
  assert.deepEqual(
    appliedMigrations(upgraded).map((migration) => migration.name),
    ["notes", "tags"],
  );
  assert.deepEqual({ ...upgraded.prepare("SELECT text, tag FROM notes").get() }, { text: "kept", tag: null });
});

test("a failing migration leaves nothing half-done and says which one failed", (t) => {
  const file = join(temporaryHome(t), "orchestrator.db");
  const broken: Migration = {
    version: 2,
    name: "broken",
    up: (database) => {
      database.exec("CREATE TABLE half (id INTEGER)");
      database.exec("THIS IS NOT SQL");
    },
  };
  assert.throws(
    () => openDatabase(file, { migrations: [notes, broken] }),
    (error) => error instanceof AppError && /database migration 2 \(broken\) failed/.test(error.message),
  );
  const database = new DatabaseSync(file);
  t.after(() => database.close());
  assert.equal(database.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get(), undefined);
  assert.deepEqual(
    appliedMigrations(database).map((migration) => migration.version),
    [1],
  );
});

test("a database written by a newer version is refused with the fix", (t) => {
  const file = join(temporaryHome(t), "orchestrator.db");
  openDatabase(file, { migrations: [notes, tags] }).close();
  assert.throws(
    () => openDatabase(file, { migrations: [notes] }),
    /newer ai-orchestrator \(schema version 2, this one knows up to 1\); upgrade/,
  );
});

test("a file that is not a database is refused in one line naming it and the fix, not as an internal error", (t) => {
  const file = join(temporaryHome(t), "notes.pdf");
  writeFileSync(
    file,
    "%PDF-1.4 not a database, but long enough for SQLite to read a header from it\n".repeat(4),
  );
  assert.throws(
    () => openDatabase(file),
    (error: unknown) =>
      error instanceof AppError &&
      error.kind === "unavailable" &&
      error.message.startsWith(`cannot open the store ${file}: file is not a database; make store.url`),
  );
});

test("a list with a gap or out of order is a programming error caught before touching the file", () => {
  const database = new DatabaseSync(":memory:");
  assert.throws(() => migrate(database, [tags]), /version 2 but is number 1/);
  database.close();
});

test("two processes' worth of connections migrating the same file at once both succeed", (t) => {
  const file = join(temporaryHome(t), "orchestrator.db");
  const first = openDatabase(file);
  const second = openDatabase(file);
  t.after(() => {
    first.close();
    second.close();
  });
  assert.equal(appliedMigrations(second).length, MIGRATIONS.length);
});

test("processes starting at once on a new file all open it (none sees 'database is locked')", async (t) => {
  const home = temporaryHome(t);
  const opener = `import { openDatabase } from ${JSON.stringify(join(import.meta.dirname, "../../src/store/database.ts"))};
    // Staggered by a few milliseconds, so that one switches to WAL while another is migrating.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.random() * 20);
    openDatabase(process.argv[1]).close();`;
  const failures: string[] = [];
  for (let round = 0; round < 6; round += 1) {
    const file = join(home, `race-${round}.db`);
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", opener, file], {
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
          stderr += chunk;
        });
        const [code] = await once(child, "exit");
        if (code !== 0) failures.push(stderr.split("\n").find((line) => line.includes("Error")) ?? stderr);
      }),
    );
  }
  assert.deepEqual(failures, []);
});
