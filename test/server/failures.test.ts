// What a client is told when things go wrong, and what the hub remembers of it: every answer of a
// gateway route carries the x-aio-* headers that apply, a broken answer from a provider is its
// failure (not a 200), a client's mistake is the client's (not the provider's), and the model an
// answer names after a fallback is the one that answered, in every dialect.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { type ConfigOverrides, pick, simulatorConfig, startTestHub } from "../support/hub.ts";

async function hubOn(t: TestContext, overrides: ConfigOverrides = {}, simulators?: Simulators) {
  const running = simulators ?? (await startSimulators());
  if (simulators === undefined) t.after(() => running.close());
  const hub = await startTestHub(t, simulatorConfig(running, overrides));
  const key = await hub.addKey("client", ["chat"]);
  const { url } = await hub.listen();
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify(body),
    });
  const providers = async (): Promise<unknown[]> => {
    const list: unknown = await (
      await fetch(`${url}/v1/providers`, { headers: { authorization: `Bearer ${key}` } })
    ).json();
    return Array.isArray(list) ? list : [];
  };
  return { simulators: running, post, providers };
}

const OVERHEAD = /^\d+\.\d{3}$/;
const hello = [{ role: "user", content: "hello" }];
const geminiHello = { contents: [{ role: "user", parts: [{ text: "hello" }] }] };

function statusOf(list: unknown[], provider: string): unknown {
  return list.find((entry) => pick(entry, "provider") === provider);
}

