// /v1/files in process (app.request), on a real SQLite store and the simulators: a multipart upload
// to two providers, the same content again as dedup hits, list, show, delete, and bad requests
// answered with a 4xx naming the problem.
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { Hono } from "hono";
import { z } from "zod";
import { isOrchestratorError } from "../../src/errors.ts";
import { createFileService } from "../../src/files/hub-files.ts";
import { filesRoutes } from "../../src/server/files-routes.ts";
import type { Store } from "../../src/store/store.ts";
import { type FilesWorld, inProcessHub, startWorld } from "../files/world.ts";

const resultsSchema = z.object({
  data: z.array(
    z.object({
      provider: z.string(),
      sha256: z.string(),
      remoteId: z.string(),
      dedup: z.boolean(),
      filename: z.string(),
    }),
  ),
});

describe("/v1/files", () => {
  let world: FilesWorld;
  before(async () => {
    world = await startWorld();
  });
  after(() => world.close());

  async function serve(t: TestContext): Promise<{ app: Hono; store: Store }> {
    const { hub, store } = await inProcessHub(t, world);
    const app = new Hono();
    // The server's onError in miniature: the error's own status and message.
    app.onError((error, c) => {
      const status = isOrchestratorError(error) && error.status !== undefined ? error.status : 500;
      return c.json(
        { error: { message: error.message } },
        status === 400 ? 400 : status === 404 ? 404 : status === 413 ? 413 : 500,
      );
    });
    const service = createFileService({ hub, store });
    app.route(
      "/v1/files",
      filesRoutes({ service, actor: () => "key:aio_test", bodyLimitBytes: 1024 * 1024 }),
    );
    return { app, store };
  }

  const form = (parts: Record<string, string | [string, string]>): FormData => {
    const body = new FormData();
    for (const [name, value] of Object.entries(parts)) {
      if (typeof value === "string") body.append(name, value);
      else body.append(name, new File([value[1]], value[0], { type: "text/plain" }));
    }
    return body;
  };

  it("uploads to two providers, answers the same content as dedup hits, lists, shows and deletes", async (t) => {
    const { app, store } = await serve(t);
    const text = `minutes of ${Date.now()}\n`;
    const first = await app.request("/v1/files", {
      method: "POST",
      body: form({ file: ["minutes.txt", text], providers: "moonshot,google" }),
    });
    assert.equal(first.status, 200, await first.clone().text());
    const uploaded = resultsSchema.parse(await first.json());
    assert.deepEqual(
      uploaded.data.map((row) => [row.provider, row.dedup, row.filename]),
      [
        ["moonshot", false, "minutes.txt"],
        ["google", false, "minutes.txt"],
      ],
    );
    world.simulators.clearRequests();
    const again = await app.request("/v1/files", {
      method: "POST",
      body: form({ file: ["copy.txt", text], providers: "google,moonshot" }),
    });
    const hits = resultsSchema.parse(await again.json());
    assert.deepEqual(
      hits.data.map((row) => row.dedup),
      [true, true],
    );
    assert.equal(world.simulators.requests().length, 0, "nothing sent to any provider");

    const sha256 = uploaded.data[0]?.sha256 ?? "";
    const list = z
      .object({ data: z.array(z.object({ sha256: z.string(), copies: z.array(z.unknown()) })) })
      .parse(await (await app.request("/v1/files")).json());
    assert.deepEqual(
      list.data.map((content) => [content.sha256, content.copies.length]),
      [[sha256, 2]],
    );
    const shown = z
      .object({ filename: z.string() })
      .parse(await (await app.request(`/v1/files/${sha256.slice(0, 8)}`)).json());
    assert.equal(shown.filename, "minutes.txt");

    const removed = await app.request(`/v1/files/${sha256}?provider=google`, { method: "DELETE" });
    assert.equal(removed.status, 200);
    assert.equal((await store.files.findActive(sha256, "google", ""))?.remoteId, undefined);
    assert.ok(await store.files.findActive(sha256, "moonshot", "file-extract"));
    const actors = (await store.audit.list({ limit: 10 })).map((row) => row.actor);
    assert.ok(actors.every((actor) => actor === "key:aio_test"));
  });

  it("bad requests get a 4xx naming the problem and upload nothing", async (t) => {
    const { app } = await serve(t);
    world.simulators.clearRequests();
    const cases: [RequestInit, number, RegExp][] = [
      [{ method: "POST", body: form({ providers: "moonshot" }) }, 400, /no `file` part/],
      [
        { method: "POST", body: form({ file: ["a.txt", "x"] }) },
        400,
        /^no `providers` field in the form; name at least one provider, e\.g\. providers=moonshot,google$/,
      ],
      [
        { method: "POST", body: form({ file: ["a.txt", "x"], providers: "nosuch" }) },
        400,
        /unknown provider "nosuch"/,
      ],
      [
        { method: "POST", body: form({ file: ["empty.txt", ""], providers: "moonshot" }) },
        400,
        // The client's own file name, not the hub's temporary path.
        /^empty\.txt is empty; there is nothing to send$/,
      ],
      [
        { method: "POST", body: "{}", headers: { "content-type": "application/json" } },
        400,
        /multipart\/form-data/,
      ],
      [
        {
          method: "POST",
          body: form({ file: ["big.txt", "x".repeat(2 * 1024 * 1024)], providers: "moonshot" }),
        },
        413,
        /this hub takes up to 1 MB per request/,
      ],
    ];
    for (const [init, status, message] of cases) {
      const response = await app.request("/v1/files", init);
      const text = await response.text();
      const parsed = z.object({ error: z.object({ message: z.string() }) }).safeParse(JSON.parse(text));
      assert.ok(parsed.success, `${response.status} ${text}`);
      const body = parsed.data;
      assert.equal(response.status, status, body.error.message);
      assert.match(body.error.message, message);
    }
    assert.equal((await app.request("/v1/files/abcdef123456")).status, 404);
    assert.equal((await app.request("/v1/files/zz")).status, 400);
    assert.equal(world.simulators.requests().length, 0);
  });
});
