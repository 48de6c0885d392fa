// Shutting the hub down: a stream in flight runs to its end within the drain deadline, new
// connections are refused at once, and a stream still running at the deadline is cut.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { simulatorConfig, startTestHub } from "../support/hub.ts";
import { startUpstream } from "../support/upstream.ts";

function slowUpstream(t: { after(fn: () => Promise<void>): void }, pieces: number, gapMs: number) {
  return startUpstream(t, (response) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    let sent = 0;
    const timer = setInterval(() => {
      response.write(`event: ping\ndata: {"type":"ping","n":${sent}}\n\n`);
      sent += 1;
      if (sent === pieces) {
        clearInterval(timer);
        response.end();
      }
    }, gapMs);
    response.on("close", () => clearInterval(timer));
  });
}

/** A hub in front of a provider streaming `pieces` events `gapMs` apart, with one stream open. */
async function streamInFlight(t: TestContext, pieces: number) {
  const upstream = await slowUpstream(t, pieces, 50);
  const hub = await startTestHub(
    t,
    simulatorConfig(undefined, { providers: { anthropic: { baseUrl: upstream.baseUrl } } }),
  );
  const key = await hub.addKey("client", ["chat"]);
  const running = await hub.listen();
  const response = await fetch(`${running.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 5, stream: true, messages: [] }),
  });
  return { running, response };
}

describe("drain", () => {
  it("lets a stream in flight finish, and refuses new connections meanwhile", async (t) => {
    const { running, response } = await streamInFlight(t, 6);
    const reading = response.text();
    const draining = running.drain(5_000);
    await assert.rejects(fetch(`${running.url}/healthz`, { headers: { connection: "close" } }));
    const text = await reading;
    assert.equal(text.match(/event: ping/g)?.length, 6, "the whole stream arrived");
    assert.deepEqual(await draining, { interrupted: 0 });
  });

  it("cuts what is still running at the deadline", async (t) => {
    const { running, response } = await streamInFlight(t, 100);
    const reading = response.text().then(
      () => "ended",
      () => "cut",
    );
    const started = Date.now();
    assert.deepEqual(await running.drain(200), { interrupted: 1 });
    assert.ok(Date.now() - started < 2_000);
    assert.equal(await reading, "cut");
  });
});
