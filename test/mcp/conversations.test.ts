// Thread limits over the real SQLite thread store, with a fake clock: age, turns and size each
// refuse a continuation with the setting's name; and clink's shortening of long output.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createConversations } from "../../src/mcp/conversations.ts";
import { shorten } from "../../src/mcp/tools/clink-tool.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { LOCAL_THREAD_OWNER } from "../../src/store/repositories.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { removeScratch } from "../support/scratch.ts";

const DAY = 24 * 60 * 60 * 1000;

async function temporaryStore(t: { after(fn: () => Promise<void> | void): void }): Promise<Store> {
  const directory = mkdtempSync(join(tmpdir(), "aio-threads-"));
  const store = await openStore({
    paths: { databaseFile: join(directory, "orchestrator.db") },
    logger: createLogger({ level: "silent" }),
  });
  t.after(async () => {
    await store.close();
    removeScratch(directory);
  });
  return store;
}

test("a thread is refused once its age, turns or size pass the limits, each named", async (t) => {
  const store = await temporaryStore(t);
  let now = 1_000 * DAY;
  const conversations = createConversations(
    store.threads,
    { maxTurns: 6, maxAgeDays: 2, maxBytes: 60 },
    LOCAL_THREAD_OWNER,
    () => now,
  );

  const fresh = await conversations.openFor(undefined, "first question");
  assert.deepEqual(fresh.turns, []);
  await conversations.record(fresh, [
    { role: "user", content: "first question", at: now },
    { role: "assistant", content: "first answer", at: now },
  ]);

  const continued = await conversations.openFor(fresh.id, "second");
  assert.equal(continued.turns.length, 2);

  // Size: 14 + 12 bytes stored, and a 40-byte prompt passes 60.
  await assert.rejects(
    conversations.openFor(fresh.id, "x".repeat(40)),
    /would hold 66 bytes with this prompt; the limit is 60 \(mcp\.threads\.maxBytes\)/,
  );

  // Turns: 6 may be held, so after 4 stored another exchange still fits, after 6 not.
  await conversations.record(continued, [
    { role: "user", content: "q2", at: now },
    { role: "assistant", content: "a2", at: now },
  ]);
  const third = await conversations.openFor(fresh.id, "q3");
  await conversations.record(third, [
    { role: "user", content: "q3", at: now },
    { role: "assistant", content: "a3", at: now },
  ]);
  await assert.rejects(
    conversations.openFor(fresh.id, "q4"),
    /has 6 turns and may hold 6 \(mcp\.threads\.maxTurns\)/,
  );

  // Age: counted from the last turn.
  const other = await conversations.openFor(undefined, "old");
  await conversations.record(other, [{ role: "user", content: "old", at: now }]);
  now += 2 * DAY - 1;
  await conversations.openFor(other.id, "still fine");
  now += 2;
  await assert.rejects(
    conversations.openFor(other.id, "too late"),
    /has expired: its last turn was 2 days ago and threads last 2 days \(mcp\.threads\.maxAgeDays\)/,
  );

  await assert.rejects(conversations.openFor("nope", "hi"), /unknown continuation_id "nope"/);
});

test("long clink output keeps its start and end and says how much was cut", () => {
  assert.equal(shorten("short", 100), "short");
  const long = `START${"·".repeat(5000)}END`;
  const cut = shorten(long, 1000);
  assert.ok(cut.length <= 1100, `${cut.length} characters`);
  assert.ok(cut.startsWith("START"));
  assert.ok(cut.endsWith("END"));
  assert.match(
    cut,
    /\[… \d+ of 5008 characters cut from the middle \(mcp\.clink\.maxOutputChars is 1000\) …\]/,
  );
});
