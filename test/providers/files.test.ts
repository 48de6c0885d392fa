// Contract: upload, find, list and delete a file on every provider, plus each platform's own
// rules: Moonshot's extracted text, Z.ai's pages, Anthropic's beta header, Gemini's resumable
// upload, processing state and 48-hour expiry.
import assert from "node:assert/strict";
import { it } from "node:test";
import { isProviderError } from "../../src/providers/errors.ts";
import { createGoogleClient } from "../../src/providers/google/google-client.ts";
import { contractSuite, SIMULATOR_KEY } from "./targets.ts";

const HOUR_MS = 3_600_000;
let clock = Date.now();

contractSuite(
  "files",
  (target) => {
    it("uploads a file, finds it by id and in the listing, and deletes it for good", async () => {
      const client = target.client();
      const text = `contract test ${target.api} ${Date.now()}\nsecond line\n`;
      const record = await client.files.upload({
        filename: "contract-test.txt",
        mimeType: "text/plain",
        data: new TextEncoder().encode(text),
      });
      try {
        assert.equal(record.provider, target.api);
        assert.equal(record.filename, "contract-test.txt");
        assert.equal(record.bytes, Buffer.byteLength(text));
        const found = await client.files.get(record.id);
        assert.equal(found.id, record.id);
        assert.ok((await client.files.list()).some((file) => file.id === record.id));
      } finally {
        await client.files.delete(record.id);
      }
      assert.ok(!(await client.files.list()).some((file) => file.id === record.id));
      const gone = (error: unknown): boolean => {
        assert.ok(isProviderError(error));
        // Gemini answers 403 for a file that is gone ("no permission or the file is missing").
        assert.equal(error.kind, target.api === "google" ? "permission" : "not_found", error.message);
        return true;
      };
      await assert.rejects(client.files.get(record.id), gone);
      await assert.rejects(client.files.delete(record.id), gone);
    });

    if (target.api === "moonshot") {
      it("uploads for file-extract by default and reads back the extracted text", async () => {
        const client = target.client();
        if (client.api !== "moonshot") return;
        const record = await client.files.upload({
          filename: "notes.md",
          mimeType: "text/markdown",
          data: new TextEncoder().encode("# Notes\nThe launch code is 42.\n"),
        });
        try {
          assert.equal(record.purpose, "file-extract");
          assert.equal(record.state, "ready");
          const content = await client.files.content(record.id);
          assert.match(content.text, /launch code is 42/);
          assert.ok(!content.text.trimStart().startsWith("{"), "the JSON wrapper is unwrapped");
        } finally {
          await client.files.delete(record.id);
        }
      });
    }

    if (target.kind !== "simulator") return;

    if (target.api !== "moonshot") {
      // Moonshot does not paginate; the others cap a page at 100 files.
      const pageRequests: Readonly<Record<string, string>> = {
        zai: "/api/paas/v4/files?",
        anthropic: "/v1/files?",
        google: "/v1beta/files?",
      };
      it("follows the provider's pagination to list more files than one page holds", async () => {
        const client = target.client();
        const uploads = await Promise.all(
          Array.from({ length: 101 }, (_, index) =>
            client.files.upload({
              filename: `page-${index}.jsonl`,
              mimeType: "application/jsonl",
              // Z.ai allows 100 files per purpose except batch.
              ...(target.api === "zai" ? { purpose: "batch" } : {}),
              data: new TextEncoder().encode(`{"n":${index}}\n`),
            }),
          ),
        );
        target.simulators().clearRequests();
        const listed = await client.files.list();
        assert.deepEqual(new Set(listed.map((file) => file.id)), new Set(uploads.map((file) => file.id)));
        const pages = target
          .simulators()
          .requests()
          .filter(
            (request) => request.method === "GET" && request.path.startsWith(pageRequests[target.api] ?? ""),
          );
        assert.equal(pages.length, 2, `listed in ${pages.length} page(s)`);
        for (const upload of uploads) await client.files.delete(upload.id);
      });
    }

    if (target.api === "anthropic") {
      it("sends the Files beta header on every file call", async () => {
        const client = target.client();
        target.simulators().clearRequests();
        const record = await client.files.upload({
          filename: "a.txt",
          mimeType: "text/plain",
          data: new Uint8Array([104, 105]),
        });
        await client.files.list();
        await client.files.delete(record.id);
        const calls = target
          .simulators()
          .requests()
          .filter((request) => request.path.startsWith("/v1/files"));
        assert.equal(calls.length, 3);
        for (const call of calls) assert.equal(call.headers["anthropic-beta"], "files-api-2025-04-14");
      });
    }

    if (target.api === "google") {
      it("uploads in resumable chunks, the last one finalizing, and records the 48-hour expiry", async () => {
        const client = createGoogleClient({
          apiKey: SIMULATOR_KEY,
          baseUrl: target.baseUrl(),
          files: { chunkBytes: 256 * 1024 },
        });
        try {
          const data = new Uint8Array(600 * 1024).fill(7);
          target.simulators().clearRequests();
          const record = await client.files.upload({
            filename: "blob.bin",
            mimeType: "application/octet-stream",
            data,
          });
          const commands = target
            .simulators()
            .requests()
            .map((request) => [
              request.headers["x-goog-upload-command"],
              request.headers["x-goog-upload-offset"],
            ]);
          assert.deepEqual(commands, [
            ["start", undefined],
            ["upload", "0"],
            ["upload", String(256 * 1024)],
            ["upload, finalize", String(512 * 1024)],
          ]);
          assert.equal(record.bytes, data.byteLength);
          assert.match(record.id, /^files\/[a-z0-9-]+$/);
          assert.ok(record.createdAt && record.expiresAt);
          assert.equal(record.expiresAt.getTime() - record.createdAt.getTime(), 48 * HOUR_MS);
          await client.files.delete(record.id);
        } finally {
          await client.close();
        }
      });

      it("waits for a large file to leave PROCESSING before handing it out", async () => {
        const client = target.client();
        if (client.api !== "google") return;
        const record = await client.files.upload({
          filename: "large.bin",
          mimeType: "application/octet-stream",
          data: new Uint8Array(1536 * 1024),
        });
        assert.equal(record.state, "processing");
        target.simulators().clearRequests();
        const advance = setTimeout(() => {
          clock += 5_000;
        }, 60);
        const active = await client.files.waitUntilActive(record.id, { intervalMs: 25, timeoutMs: 5_000 });
        clearTimeout(advance);
        assert.equal(active.state, "ready");
        assert.ok(target.simulators().requests().length >= 2, "it polled until the state changed");
        await client.files.delete(record.id);
      });
    }
  },
  { now: () => clock },
);
