// Upgrading a store written before threads had owners: its threads and their turns survive and
// belong to the local (stdio) user, and no hub key reaches them. SQLite and PostgreSQL alike.
import assert from "node:assert/strict";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { createLogger } from "../../src/observability/logger.ts";
import { openDatabase } from "../../src/store/database.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import { connectPostgres } from "../../src/store/postgres/connection.ts";
import { migratePostgres, POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.ts";
import { LOCAL_THREAD_OWNER } from "../../src/store/repositories.ts";
import { openStore } from "../../src/store/store.ts";
import { postgresSchemaUrl, withRawPostgres } from "../support/postgres.ts";
import { scratchDirectory } from "../support/scratch.ts";

const logger = createLogger({ level: "silent" });
const OWNERS_MIGRATION = "thread owners";

/** A thread as the version before owners wrote it: one row per thread, one per turn. */
const OLD_THREAD = [
  "INSERT INTO threads (id, created_at, updated_at, turn_count) VALUES ('before-owners', 100, 110, 2)",
  "INSERT INTO thread_turns (thread_id, seq, role, content, at) VALUES ('before-owners', 1, 'user', 'old question', 100)",
  "INSERT INTO thread_turns (thread_id, seq, role, content, at) VALUES ('before-owners', 2, 'assistant', 'old answer', 110)",
];

async function assertUpgraded(t: TestContext, url: string): Promise<void> {
  const store = await openStore({ url, paths: { databaseFile: url }, logger });
  t.after(() => store.close());
  const thread = await store.threads.get(LOCAL_THREAD_OWNER, "before-owners");
  assert.equal(thread?.owner, LOCAL_THREAD_OWNER);
  assert.deepEqual(
    thread?.turns.map((turn) => turn.content),
    ["old question", "old answer"],
  );
  assert.deepEqual(
    (await store.threads.list({ owner: LOCAL_THREAD_OWNER, limit: 10 })).map((each) => each.id),
    ["before-owners"],
  );
  assert.equal(await store.threads.get("key:someone", "before-owners"), undefined, "no hub key inherits it");
  const continued = await store.threads.append(LOCAL_THREAD_OWNER, "before-owners", [
    { role: "user", content: "still here?", at: 200 },
  ]);
  assert.equal(continued.turnCount, 3);
}

test("SQLite: a database from before thread owners keeps its threads, now the local user's", async (t) => {
  const directory = scratchDirectory(t, "aio-owners-");
  const file = join(directory, "orchestrator.db");
  const before = MIGRATIONS.slice(
    0,
    MIGRATIONS.findIndex((migration) => migration.name === OWNERS_MIGRATION),
  );
  assert.ok(before.length > 0);
  const old = openDatabase(file, { migrations: before });
  for (const statement of OLD_THREAD) old.exec(statement);
  old.close();
  await assertUpgraded(t, file);
});

test("PostgreSQL: a store from before thread owners keeps its threads, now the local user's", async (t) => {
  const url = await postgresSchemaUrl(t);
  if (url === undefined) return;
  const before = POSTGRES_MIGRATIONS.slice(
    0,
    POSTGRES_MIGRATIONS.findIndex((migration) => migration.name === OWNERS_MIGRATION),
  );
  assert.ok(before.length > 0);
  const connection = connectPostgres({ url, logger });
  try {
    await migratePostgres(connection, before);
  } finally {
    await connection.sql.end({ timeout: 5 });
  }
  await withRawPostgres(url, async (sql) => {
    for (const statement of OLD_THREAD) await sql.unsafe(statement);
  });
  await assertUpgraded(t, url);
});
