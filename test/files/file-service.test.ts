// The file service in one process, on a real SQLite store and the simulators: recovery's backoff,
// lifecycle sync (retention, pins, adoption, orphans left alone), the hub's maintenance at start and
// on its interval, and the seven file metrics under their exact names.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import type { FileService } from "../../src/files/file-service.ts";
import { createFileService } from "../../src/files/hub-files.ts";
import { startFileMaintenance } from "../../src/files/maintenance.ts";
import { RECOVERY_DELAYS_MS } from "../../src/files/recovery.ts";
import { newJournalId, remoteName } from "../../src/files/remote-name.ts";
import type { Hub } from "../../src/hub/hub.ts";
import type { Store } from "../../src/store/store.ts";
import { type FilesWorld, inProcessHub, remoteFiles, startWorld } from "./world.ts";

const DAY = 24 * 60 * 60 * 1000;

describe("file service", () => {
  let world: FilesWorld;
  before(async () => {
    world = await startWorld();
  });
  after(() => world.close());

  interface Setup {
    hub: Hub;
    store: Store;
    service: FileService;
    clock: { now: number };
    delays: number[];
    dir: string;
  }

  async function setup(t: TestContext, onSleep: (delays: number[]) => void = () => {}): Promise<Setup> {
    const { hub, store, dir } = await inProcessHub(t, world, {
      moonshot: { policy: { retry: { maxAttempts: 1 } } },
    });
    const clock = { now: Date.now() };
    const delays: number[] = [];
    const service = createFileService({
      hub,
      store,
      now: () => clock.now,
      sleep: async (ms) => {
        delays.push(ms);
        onSleep(delays);
      },
    });
    return { hub, store, service, clock, delays, dir };
  }

  const file = (dir: string, name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  /** A claim left by a process that no longer exists, as a kill -9 leaves it. */
  async function deadClaim(store: Store, sha256: string, provider: string, purpose: string): Promise<string> {
    const id = newJournalId();
    await store.files.addContent({
      sha256,
      bytes: 5,
      filename: "x.txt",
      mimeType: "text/plain",
      firstSeenAt: 1,
    });
    const claim = await store.fileJournal.claim({
      id,
      sha256,
      provider,
      purpose,
      owner: { id: "dead", host: "elsewhere", pid: 1 },
      leaseUntil: 0,
      createdAt: Date.now(),
    });
    assert.ok(claim.claimed);
    return id;
  }

  it("recovery backs off 1, 2, 4, 8, 16 s while the provider fails, then gives up and says so", async (t) => {
    const { service, store, delays } = await setup(t);
    await deadClaim(store, "11".repeat(32), "moonshot", "file-extract");
    world.simulators.faults.inject("moonshot", {
      kind: "status",
      status: 503,
      match: "/files",
      method: "GET",
    });
    t.after(() => world.simulators.faults.clear("moonshot"));
    const [outcome] = await service.recover({ actor: "test", retry: true });
    assert.deepEqual(delays, [...RECOVERY_DELAYS_MS]);
    assert.equal(outcome?.resolution, "failed");
    assert.equal((await store.fileJournal.unfinished()).length, 1, "left for the next recovery");
  });

  it("recovery succeeds once the provider answers again, after the backoff so far", async (t) => {
    const { service, store, delays } = await setup(t, (so) => {
      if (so.length === 2) world.simulators.faults.clear("moonshot");
    });
    await deadClaim(store, "22".repeat(32), "moonshot", "file-extract");
    world.simulators.faults.inject("moonshot", {
      kind: "status",
      status: 503,
      match: "/files",
      method: "GET",
    });
    const [outcome] = await service.recover({ actor: "test", retry: true });
    assert.deepEqual(delays, [1000, 2000]);
    assert.equal(outcome?.resolution, "released");
    assert.deepEqual(await store.fileJournal.unfinished(), []);
  });

  it("sync deletes copies past retention unless pinned, adopts our marked files, never touches others'", async (t) => {
    const { service, store, clock, dir, hub } = await setup(t);
    const old = file(dir, "old.txt", `old ${dir}`);
    const kept = file(dir, "kept.txt", `kept ${dir}`);
    const [oldCopy] = await service.upload({ paths: [old], providers: ["zai"], actor: "test" });
    const [keptCopy] = await service.upload({ paths: [kept], providers: ["zai"], actor: "test", pin: true });
    // Someone else's file on the same account…
    const client = hub.providers.client("zai").files;
    const foreign = await client.upload({
      filename: `foreign-${Date.now()}.txt`,
      mimeType: "text/plain",
      data: new TextEncoder().encode("theirs"),
    });
    // …and one of ours whose upload was given up (released) although the provider did store it.
    const late = new TextEncoder().encode(`late ${dir}`);
    const lateSha = "44".repeat(32);
    await store.files.addContent({
      sha256: lateSha,
      bytes: late.byteLength,
      filename: "late.txt",
      mimeType: "text/plain",
      firstSeenAt: 1,
    });
    const owner = { id: "gave-up", host: "h", pid: 1 };
    const journalId = newJournalId();
    await store.fileJournal.claim({
      id: journalId,
      sha256: lateSha,
      provider: "zai",
      purpose: "agent",
      owner,
      leaseUntil: 1,
      createdAt: 1,
    });
    const lateFile = await client.upload({
      filename: remoteName(journalId, "late.txt"),
      mimeType: "text/plain",
      data: late,
    });
    await store.fileJournal.advance(journalId, owner.id, "released", 2);
    assert.ok(oldCopy && keptCopy);

    clock.now += 31 * DAY;
    const report = await service.sync({ actor: "test", provider: "zai" });
    assert.deepEqual(
      report.deleted.map((copy) => copy.remoteId),
      [oldCopy.remoteId],
    );
    const remote = (await remoteFiles(world, "zai")).map((remoteFile) => remoteFile.id);
    assert.ok(!remote.includes(oldCopy.remoteId), "the old copy is deleted remotely");
    assert.ok(remote.includes(keptCopy.remoteId), "the pinned copy stays");
    assert.ok(remote.includes(foreign.id), "a file the hub did not create is never deleted");
    assert.ok(report.orphans.some((orphan) => orphan.remoteId === foreign.id && !orphan.ours));
    assert.equal((await store.files.findByRemote("zai", oldCopy.remoteId))?.status, "deleted");
    assert.deepEqual(
      report.adopted.map((copy) => copy.remoteId),
      [lateFile.id],
      "our marked file is adopted",
    );
    assert.equal((await store.files.findActive(lateSha, "zai", "agent"))?.remoteId, lateFile.id);
  });

  it("the hub resolves leftovers at start, then verifies on its interval; the seven metrics are exported", async (t) => {
    const { service, store, hub, dir } = await setup(t);
    const id = await deadClaim(store, "33".repeat(32), "zai", "agent");
    const maintenance = startFileMaintenance(service, { intervalMs: 50, actor: "hub" });
    t.after(() => maintenance.stop());
    await maintenance.started;
    assert.equal((await store.fileJournal.get(id))?.state, "released");
    const path = file(dir, "metrics.txt", `metrics ${dir}`);
    await service.upload({ paths: [path], providers: ["zai"], actor: "test" });
    await service.upload({ paths: [path], providers: ["zai"], actor: "test" });
    const deadline = Date.now() + 5_000;
    const verified = async () =>
      (await store.audit.list({ limit: 50, newestFirst: true })).some((row) => row.action === "file.verify");
    while (!(await verified())) {
      assert.ok(Date.now() < deadline, "no periodic verify ran");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const text = await hub.metrics.registry.metrics();
    for (const name of [
      'mcp_file_upload_attempts_total{provider="zai"} 1',
      'mcp_file_upload_bytes_total{provider="zai",status="success"}',
      'mcp_file_upload_duration_seconds_count{provider="zai"} 1',
      "mcp_file_active_uploads 0",
      "mcp_file_deduplication_hits_total 1",
      "mcp_file_circuit_breaker_trips_total",
      "mcp_file_deletions_total",
    ]) {
      assert.ok(text.includes(name), `${name} in /metrics`);
    }
  });
});
