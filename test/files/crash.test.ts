// Crash tests: the uploading process is killed with a real SIGKILL at each step of the pipeline, on
// every provider, then recovery runs. Afterwards there must be exactly one remote file per content and
// provider, a registry row for it (and none without its file), and an audit chain that verifies.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { PROVIDER_APIS, type ProviderApi } from "../../src/config/schema/providers.ts";
import { postgresSchemaUrl } from "../support/postgres.ts";
import {
  type FilesWorld,
  type Home,
  newHome,
  openHomeStore,
  ourRemoteFiles,
  startCli,
  startWorld,
} from "./world.ts";

/** The request that stores a file: for Gemini the finalizing chunk, elsewhere the multipart POST. */
const STORING_REQUEST: Readonly<Record<ProviderApi, string>> = {
  anthropic: "/v1/files",
  google: "upload_id=",
  zai: "/files",
  moonshot: "/files",
};

/** SQLite on every provider; PostgreSQL (shared by replicas) on two, to keep the run short. */
const BACKENDS = [
  { name: "SQLite", providers: PROVIDER_APIS },
  { name: "PostgreSQL", providers: ["google", "moonshot"] as const },
];

for (const backend of BACKENDS)
  describe(`files on ${backend.name}: crash at each step of the upload, then recovery`, () => {
    let world: FilesWorld;
    /** A home on this backend; undefined when PostgreSQL is not available (the test is skipped). */
    const homeOn = async (t: TestContext): Promise<Home | undefined> => {
      if (backend.name === "SQLite") return newHome(t, world);
      const url = await postgresSchemaUrl(t);
      return url === undefined ? undefined : newHome(t, world, url);
    };
    before(async () => {
      world = await startWorld();
    });
    after(() => world.close());

    /** A file of `bytes` unique to this test, so each test's remote files are its own. */
    const writeContent = (home: Home, name: string, bytes: number): string => {
      const path = join(home.dir, name);
      const line = `${name} ${home.dir}\n`;
      writeFileSync(path, line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes));
      return path;
    };

    /** The promise of the pipeline: one remote file, registered, audited, reused by the next upload. */
    const assertWhole = async (
      t: TestContext,
      home: Home,
      api: ProviderApi,
      name: string,
      path: string,
    ): Promise<void> => {
      const remote = await ourRemoteFiles(world, api, name);
      assert.equal(remote.length, 1, `${api} holds exactly one copy of ${name}`);
      const store = await openHomeStore(home);
      t.after(() => store.close());
      const active = await store.registry.copies({ provider: api, status: "active" });
      assert.deepEqual(
        active.map((copy) => copy.remoteId),
        [remote[0]?.id],
        "the registry row points at that file",
      );
      assert.deepEqual(await store.journal.unfinished(), [], "no unfinished journal entry is left");
      const verdict = await store.audit.verify();
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
      const again = await home.cli(["files", "upload", path, "--to", api, "--json"]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(JSON.parse(again.stdout)[0].dedup, true, "the next upload is a dedup hit");
      assert.equal((await ourRemoteFiles(world, api, name)).length, 1);
    };

    for (const api of backend.providers) {
      it(`${api}: killed after the claim; a waiting upload of the same content takes over and uploads once`, async (t) => {
        const home = await homeOn(t);
        if (!home) return;
        const name = `claimed-${api}.txt`;
        const path = writeContent(home, name, 4096);
        const held = startCli(home, ["files", "upload", path, "--to", api], {
          AI_ORCHESTRATOR_TEST_HOLD: "claimed",
        });
        await held.waitFor("held at claimed");
        const waiting = startCli(home, ["files", "upload", path, "--to", api, "--json"]);
        await sleep(1500);
        assert.equal(
          (await ourRemoteFiles(world, api, name)).length,
          0,
          "nothing stored while the claim is held",
        );
        await held.kill9();
        const result = await waiting.done;
        assert.equal(result.code, 0, result.stderr);
        assert.equal(JSON.parse(result.stdout)[0].dedup, false, "the waiting process made the one upload");
        await assertWhole(t, home, api, name, path);
      });

      it(`${api}: killed during the upload; recovery releases the claim and nothing half-sent remains`, async (t) => {
        const home = await homeOn(t);
        if (!home) return;
        const name = `uploading-${api}.bin`;
        const path = writeContent(home, name, 3 * 1024 * 1024);
        const held = startCli(home, ["files", "upload", path, "--to", api], {
          AI_ORCHESTRATOR_TEST_HOLD: "uploading",
        });
        await held.waitFor("held at uploading");
        await held.kill9();
        const recovered = await home.cli(["files", "recover", "--json"]);
        assert.equal(recovered.code, 0, recovered.stderr);
        assert.deepEqual(
          JSON.parse(recovered.stdout).map((o: { resolution: string }) => o.resolution),
          ["released"],
        );
        assert.equal((await ourRemoteFiles(world, api, name)).length, 0);
        const upload = await home.cli(["files", "upload", path, "--to", api, "--json"]);
        assert.equal(upload.code, 0, upload.stderr);
        await assertWhole(t, home, api, name, path);
      });

      it(`${api}: killed after the provider stored the file, before its answer arrived; recovery adopts that file`, async (t) => {
        const home = await homeOn(t);
        if (!home) return;
        const name = `stored-${api}.txt`;
        const path = writeContent(home, name, 8192);
        world.simulators.faults.inject(api, {
          kind: "slow-response",
          ms: 60_000,
          match: STORING_REQUEST[api],
          method: "POST",
          times: 1,
        });
        t.after(() => world.simulators.faults.clear(api));
        const running = startCli(home, ["files", "upload", path, "--to", api]);
        const deadline = Date.now() + 30_000;
        while ((await ourRemoteFiles(world, api, name)).length === 0) {
          assert.ok(Date.now() < deadline, "the provider never stored the file");
          await sleep(100);
        }
        await running.kill9();
        // Any files command resolves what a dead process left: here `files list`.
        const list = await home.cli(["files", "list", "--json"]);
        assert.equal(list.code, 0, list.stderr);
        const [content] = JSON.parse(list.stdout);
        assert.deepEqual(
          content.copies.map((c: { provider: string; status: string }) => [c.provider, c.status]),
          [[api, "active"]],
        );
        const store = await openHomeStore(home);
        t.after(() => store.close());
        const recovery = (await store.audit.list({ limit: 5 })).find((row) => row.action === "file.recover");
        assert.ok(recovery, "the recovery is in the audit trail");
        assert.deepEqual(
          recovery.details && typeof recovery.details === "object" && !Array.isArray(recovery.details)
            ? recovery.details.resolution
            : undefined,
          "adopted",
        );
        await assertWhole(t, home, api, name, path);
      });

      it(`${api}: killed after the registry commit, before the audit append; recovery completes the audit`, async (t) => {
        const home = await homeOn(t);
        if (!home) return;
        const name = `committed-${api}.txt`;
        const path = writeContent(home, name, 2048);
        const held = startCli(home, ["files", "upload", path, "--to", api], {
          AI_ORCHESTRATOR_TEST_HOLD: "committed",
        });
        await held.waitFor("held at committed");
        await held.kill9();
        const recovered = await home.cli(["files", "recover", "--json"]);
        assert.equal(recovered.code, 0, recovered.stderr);
        assert.deepEqual(
          JSON.parse(recovered.stdout).map((o: { resolution: string }) => o.resolution),
          ["completed"],
        );
        await assertWhole(t, home, api, name, path);
      });
    }

    it("10 concurrent uploads of one content from 3 processes on this store make one remote file per provider", async (t) => {
      const home = await homeOn(t);
      if (!home) return;
      const paths = Array.from({ length: 10 }, (_, index) => join(home.dir, `shared-${index}.md`));
      for (const path of paths) writeFileSync(path, `# one design document ${home.dir}\n`.repeat(2000));
      const groups = [paths.slice(0, 4), paths.slice(4, 7), paths.slice(7)];
      const runs = groups.map((group) =>
        startCli(home, ["files", "upload", ...group, "--to", backend.providers.join(","), "--json"]),
      );
      const results = await Promise.all(runs.map((run) => run.done));
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const rows: { provider: string; remoteId: string; dedup: boolean }[] = results.flatMap((result) =>
        JSON.parse(result.stdout),
      );
      for (const provider of backend.providers) {
        const mine = rows.filter((row) => row.provider === provider);
        assert.equal(mine.length, 10);
        assert.equal(new Set(mine.map((row) => row.remoteId)).size, 1, `${provider}: one remote id`);
        assert.equal(mine.filter((row) => !row.dedup).length, 1, `${provider}: one upload, nine dedup hits`);
        assert.equal(
          (await ourRemoteFiles(world, provider, /^shared-\d\.md$/)).length,
          1,
          `${provider} holds one file`,
        );
      }
    });

    it("moonshot: an answer lost after the file was stored is found by its name, not uploaded twice", async (t) => {
      const home = await homeOn(t);
      if (!home) return;
      const name = "lost-answer.txt";
      const path = writeContent(home, name, 1000);
      world.simulators.faults.inject("moonshot", {
        kind: "lost-response",
        match: "/files",
        method: "POST",
        times: 1,
      });
      t.after(() => world.simulators.faults.clear("moonshot"));
      const upload = await home.cli(["files", "upload", path, "--to", "moonshot", "--json"]);
      assert.equal(upload.code, 0, upload.stderr);
      assert.equal(JSON.parse(upload.stdout)[0].dedup, false);
      await assertWhole(t, home, "moonshot", name, path);
    });
  });
