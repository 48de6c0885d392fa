// The repository conformance suite: every store backend (SQLite, PostgreSQL) must pass exactly these
// tests. A backend provides fresh, empty databases; each test opens real stores on one and checks
// behaviour a caller relies on — including two stores on one database standing in for two processes.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AuditTrail } from "../../src/audit/audit-trail.ts";
import { isAppError } from "../../src/errors.ts";
import { createLogger } from "../../src/observability/logger.ts";
import type { NewKey, ThreadTurn } from "../../src/store/repositories.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { runFileConformance } from "./file-conformance.ts";

export interface ConformanceDatabase {
  /** What openStore takes to reach this database. */
  url: string;
  /** Runs raw SQL on it, bypassing the store: for tamper tests. */
  raw(statement: string): Promise<void>;
}

export interface Backend {
  name: string;
  /** A fresh, empty database, removed after the test; undefined when the test was skipped. */
  fresh(t: TestContext): Promise<ConformanceDatabase | undefined>;
}

const logger = createLogger({ level: "silent" });
/** Two thread owners, as the MCP endpoint names hub keys. */
const ME = "key:me";
const OTHER = "key:other";

/** Opens a store on the database, closed when the test ends. */
export async function storeOn(t: TestContext, database: ConformanceDatabase): Promise<Store> {
  const store = await openStore({ url: database.url, paths: { databaseFile: database.url }, logger });
  t.after(() => store.close());
  return store;
}

function newKey(overrides: Partial<NewKey> = {}): NewKey {
  const id = `key_${randomUUID()}`;
  return {
    id,
    name: `name-${id.slice(4, 12)}`,
    kind: "key",
    prefix: "aio_abcdefgh",
    hash: randomUUID().replaceAll("-", "").repeat(2),
    scopes: ["chat"],
    providers: undefined,
    mode: undefined,
    rpm: undefined,
    createdAt: 1_700_000_000_000,
    expiresAt: undefined,
    ...overrides,
  };
}

function turn(content: string, at: number, extra: Partial<ThreadTurn> = {}): ThreadTurn {
  return { role: "user", content, at, ...extra };
}

async function until(condition: () => boolean, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (!condition() && Date.now() < deadline) await sleep(10);
  return condition();
}

