// /v1/files as the hub serves it: behind the `files` scope like every other route, answered through
// the server's own error shapes, on the hub's one FileService (the registry the CLI reads too).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { simulatorConfig, startTestHub } from "../support/hub.ts";

describe("the hub serves /v1/files", () => {
  let simulators: Simulators;
  before(async () => {
    simulators = await startSimulators();
  });
  after(() => simulators.close());

  it("uploads with a files key, dedups the second upload, and refuses keys without the scope", async (t) => {
    const test = await startTestHub(t, simulatorConfig(simulators));
    const filesKey = await test.addKey("uploader", ["files"]);
    const chatKey = await test.addKey("chatter", ["chat"]);
    const upload = (key: string | undefined) => {
      const body = new FormData();
      body.append("providers", "moonshot");
      body.append("file", new File(["the same notes, twice"], "notes.txt", { type: "text/plain" }));
      return test.request("/v1/files", {
        method: "POST",
        body,
        headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
      });
    };

    const first = await upload(filesKey);
    assert.equal(first.status, 200, await first.clone().text());
    const [uploaded] = ((await first.json()) as { data: { dedup: boolean; sha256: string }[] }).data;
    assert.equal(uploaded?.dedup, false);
    const second = await upload(filesKey);
    const [again] = ((await second.json()) as { data: { dedup: boolean; sha256: string }[] }).data;
    assert.equal(again?.dedup, true);
    assert.equal(again?.sha256, uploaded?.sha256);
    const uploads = simulators
      .requests()
      .filter(
        (call) => call.provider === "moonshot" && call.method === "POST" && call.path.endsWith("/files"),
      );
    assert.equal(uploads.length, 1, "the second upload sent nothing");

    const listed = await test.request("/v1/files", { headers: { authorization: `Bearer ${filesKey}` } });
    assert.equal(listed.status, 200);
    assert.match(await listed.text(), new RegExp(uploaded?.sha256 ?? "missing"));

    const forbidden = await upload(chatKey);
    assert.equal(forbidden.status, 403);
    assert.match(await forbidden.text(), /files/);
    const anonymous = await upload(undefined);
    assert.equal(anonymous.status, 401);
  });
});
