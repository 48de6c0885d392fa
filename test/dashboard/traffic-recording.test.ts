// What the server writes into the hub's traffic record, one entry per gateway request: the key's name,
// dialect, model, provider and fallbacks, status, latency and the tokens the provider reported — for a
// streamed answer once its last byte has gone — and refused requests too.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type DashboardWorld, startDashboardWorld } from "./support.ts";

let world: DashboardWorld;
let key: string;

before(async () => {
  world = await startDashboardWorld();
  key = await world.createKey("recorder", ["chat"]);
});
after(async () => {
  await world.close();
});

const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${world.origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ messages: [{ role: "user", content: "count to three" }], ...body }),
  });

describe("traffic recording", () => {
  it("records a streamed answer once it has ended, with the tokens its last events reported", async () => {
    const before = world.traffic.version;
    const answer = await chat({ model: "glm-4.6", stream: true, stream_options: { include_usage: true } });
    assert.equal(answer.status, 200);
    const text = await answer.text();
    assert.match(text, /\[DONE\]/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(world.traffic.version, before + 1, "one record per request");
    const [entry] = world.traffic.recent({ limit: 1 });
    assert.ok(entry);
    assert.equal(entry.key, "recorder");
    assert.equal(entry.dialect, "openai");
    assert.equal(entry.model, "glm-4.6");
    assert.equal(entry.provider, "zai");
    assert.equal(entry.status, 200);
    assert.ok(entry.tokensOut > 0 && entry.tokensIn > 0, `tokens ${entry.tokensIn}/${entry.tokensOut}`);
    assert.ok(entry.latencyMs > 0);
  });

  it("records who was passed over and why, and the provider that answered", async () => {
    world.simulators.faults.inject("zai", { kind: "status", status: 529, times: 1 });
    const answer = await chat({ model: "glm-4.6" });
    assert.equal(answer.status, 200);
    await answer.arrayBuffer();
    const [entry] = world.traffic.recent({ limit: 1 });
    assert.equal(entry?.provider, "moonshot");
    assert.deepEqual(
      entry?.fallbacks.map((fallback) => fallback.provider),
      ["zai"],
    );
    assert.ok(entry?.tokensIn && entry.tokensIn > 0);
  });

  it("records refused requests (no key, unknown model) without a provider, and not health checks", async () => {
    const before = world.traffic.version;
    const refused = await chat({ model: "glm-4.6" }, { authorization: "Bearer aio_nope" });
    assert.equal(refused.status, 401);
    await refused.arrayBuffer();
    const unknown = await chat({ model: "no-such-model" });
    assert.equal(unknown.status, 400);
    await unknown.arrayBuffer();
    await (await fetch(`${world.origin}/healthz`)).arrayBuffer();
    assert.equal(world.traffic.version, before + 2);
    const [last, first] = world.traffic.recent({ limit: 2 });
    assert.deepEqual([first?.status, first?.key, first?.provider], [401, "", ""]);
    assert.deepEqual(
      [last?.status, last?.key, last?.model, last?.provider],
      [400, "recorder", "no-such-model", ""],
    );
  });
});