export function runConformance(backend: Backend): void {
  async function open(t: TestContext): Promise<{ store: Store; database: ConformanceDatabase } | undefined> {
    const database = await backend.fresh(t);
    if (database === undefined) return undefined;
    return { store: await storeOn(t, database), database };
  }

  runFileConformance(backend.name, async (t) => {
    const opened = await open(t);
    return opened && { store: opened.store, second: () => storeOn(t, opened.database) };
  });

  describe(`${backend.name} store: keys`, () => {
    test("a key comes back by hash, id and name with every field as written", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const { keys } = opened.store;
      const full = newKey({
        kind: "session",
        scopes: ["chat", "files"],
        providers: ["zai", "moonshot"],
        mode: "glm",
        rpm: 120,
        expiresAt: 1_800_000_000_000,
      });
      const bare = newKey({ createdAt: 1_700_000_000_001 });
      await keys.insert(full);
      await keys.insert(bare);
      const expected = { ...full, revokedAt: undefined, lastUsedAt: undefined };
      assert.deepEqual(await keys.findByHash(full.hash), expected);
      assert.deepEqual(await keys.findById(full.id), expected);
      assert.deepEqual(await keys.findByName(full.name), expected);
      assert.deepEqual(await keys.findById(bare.id), {
        ...bare,
        revokedAt: undefined,
        lastUsedAt: undefined,
      });
      assert.equal(await keys.findByHash("0".repeat(64)), undefined);
      assert.equal(await keys.findById("key_missing"), undefined);
      assert.deepEqual(
        (await keys.list()).map((key) => key.id),
        [full.id, bare.id],
        "oldest first",
      );
      assert.deepEqual(
        (await keys.list({ kind: "session" })).map((key) => key.id),
        [full.id],
      );
    });

    test("a name is taken while its key is active and free again once it is revoked", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const { keys } = opened.store;
      const first = await keys.insert(newKey({ name: "ci" }));
      await assert.rejects(keys.insert(newKey({ name: "ci" })), (error) => {
        assert.ok(isAppError(error) && error.kind === "conflict", String(error));
        assert.match(error.message, /a hub key named "ci" already exists/);
        return true;
      });
      assert.equal((await keys.revoke(first.id, 1_700_000_000_500))?.revokedAt, 1_700_000_000_500);
      const second = await keys.insert(newKey({ name: "ci" }));
      assert.equal((await keys.findByName("ci"))?.id, second.id, "the active key wins");
      await keys.revoke(second.id, 1_700_000_000_900);
      assert.equal((await keys.findByName("ci"))?.id, second.id, "then the most recently revoked");
    });

    test("revoking keeps the first time; expiry can be set and cleared; last use never goes back", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const { keys } = opened.store;
      const key = await keys.insert(newKey());
      assert.equal((await keys.revoke(key.id, 10))?.revokedAt, 10);
      assert.equal((await keys.revoke(key.id, 20))?.revokedAt, 10);
      assert.equal(await keys.revoke("key_missing", 10), undefined);
      assert.equal((await keys.setExpiry(key.id, 5_000))?.expiresAt, 5_000);
      assert.equal((await keys.setExpiry(key.id, undefined))?.expiresAt, undefined);
      assert.equal(await keys.setExpiry("key_missing", 1), undefined);
      await keys.touch(key.id, 300);
      await keys.touch(key.id, 200);
      assert.equal((await keys.findById(key.id))?.lastUsedAt, 300);
    });

    test("a key change published through one store reaches a subscriber on another within 2 s", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const other = await storeOn(t, opened.database);
      const heard: (string | undefined)[] = [];
      const unsubscribe = await other.keyChanges.subscribe((keyId) => heard.push(keyId));
      t.after(unsubscribe);
      const key = await opened.store.keys.insert(newKey());
      await opened.store.keys.revoke(key.id, 1);
      await opened.store.keyChanges.publish(key.id);
      assert.ok(await until(() => heard.includes(key.id), 2_000), `heard ${JSON.stringify(heard)}`);
    });
  });

  describe(`${backend.name} store: threads`, () => {
    test("appends create the thread and keep every turn in order with its fields", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const { threads } = opened.store;
      assert.equal(await threads.get(ME, "missing"), undefined);
      const first = await threads.append(ME, "t1", [
        turn("hello", 100),
        turn("hi there", 110, { role: "assistant", provider: "zai", model: "glm-4.6" }),
      ]);
      assert.deepEqual(first, { id: "t1", owner: ME, createdAt: 100, updatedAt: 110, turnCount: 2 });
      const second = await threads.append(ME, "t1", [turn("read this", 200, { files: ["abc", "def"] })]);
      assert.deepEqual(second, { id: "t1", owner: ME, createdAt: 100, updatedAt: 200, turnCount: 3 });
      assert.deepEqual(await threads.get(ME, "t1"), {
        id: "t1",
        owner: ME,
        createdAt: 100,
        updatedAt: 200,
        turnCount: 3,
        turns: [
          turn("hello", 100),
          turn("hi there", 110, { role: "assistant", provider: "zai", model: "glm-4.6" }),
          turn("read this", 200, { files: ["abc", "def"] }),
        ],
      });
    });

    test("concurrent appends to one thread from two stores lose nothing and never interleave a batch", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const other = await storeOn(t, opened.database);
      const writers = [opened.store, other];
      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          writers[index % 2]?.threads.append(ME, "busy", [
            turn(`question ${index}`, 1_000 + index),
            turn(`answer ${index}`, 1_000 + index, { role: "assistant" }),
          ]),
        ),
      );
      const thread = await other.threads.get(ME, "busy");
      assert.equal(thread?.turnCount, 40);
      assert.equal(thread?.turns.length, 40);
      for (let index = 0; index < 40; index += 2) {
        const question: string = thread?.turns[index]?.content ?? "";
        assert.equal(thread?.turns[index + 1]?.content, question.replace("question", "answer"));
      }
    });

    test("threads list newest first with paging; delete and retention remove them with their turns", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const { threads } = opened.store;
      for (const [id, at] of [
        ["old", 100],
        ["mid", 200],
        ["new", 300],
      ] as const)
        await threads.append(ME, id, [turn(id, at)]);
      await threads.append(ME, "old", [turn("revived", 400)]);
      assert.deepEqual(
        (await threads.list({ owner: ME, limit: 10 })).map((thread) => thread.id),
        ["old", "new", "mid"],
      );
      assert.deepEqual(
        (await threads.list({ owner: ME, limit: 1, before: 400 })).map((thread) => thread.id),
        ["new"],
      );
      assert.equal(await threads.delete(ME, "new"), true);
      assert.equal(await threads.delete(ME, "new"), false);
      assert.equal(await threads.get(ME, "new"), undefined);
      assert.equal(await threads.deleteUpdatedBefore(250), 1);
      assert.deepEqual(
        (await threads.list({ owner: ME, limit: 10 })).map((thread) => thread.id),
        ["old"],
      );
      await threads.append(ME, "mid", [turn("again", 500)]);
      assert.equal((await threads.get(ME, "mid"))?.turns.length, 1, "a deleted thread's turns went with it");
    });

    test("a thread is its owner's: another owner neither lists, reads, continues nor deletes it", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const { threads } = opened.store;
      await threads.append(ME, "mine", [turn("private", 100)]);
      await threads.append(OTHER, "theirs", [turn("also private", 200)]);
      assert.deepEqual(
        (await threads.list({ owner: ME, limit: 10 })).map((thread) => thread.id),
        ["mine"],
      );
      assert.deepEqual(
        (await threads.list({ owner: OTHER, limit: 10, before: 1_000 })).map((thread) => thread.id),
        ["theirs"],
      );
      assert.equal(await threads.get(OTHER, "mine"), undefined);
      assert.equal(await threads.delete(OTHER, "mine"), false);
      await assert.rejects(
        threads.append(OTHER, "mine", [turn("sneaked in", 300)]),
        (error) => isAppError(error) && error.kind === "not_found",
      );
      const mine = await threads.get(ME, "mine");
      assert.equal(mine?.owner, ME);
      assert.deepEqual(
        mine?.turns.map((each) => each.content),
        ["private"],
        "the refused append wrote nothing",
      );
      assert.equal(mine?.updatedAt, 100);
      assert.equal(await threads.delete(ME, "mine"), true);
    });
  });

  describe(`${backend.name} store: audit log`, () => {
    test("appends form one chain that verifies, with the head at the last row", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const trail = new AuditTrail({ log: opened.store.audit });
      assert.deepEqual(await trail.verify(), { ok: true, rows: 0, head: "0".repeat(64) });
      const rows = [];
      for (let index = 0; index < 5; index += 1) {
        rows.push(
          await trail.record({
            actor: "cli:test",
            action: "key.create",
            subject: `key_${index}`,
            outcome: "ok",
            details: { index, name: `k${index}`, nested: { b: 2, a: [1, "x", null] } },
          }),
        );
      }
      assert.deepEqual(
        rows.map((row) => row.seq),
        [1, 2, 3, 4, 5],
      );
      assert.equal(rows[1]?.prevHash, rows[0]?.hash);
      const verdict = await trail.verify();
      assert.deepEqual(verdict, { ok: true, rows: 5, head: rows[4]?.hash });
      const newest = await trail.list({ limit: 2 });
      assert.deepEqual(
        newest.map((row) => row.seq),
        [5, 4],
      );
      assert.deepEqual(newest[0]?.details, { index: 4, name: "k4", nested: { a: [1, "x", null], b: 2 } });
      assert.deepEqual(
        (await trail.list({ limit: 10, beforeSeq: 3 })).map((row) => row.seq),
        [2, 1],
      );
      assert.deepEqual(
        (await opened.store.audit.list({ limit: 2, afterSeq: 2 })).map((row) => row.seq),
        [3, 4],
      );
    });

    test("concurrent appends through two stores keep one valid chain", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const other = await storeOn(t, opened.database);
      const trails = [new AuditTrail({ log: opened.store.audit }), new AuditTrail({ log: other.audit })];
      await Promise.all(
        Array.from({ length: 60 }, (_, index) =>
          trails[index % 2]?.record({
            actor: "hub",
            action: "file.upload",
            subject: `f${index}`,
            outcome: "ok",
          }),
        ),
      );
      assert.deepEqual(await trails[0]?.verify(), {
        ok: true,
        rows: 60,
        head: (await opened.store.audit.head())?.hash,
      });
    });

    for (const [what, statements, seq, problem] of [
      [
        "a changed row",
        ['UPDATE audit_log SET details = \'{"name":"forged"}\' WHERE seq = 3'],
        3,
        /content was altered/,
      ],
      [
        "a changed actor",
        ["UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"],
        2,
        /content was altered/,
      ],
      ["a deleted row", ["DELETE FROM audit_log WHERE seq = 3"], 4, /rows are missing before it/],
      [
        "two reordered rows",
        [
          "UPDATE audit_log SET seq = -1 WHERE seq = 2",
          "UPDATE audit_log SET seq = 2 WHERE seq = 3",
          "UPDATE audit_log SET seq = 3 WHERE seq = -1",
        ],
        2,
        /does not point at the hash of row 1/,
      ],
      [
        "a row cut from the end",
        ["DELETE FROM audit_log WHERE seq = 5"],
        5,
        /rows were removed from the end/,
      ],
      ["a deleted head", ["DELETE FROM audit_head"], 1, /no head records them/],
    ] as const) {
      test(`audit verify names the first bad row after ${what}`, async (t) => {
        const opened = await open(t);
        if (!opened) return;
        const trail = new AuditTrail({ log: opened.store.audit });
        for (let index = 1; index <= 5; index += 1)
          await trail.record({
            actor: "cli:test",
            action: "key.create",
            subject: `key_${index}`,
            outcome: "ok",
          });
        for (const statement of statements) await opened.database.raw(statement);
        const verdict = await trail.verify();
        assert.equal(verdict.ok, false, JSON.stringify(verdict));
        if (verdict.ok) return;
        assert.equal(verdict.seq, seq, verdict.problem);
        assert.match(verdict.problem, problem);
      });
    }
  });

  describe(`${backend.name} store: health`, () => {
    test("ping answers while open; a second open of the same database applies no migration twice", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      await opened.store.ping();
      const again = await storeOn(t, opened.database);
      await again.ping();
      await again.threads.append(ME, "x", [turn("still works", 1)]);
      assert.equal((await opened.store.threads.get(ME, "x"))?.turnCount, 1);
    });
  });
}