describe("answers when things go wrong", () => {
  it("an open circuit, a stalled answer and a retry's wait: the headers say who and how long the hub took, waits excluded", async (t) => {
    const { simulators, post } = await hubOn(t, {
      providers: {
        zai: { policy: { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, failureRate: 0 } } },
        google: { policy: { retry: { maxAttempts: 1 }, timeouts: { idleMs: 300 } } },
        moonshot: { policy: { retry: { maxAttempts: 2, baseDelayMs: 1, maxRetryAfterMs: 5_000 } } },
      },
    });
    simulators.faults.inject("zai", { kind: "status", status: 503, times: 1 });
    assert.equal((await post("/v1/chat/completions", { model: "glm-4.6", messages: hello })).status, 503);
    const open = await post("/v1/chat/completions", { model: "glm-4.6", messages: hello });
    assert.equal(open.status, 503);
    assert.match(JSON.stringify(await open.json()), /circuit/i);
    assert.equal(open.headers.get("x-aio-provider"), "zai");
    assert.match(open.headers.get("x-aio-overhead-ms") ?? "", OVERHEAD);

    simulators.faults.inject("google", { kind: "stall" });
    const stalled = await post("/v1beta/models/gemini-2.5-flash:generateContent", geminiHello);
    assert.equal(stalled.status, 504);
    assert.equal(pick(await stalled.json(), "error", "status"), "DEADLINE_EXCEEDED");
    assert.equal(stalled.headers.get("x-aio-provider"), "google");
    assert.match(stalled.headers.get("x-aio-overhead-ms") ?? "", OVERHEAD);

    // Moonshot asks for a one-second wait before the retry: the hub waited, but did not work, that long.
    simulators.faults.inject("moonshot", { kind: "status", status: 429, retryAfterSeconds: 1, times: 1 });
    const began = performance.now();
    const retried = await post("/v1/chat/completions", { model: "kimi-k2.5", messages: hello });
    const tookMs = performance.now() - began;
    assert.equal(retried.status, 200);
    assert.ok(tookMs >= 1_000, `the retry waited the second asked for (${tookMs} ms)`);
    const overhead = Number(retried.headers.get("x-aio-overhead-ms"));
    assert.ok(overhead < 500, `x-aio-overhead-ms ${overhead} leaves out the wait before the retry`);
  });

  it("a provider the hub holds no key for: the 503 names it in x-aio-provider, with the hub's time", async (t) => {
    const simulators = await startSimulators();
    t.after(() => simulators.close());
    const hub = await startTestHub(t, simulatorConfig(simulators), { providerKeys: false });
    const key = await hub.addKey("client", ["chat"]);
    const response = await hub.request("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "glm-4.6", messages: hello }),
    });
    assert.equal(response.status, 503);
    assert.equal(pick(await response.json(), "error", "code"), "not_configured");
    assert.equal(response.headers.get("x-aio-provider"), "zai");
    assert.match(response.headers.get("x-aio-overhead-ms") ?? "", OVERHEAD);
  });

  it("a passed-through answer that is not whole JSON is a 502 counted on the provider, and the next one answers", async (t) => {
    const simulators = await startSimulators();
    t.after(() => simulators.close());
    simulators.faults.inject("moonshot", { kind: "malformed" });
    const alone = await hubOn(t, {}, simulators);
    for (const [path, body] of [
      ["/v1/chat/completions", { model: "kimi-k2.5", messages: hello }],
      ["/v1/messages", { model: "kimi-k2.5", max_tokens: 16, messages: hello }],
    ] as const) {
      const response = await alone.post(path, body);
      assert.equal(response.status, 502, path);
      assert.match(await response.text(), /moonshot sent a response that is not JSON/);
      assert.equal(response.headers.get("x-aio-provider"), "moonshot");
    }
    const moonshot = statusOf(await alone.providers(), "moonshot");
    assert.equal(pick(moonshot, "consecutiveFailures"), 2, "each broken answer counts on the breaker");
    assert.equal(pick(moonshot, "lastError", "kind"), "protocol");

    const backed = await hubOn(t, { resilience: { fallbacks: { moonshot: ["zai"] } } }, simulators);
    const response = await backed.post("/v1/chat/completions", { model: "kimi-k2.5", messages: hello });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-aio-provider"), "zai");
    assert.equal(response.headers.get("x-aio-fallbacks"), "moonshot=protocol");
    assert.equal(
      pick(await response.json(), "choices", 0, "message", "content"),
      "Simulated Z.ai reply to: hello",
    );
  });

  it("a translated request is checked against the client's dialect: a 400 naming the field, nothing sent, nothing held against the provider", async (t) => {
    const { simulators, post, providers } = await hubOn(t);
    const mistakes = [
      {
        path: "/v1/messages",
        body: {
          model: "gemini-2.5-flash",
          max_tokens: 16,
          messages: [{ role: "system", content: "be brief" }],
        },
        message: /messages: no user or assistant message/,
      },
      {
        path: "/v1beta/models/glm-4.6:generateContent",
        body: { contents: [{ role: "wizard", parts: [{ text: "hello" }] }] },
        message: /contents\.0\.role: expected one of \\"user\\"\|\\"model\\"/,
      },
      {
        path: "/v1/chat/completions",
        body: { model: "claude-sonnet-4-5", system: "be a pirate", messages: hello },
        message:
          /system: not a field of OpenAI Chat Completions requests \(the system prompt is a message with role system\)/,
      },
    ];
    for (const mistake of mistakes) {
      const response = await post(mistake.path, mistake.body);
      assert.equal(response.status, 400, mistake.path);
      assert.match(await response.text(), mistake.message);
      assert.match(response.headers.get("x-aio-overhead-ms") ?? "", OVERHEAD);
    }
    assert.equal(simulators.requests().length, 0, "no mistake reached a provider");

    // Passed through, the provider judges the request; its refusal is the client's, not its own failure.
    const refused = await post("/v1/chat/completions", { model: "glm-4.6", messages: [] });
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get("x-aio-provider"), "zai");
    assert.match(refused.headers.get("x-aio-overhead-ms") ?? "", OVERHEAD);
    for (const provider of ["zai", "google", "anthropic"]) {
      const status = statusOf(await providers(), provider);
      assert.equal(pick(status, "lastError"), null, `${provider} holds no client mistake as its last error`);
      assert.equal(pick(status, "consecutiveFailures"), 0);
    }
  });

  it("after a fallback every dialect names the model that answered", async (t) => {
    const { simulators, post } = await hubOn(t, { resilience: { fallbacks: { zai: ["moonshot"] } } });
    simulators.faults.inject("zai", { kind: "status", status: 503 });
    const openai = await post("/v1/chat/completions", { model: "glm-4.6", messages: hello });
    const anthropic = await post("/v1/messages", { model: "glm-4.6", max_tokens: 16, messages: hello });
    const gemini = await post("/v1beta/models/glm-4.6:generateContent", geminiHello);
    for (const response of [openai, anthropic, gemini]) {
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-aio-provider"), "moonshot");
    }
    assert.equal(pick(await openai.json(), "model"), "kimi-k2.5");
    assert.equal(pick(await anthropic.json(), "model"), "kimi-k2.5");
    assert.equal(pick(await gemini.json(), "modelVersion"), "kimi-k2.5");
  });
});
