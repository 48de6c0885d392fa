// The file registry and upload journal part of the conformance suite: every backend must keep one
// active copy per content, provider and purpose, and one unfinished claim per upload across processes
// (two stores on one database stand in for two processes).
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { isAppError } from "../../src/errors.ts";
import type { FileCopy, JournalOwner, NewJournalEntry } from "../../src/store/repositories.ts";
import type { Store } from "../../src/store/store.ts";

type Open = (t: TestContext) => Promise<{ store: Store; second(): Promise<Store> } | undefined>;

const SHA = "ab".repeat(32);
const OTHER_SHA = "cd".repeat(32);

function copy(overrides: Partial<FileCopy> = {}): FileCopy {
  return {
    sha256: SHA,
    provider: "moonshot",
    purpose: "file-extract",
    remoteId: "co3t989kqq4ua4e78urg",
    remoteName: "aio-aaaaaaaaaaaaaaaaaaaa-report.pdf",
    bytes: 1234,
    uri: undefined,
    uploadedAt: 1_700_000_000_000,
    expiresAt: undefined,
    status: "active",
    checkedAt: undefined,
    journalId: "aaaaaaaaaaaaaaaaaaaa",
    ...overrides,
  };
}

const owner = (id: string): JournalOwner => ({ id, host: "host-a", pid: 4242 });

function entry(id: string, ownerId: string, overrides: Partial<NewJournalEntry> = {}): NewJournalEntry {
  return {
    id,
    sha256: SHA,
    provider: "google",
    purpose: "",
    owner: owner(ownerId),
    leaseUntil: 2_000,
    createdAt: 1_000,
    ...overrides,
  };
}

