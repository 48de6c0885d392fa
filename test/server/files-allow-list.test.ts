// /v1/files under a key limited to some providers (`keys create --providers`): uploads and deletions
// only on its providers (403 naming the provider and the key's list otherwise, before anything is
// sent), and lists showing only the copies there. A key without a list sees and reaches every copy.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { pick, simulatorConfig, startTestHub } from "../support/hub.ts";

interface Copy {
  provider: string;
  status: string;
}

describe("/v1/files keeps to a key's providers", () => {
  let simulators: Simulators;
  before(async () => {
    simulators = await startSimulators();
  });
  after(() => simulators.close());

  it("uploads, lists, shows and deletes only on the key's providers", async (t) => {
    const hub = await startTestHub(t, simulatorConfig(simulators));
    const everyKey = { authorization: `Bearer ${await hub.addKey("all", ["files"])}` };
    const zaiKey = {
      authorization: `Bearer ${await hub.addKey("fz", ["files"], { providers: ["zai"] })}`,
    };
    const upload = (headers: Record<string, string>, providers: string) => {
      const body = new FormData();
      body.append("providers", providers);
      body.append("file", new File(["notes for two providers"], "z.txt", { type: "text/plain" }));
      return hub.request("/v1/files", { method: "POST", body, headers });
    };
    const uploadsTo = (provider: string) =>
      simulators
        .requests()
        .filter(
          (call) => call.provider === provider && call.method === "POST" && call.path.endsWith("/files"),
        ).length;
    const copiesSeenBy = async (headers: Record<string, string>, sha: string): Promise<Copy[]> => {
      const shown = await hub.request(`/v1/files/${sha}`, { headers });
      assert.equal(shown.status, 200);
      return (pick(await shown.json(), "copies") as Copy[]).filter((copy) => copy.status !== "deleted");
    };

    const refused = await upload(zaiKey, "moonshot");
    assert.equal(refused.status, 403);
    assert.match(
      String(pick(await refused.json(), "error", "message")),
      /may not use provider moonshot \(it may use zai\)/,
    );
    assert.equal((await upload(zaiKey, "zai,moonshot")).status, 403);
    assert.equal(uploadsTo("moonshot"), 0, "nothing was sent to moonshot");

    const both = await upload(everyKey, "zai,moonshot");
    assert.equal(both.status, 200, await both.clone().text());
    const sha = String(pick(await both.json(), "data", 0, "sha256"));
    assert.equal((await upload(zaiKey, "zai")).status, 200);

    assert.deepEqual(
      (await copiesSeenBy(zaiKey, sha)).map((copy) => copy.provider),
      ["zai"],
    );
    assert.deepEqual((await copiesSeenBy(everyKey, sha)).map((copy) => copy.provider).sort(), [
      "moonshot",
      "zai",
    ]);
    const listed = await hub.request("/v1/files", { headers: zaiKey });
    const [content] = pick(await listed.json(), "data") as { copies: Copy[] }[];
    assert.deepEqual(
      content?.copies.map((copy) => copy.provider),
      ["zai"],
    );

    const deleteThere = await hub.request(`/v1/files/${sha}?provider=moonshot`, {
      method: "DELETE",
      headers: zaiKey,
    });
    assert.equal(deleteThere.status, 403);
    assert.match(String(pick(await deleteThere.json(), "error", "message")), /may not use provider moonshot/);
    // Without ?provider=, the key deletes the copies it may reach; moonshot's stays.
    const deleted = await hub.request(`/v1/files/${sha}`, { method: "DELETE", headers: zaiKey });
    assert.equal(deleted.status, 200, await deleted.clone().text());
    assert.deepEqual(
      (pick(await deleted.json(), "deleted") as Copy[]).map((copy) => copy.provider),
      ["zai"],
    );
    assert.deepEqual(
      (await copiesSeenBy(everyKey, sha)).map((copy) => copy.provider),
      ["moonshot"],
    );
    assert.equal(
      simulators.requests().filter((call) => call.provider === "moonshot" && call.method === "DELETE").length,
      0,
    );
    const nothingLeft = await hub.request(`/v1/files/${sha}`, { method: "DELETE", headers: zaiKey });
    assert.equal(nothingLeft.status, 404);
    assert.match(String(pick(await nothingLeft.json(), "error", "message")), /no copy on zai/);
  });
});
