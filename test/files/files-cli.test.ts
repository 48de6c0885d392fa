// `ai-orchestrator files` as a user runs it against the four simulated providers: dedup (the second
// upload sends nothing), Gemini's 48-hour expiry, bad input refused in one line with nothing sent,
// and verify/rm. Concurrent uploads from several processes are in crash.test.ts.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stripVTControlCharacters } from "node:util";
import { PROVIDER_APIS } from "../../src/config/schema/providers.ts";
import { BIN, runProgram } from "../support/cli.ts";
import { requireService } from "../support/services.ts";
import { scriptMissing } from "../support/terminal.ts";
import {
  type FilesWorld,
  newHome,
  openHomeStore,
  ourRemoteFiles,
  startWorld,
  uploadRequests,
} from "./world.ts";

describe("files", () => {
  let world: FilesWorld;
  before(async () => {
    world = await startWorld();
  });
  after(() => world.close());

  for (const api of PROVIDER_APIS) {
    it(`${api}: a second upload of the same content sends nothing and answers with the same remote file`, async (t) => {
      const home = newHome(t, world);
      const path = join(home.dir, `report-${api}.txt`);
      writeFileSync(path, `quarterly numbers for ${api}\n`.repeat(100));
      world.simulators.clearRequests();

      const first = await home.cli(["files", "upload", path, "--to", api, "--json"]);
      assert.equal(first.code, 0, first.stderr);
      const [uploaded] = JSON.parse(first.stdout);
      assert.equal(uploaded.dedup, false);
      assert.match(uploaded.sha256, /^[0-9a-f]{64}$/);
      assert.equal(uploadRequests(world, api), 1);

      world.simulators.clearRequests();
      const copy = join(home.dir, "same-content-other-name.txt");
      writeFileSync(copy, `quarterly numbers for ${api}\n`.repeat(100));
      const second = await home.cli(["files", "upload", copy, "--to", api, "--json"]);
      assert.equal(second.code, 0, second.stderr);
      const [again] = JSON.parse(second.stdout);
      assert.deepEqual(
        { dedup: again.dedup, sha256: again.sha256, remoteId: again.remoteId },
        { dedup: true, sha256: uploaded.sha256, remoteId: uploaded.remoteId },
      );
      assert.equal(
        world.simulators.requests().filter((r) => r.provider === api).length,
        0,
        "nothing sent at all",
      );
      assert.equal((await ourRemoteFiles(world, api, `report-${api}.txt`)).length, 1);

      const list = await home.cli(["files", "list", "--json"]);
      const [content] = JSON.parse(list.stdout);
      assert.equal(content.sha256, uploaded.sha256);
      assert.deepEqual(
        content.copies.map((c: { provider: string }) => c.provider),
        [api],
      );
    });
  }

  it("google: a copy about to expire (48 h) is uploaded again; the new one is reused", async (t) => {
    const home = newHome(t, world);
    const path = join(home.dir, "slides.txt");
    writeFileSync(path, "slides for the review\n".repeat(50));
    world.clock.offsetMs = -(47.5 * 60 * 60 * 1000); // uploaded 47.5 hours ago
    try {
      const first = JSON.parse(
        (await home.cli(["files", "upload", path, "--to", "google", "--json"])).stdout,
      )[0];
      world.clock.offsetMs = 0;
      const second = await home.cli(["files", "upload", path, "--to", "google", "--json"]);
      assert.equal(second.code, 0, second.stderr);
      const renewed = JSON.parse(second.stdout)[0];
      assert.equal(renewed.dedup, false, "an expiring copy is not reused");
      assert.notEqual(renewed.remoteId, first.remoteId);
      const third = JSON.parse(
        (await home.cli(["files", "upload", path, "--to", "google", "--json"])).stdout,
      )[0];
      assert.deepEqual([third.dedup, third.remoteId], [true, renewed.remoteId]);
      const show = JSON.parse(
        (await home.cli(["files", "show", renewed.sha256.slice(0, 10), "--json"])).stdout,
      );
      assert.deepEqual(
        show.copies.map((copy: { remoteId: string; status: string }) => [copy.remoteId, copy.status]),
        [
          [first.remoteId, "expired"],
          [renewed.remoteId, "active"],
        ],
      );
    } finally {
      world.clock.offsetMs = 0;
    }
  });

  it("bad input gets one clear line, a non-zero exit, and nothing is uploaded", async (t) => {
    const home = newHome(t, world);
    const good = join(home.dir, "good.txt");
    writeFileSync(good, "fine\n");
    const empty = join(home.dir, "empty.txt");
    writeFileSync(empty, "");
    const directory = join(home.dir, "folder");
    mkdirSync(directory);
    const big = join(home.dir, "big.bin");
    writeFileSync(big, Buffer.alloc(20 * 1024 * 1024 + 1, 1)); // one byte over: both round to 20 MB
    const cases: [string[], RegExp][] = [
      [[empty, "--to", "moonshot"], /empty\.txt is empty; there is nothing to send/],
      [
        [good, big, "--to", "zai", "--purpose", "code-interpreter"],
        /big\.bin is 20971521 bytes, more than zai takes for code-interpreter \(20971520 bytes\); nothing was uploaded/,
      ],
      [[directory, "--to", "moonshot"], /folder is a directory; name the files in it/],
      [[join(home.dir, "missing.txt"), "--to", "moonshot"], /missing\.txt does not exist/],
      [[good, "--to", "nosuch"], /unknown provider "nosuch"; known providers: .*moonshot/],
      [[good, "--to", "moonshot,nofiles"], /nofiles has no Files API/],
      [[good, "--to", "zai", "--purpose", "bogus"], /zai takes no purpose "bogus"; use one of agent/],
    ];
    if (process.getuid?.() !== 0) {
      const unreadable = join(home.dir, "secret.txt");
      writeFileSync(unreadable, "no\n");
      chmodSync(unreadable, 0o000);
      cases.push([[unreadable, "--to", "moonshot"], /secret\.txt cannot be read \(permission denied\)/]);
    }
    world.simulators.clearRequests();
    for (const [args, message] of cases) {
      const result = await home.cli(["files", "upload", ...args]);
      assert.notEqual(result.code, 0, `${args.join(" ")} should fail`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split("\n").length, 1, `one line: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
    }
    assert.equal(uploadRequests(world), 0, "nothing was uploaded");
  });

  it("at a terminal a large file shows a progress bar, hashing then sending; piped output shows none", async (t) => {
    if (!requireService(t, "util-linux script", scriptMissing())) return;
    const home = newHome(t, world);
    const path = join(home.dir, "video-notes.bin");
    writeFileSync(path, Buffer.alloc(20 * 1024 * 1024, 3));
    const quoted = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`;
    const atTerminal = await runProgram(
      "script",
      [
        "-qfec",
        [process.execPath, BIN, "files", "upload", path, "--to", "moonshot"].map(quoted).join(" "),
        "/dev/null",
      ],
      { env: home.env },
    );
    assert.equal(atTerminal.code, 0, atTerminal.stdout);
    const screen = stripVTControlCharacters(atTerminal.stdout);
    assert.match(screen, /video-notes\.bin hashing \[#*-*\] \d+% of 20 MB/);
    assert.match(screen, /video-notes\.bin → moonshot \[#{30}\] 100% of 20 MB/);
    assert.match(screen, /uploaded {2}video-notes\.bin/);

    const piped = await home.cli(["files", "upload", path, "--to", "google"]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stderr, "", "no progress bar when stderr is not a terminal");
  });

  it("over a provider's limit: moonshot refuses a 101 MB file before a byte is sent", async (t) => {
    const home = newHome(t, world);
    const big = join(home.dir, "huge.bin");
    writeFileSync(big, Buffer.alloc(101 * 1024 * 1024, 7));
    world.simulators.clearRequests();
    const result = await home.cli(["files", "upload", big, "--to", "google,moonshot"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /huge\.bin is 101 MB, more than moonshot takes for file-extract \(100 MB\); nothing was uploaded/,
    );
    assert.equal(uploadRequests(world), 0);
  });

  it("verify marks a copy deleted behind the hub's back; rm deletes and records it; the audit chain verifies", async (t) => {
    const home = newHome(t, world);
    const path = join(home.dir, "notes.txt");
    writeFileSync(path, "meeting notes\n");
    const [moonshot, zai] = JSON.parse(
      (await home.cli(["files", "upload", path, "--to", "moonshot,zai", "--json"])).stdout,
    );
    const store = await openHomeStore(home);
    t.after(() => store.close());
    // Someone deletes the Moonshot copy on the platform itself.
    await fetch(`${world.simulators.endpoints.moonshot.baseUrl}/files/${moonshot.remoteId}`, {
      method: "DELETE",
      headers: { authorization: "Bearer sk-files-test-key-7" },
    });
    const verify = await home.cli(["files", "verify"]);
    assert.equal(verify.code, 1, "a missing copy makes verify fail");
    assert.match(verify.stdout, new RegExp(`missing: ${moonshot.remoteId}`));
    assert.match(verify.stdout, /zai: 1 of 1 copies OK/);

    const removed = await home.cli(["files", "rm", zai.sha256.slice(0, 8), "--provider", "zai"]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`deleted ${zai.remoteId} on zai`));
    assert.equal((await ourRemoteFiles(world, "zai", "notes.txt")).length, 0);

    const verdict = await store.audit.verify();
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    const actions = (await store.audit.list({ limit: 20 })).map((row) => row.action).reverse();
    assert.deepEqual(actions, ["file.upload", "file.upload", "file.verify", "file.verify", "file.delete"]);
  });

  it("verify and sync name a provider they cannot check, and sync fails when a listing fails", async (t) => {
    const home = newHome(t, world);
    const path = join(home.dir, "plan.txt");
    writeFileSync(path, "the plan\n");
    assert.equal((await home.cli(["files", "upload", path, "--to", "moonshot"])).code, 0);
    for (const command of ["verify", "sync"]) {
      const unknown = await home.cli(["files", command, "--provider", "nosuch"]);
      assert.equal(unknown.code, 2, unknown.stdout);
      assert.match(unknown.stderr, /^ai-orchestrator: unknown provider "nosuch"; known providers: .*\n$/);
      const noFiles = await home.cli(["files", command, "--provider", "nofiles"]);
      assert.equal(noFiles.code, 2, noFiles.stdout);
      assert.match(noFiles.stderr, /nofiles has no Files API/);
    }
    // Moonshot's listing fails: nothing was reconciled, so sync does not report success.
    world.simulators.faults.inject("moonshot", { kind: "status", status: 500, times: 20 });
    t.after(() => world.simulators.faults.clear("moonshot"));
    const sync = await home.cli(["files", "sync", "--provider", "moonshot"]);
    assert.equal(sync.code, 1, sync.stdout);
    assert.match(sync.stdout, /^moonshot: could not list its files: /m);
    const store = await openHomeStore(home);
    t.after(() => store.close());
    const subjects = (await store.audit.list({ limit: 20 })).map((row) => row.subject);
    assert.ok(!subjects.includes("nosuch"), "a refused provider leaves no audit row");
  });
});