export function runFileConformance(name: string, open: Open): void {
  describe(`${name} store: file registry`, () => {
    test("a content is added once; later adds keep the first name; prefixes and pins find and mark it", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const { files } = opened.store;
      const first = await files.addContent({
        sha256: SHA,
        bytes: 10,
        filename: "a.pdf",
        mimeType: "application/pdf",
        firstSeenAt: 5,
      });
      const again = await files.addContent({
        sha256: SHA,
        bytes: 10,
        filename: "b.pdf",
        mimeType: "application/pdf",
        firstSeenAt: 9,
      });
      assert.deepEqual(again, first);
      assert.deepEqual(first, {
        sha256: SHA,
        bytes: 10,
        filename: "a.pdf",
        mimeType: "application/pdf",
        firstSeenAt: 5,
        pinned: false,
      });
      await files.addContent({
        sha256: OTHER_SHA,
        bytes: 3,
        filename: "c.txt",
        mimeType: "text/plain",
        firstSeenAt: 7,
      });
      assert.deepEqual(
        (await files.findContents("abab")).map((c) => c.sha256),
        [SHA],
      );
      assert.equal((await files.findContents("ef")).length, 0);
      assert.deepEqual(
        (await files.listContents()).map((c) => c.filename),
        ["a.pdf", "c.txt"],
      );
      assert.equal((await files.setPinned(SHA, true))?.pinned, true);
      assert.equal(await files.setPinned("ff".repeat(32), true), undefined);
    });

    test("one active copy per content, provider and purpose; a commit is idempotent per journal entry", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const { files } = opened.store;
      await files.addContent({
        sha256: SHA,
        bytes: 1234,
        filename: "r.pdf",
        mimeType: "application/pdf",
        firstSeenAt: 1,
      });
      const stored = await files.commit(copy({ expiresAt: 99, uri: "https://x/files/1" }));
      assert.deepEqual(await files.findActive(SHA, "moonshot", "file-extract"), stored);
      assert.deepEqual(
        await files.commit(copy({ remoteId: "another" })),
        stored,
        "same journal id: the first commit",
      );
      await assert.rejects(
        files.commit(copy({ remoteId: "second", journalId: "bbbbbbbbbbbbbbbbbbbb" })),
        (error) => isAppError(error) && error.kind === "conflict",
      );
      // Another purpose or provider is another slot.
      await files.commit(copy({ purpose: "image", remoteId: "img", journalId: "cccccccccccccccccccc" }));
      await files.commit(
        copy({ provider: "zai", purpose: "agent", remoteId: "z1", journalId: "dddddddddddddddddddd" }),
      );
      assert.equal((await files.copies({ sha256: SHA })).length, 3);
      assert.deepEqual(
        (await files.copies({ provider: "zai" })).map((c) => c.remoteId),
        ["z1"],
      );
      // Once expired, the slot takes a new copy.
      const expired = await files.setStatus("moonshot", stored.remoteId, "expired", 50);
      assert.deepEqual([expired?.status, expired?.checkedAt], ["expired", 50]);
      assert.equal(await files.findActive(SHA, "moonshot", "file-extract"), undefined);
      await files.commit(copy({ remoteId: "fresh", journalId: "eeeeeeeeeeeeeeeeeeee" }));
      assert.equal((await files.findActive(SHA, "moonshot", "file-extract"))?.remoteId, "fresh");
      assert.equal((await files.findByJournal("eeeeeeeeeeeeeeeeeeee"))?.remoteId, "fresh");
      assert.equal((await files.findByRemote("moonshot", stored.remoteId))?.status, "expired");
      assert.deepEqual(
        (await files.copies({ status: "expired" })).map((c) => c.remoteId),
        [stored.remoteId],
      );
      assert.equal(await files.setStatus("moonshot", "nope", "missing", 1), undefined);
    });
  });

  describe(`${name} store: upload journal`, () => {
    test("of 20 claims of one upload from two processes at once, exactly one wins; the others see it", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const other = await opened.second();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? opened.store : other).fileJournal.claim(
            entry(`claim${String(index).padStart(15, "0")}`, `owner-${index}`),
          ),
        ),
      );
      const winners = results.filter((result) => result.claimed);
      assert.equal(winners.length, 1);
      const winner = winners[0];
      assert.ok(winner?.claimed);
      for (const result of results) if (!result.claimed) assert.equal(result.holder?.id, winner.entry.id);
      // Another purpose is another upload.
      assert.equal(
        (await other.fileJournal.claim(entry("otherpurpose00000000", "x", { purpose: "batch" }))).claimed,
        true,
      );
      // Once done, the same upload can be claimed again (the copy expired, say).
      assert.equal(
        await opened.store.fileJournal.advance(winner.entry.id, winner.entry.owner.id, "done", 3_000),
        true,
      );
      assert.equal((await other.fileJournal.claim(entry("again000000000000000", "y"))).claimed, true);
    });

    test("only the owner renews or advances; a takeover is compare-and-set; unfinished lists claimed and committed", async (t) => {
      const opened = await open(t);
      if (!opened) return;
      const journal = opened.store.fileJournal;
      const other = (await opened.second()).fileJournal;
      await journal.claim(entry("jjjjjjjjjjjjjjjjjjjj", "dead-owner"));
      assert.equal(await journal.renew("jjjjjjjjjjjjjjjjjjjj", "stranger", 9_000, 1_500), false);
      assert.equal(await journal.renew("jjjjjjjjjjjjjjjjjjjj", "dead-owner", 9_000, 1_500), true);
      assert.equal((await journal.get("jjjjjjjjjjjjjjjjjjjj"))?.leaseUntil, 9_000);
      assert.equal(await journal.advance("jjjjjjjjjjjjjjjjjjjj", "stranger", "released", 1_600), false);
      const takeovers = await Promise.all([
        journal.takeOver("jjjjjjjjjjjjjjjjjjjj", "dead-owner", owner("rescuer-1"), 20_000, 1_700),
        other.takeOver("jjjjjjjjjjjjjjjjjjjj", "dead-owner", owner("rescuer-2"), 20_000, 1_700),
      ]);
      const taken = takeovers.filter((result) => result !== undefined);
      assert.equal(taken.length, 1, "exactly one process takes over a dead claim");
      const rescuer = taken[0]?.owner.id ?? "";
      assert.equal(
        await journal.advance("jjjjjjjjjjjjjjjjjjjj", rescuer, "committed", 1_800, "remote-1"),
        true,
      );
      const committed = await journal.get("jjjjjjjjjjjjjjjjjjjj");
      assert.deepEqual(
        [committed?.state, committed?.remoteId, committed?.updatedAt],
        ["committed", "remote-1", 1_800],
      );
      await journal.claim(entry("kkkkkkkkkkkkkkkkkkkk", "z", { sha256: OTHER_SHA, createdAt: 1_100 }));
      assert.deepEqual(
        (await other.unfinished()).map((e) => [e.id, e.state]),
        [
          ["jjjjjjjjjjjjjjjjjjjj", "committed"],
          ["kkkkkkkkkkkkkkkkkkkk", "claimed"],
        ],
      );
      assert.equal(await journal.advance("jjjjjjjjjjjjjjjjjjjj", rescuer, "done", 1_900), true);
      assert.equal(
        await journal.advance("jjjjjjjjjjjjjjjjjjjj", rescuer, "released", 2_000),
        false,
        "a finished entry stays finished",
      );
      assert.equal(
        await journal.takeOver("jjjjjjjjjjjjjjjjjjjj", rescuer, owner("late"), 1, 2_100),
        undefined,
      );
      assert.deepEqual(
        (await journal.unfinished()).map((e) => e.id),
        ["kkkkkkkkkkkkkkkkkkkk"],
      );
    });
  });
}
