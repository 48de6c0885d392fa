// Hub keys at the door, in-process (app.request): every route but /healthz and /readyz needs a key
// of the right scope in whichever header the client's SDK uses, and each refusal (401, 403, 429)
// comes in the shape of the dialect the client speaks.
import assert from "node:assert/strict";
import { createServer as createNetServer } from "node:net";
import { describe, it } from "node:test";
import { pick, simulatorConfig, startTestHub } from "../support/hub.ts";

type Shape = (body: unknown, status: number) => void;

const DIALECTS: {
  name: string;
  path: string;
  body: unknown;
  header: (key: string) => Record<string, string>;
  shape: Shape;
}[] = [
  {
    name: "anthropic",
    path: "/v1/messages",
    body: { model: "glm-4.6", max_tokens: 10, messages: [{ role: "user", content: "hi" }] },
    header: (key) => ({ "x-api-key": key, "anthropic-version": "2023-06-01" }),
    shape: (body, status) => {
      const expected = { 401: "authentication_error", 403: "permission_error", 429: "rate_limit_error" }[
        status
      ];
      assert.equal(pick(body, "type"), "error");
      assert.equal(pick(body, "error", "type"), expected);
      assert.match(String(pick(body, "error", "message")), /\S/);
    },
  },
  {
    name: "openai",
    path: "/v1/chat/completions",
    body: { model: "glm-4.6", messages: [{ role: "user", content: "hi" }] },
    header: (key) => ({ authorization: `Bearer ${key}` }),
    shape: (body, status) => {
      const expected = { 401: "authentication_error", 403: "permission_error", 429: "rate_limit_error" }[
        status
      ];
      assert.deepEqual(Object.keys(Object(pick(body, "error"))).sort(), ["code", "message", "param", "type"]);
      assert.equal(pick(body, "error", "type"), expected);
    },
  },
  {
    name: "gemini",
    path: "/v1beta/models/gemini-2.5-flash:generateContent",
    body: { contents: [{ role: "user", parts: [{ text: "hi" }] }] },
    header: (key) => ({ "x-goog-api-key": key }),
    shape: (body, status) => {
      const expected = { 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED" }[
        status
      ];
      assert.equal(pick(body, "error", "code"), status);
      assert.equal(pick(body, "error", "status"), expected);
      assert.equal(typeof pick(body, "error", "message"), "string");
    },
  },
];

describe("hub keys", () => {
  for (const dialect of DIALECTS) {
    it(`${dialect.name}: 401 without a key or with a wrong one, 403 without the chat scope or provider, 429 over the rate, each in the dialect's shape`, async (t) => {
      const hub = await startTestHub(t, simulatorConfig(undefined));
      const metricsOnly = await hub.addKey("metrics-only", ["metrics"]);
      const anthropicOnly = await hub.addKey("anthropic-only", ["chat"], { providers: ["anthropic"] });
      const limited = await hub.addKey("limited", ["chat"], { rpm: 1, providers: ["anthropic"] });
      const post = (headers: Record<string, string>) =>
        hub.request(dialect.path, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(dialect.body),
        });

      for (const headers of [{}, dialect.header("aio_not-a-key-at-all-000000")]) {
        const response = await post(headers);
        assert.equal(response.status, 401);
        dialect.shape(await response.json(), 401);
      }
      const noScope = await post(dialect.header(metricsOnly));
      assert.equal(noScope.status, 403);
      dialect.shape(await noScope.json(), 403);
      const noProvider = await post(dialect.header(anthropicOnly));
      assert.equal(noProvider.status, 403, "the model's providers are not on the key's allow-list");
      const body = await noProvider.json();
      dialect.shape(body, 403);

      await post(dialect.header(limited));
      const over = await post(dialect.header(limited));
      assert.equal(over.status, 429);
      assert.match(over.headers.get("retry-after") ?? "", /^\d+$/);
      dialect.shape(await over.json(), 429);
    });
  }

  it("accepts the key as a bearer token, x-api-key, x-goog-api-key and Gemini's ?key=, never as anything else", async (t) => {
    const hub = await startTestHub(t, simulatorConfig(undefined));
    const key = await hub.addKey("reader", ["chat"]);
    for (const init of [
      { headers: { authorization: `Bearer ${key}` } },
      { headers: { "x-api-key": key } },
      { headers: { "x-goog-api-key": key } },
    ]) {
      assert.equal((await hub.request("/v1/models", init)).status, 200, JSON.stringify(init.headers));
    }
    assert.equal((await hub.request(`/v1beta/models?key=${key}`)).status, 200);
    assert.equal((await hub.request("/v1/models", { headers: { cookie: `key=${key}` } })).status, 401);
    assert.equal(
      (await hub.request("/v1/models", { headers: { authorization: `Basic ${key}` } })).status,
      401,
    );
  });

  it("serves /healthz and /readyz without a key, and /metrics only to a key with the metrics scope", async (t) => {
    const hub = await startTestHub(t, simulatorConfig(undefined));
    assert.deepEqual(await (await hub.request("/healthz")).json(), { status: "ok" });
    const ready = await hub.request("/readyz");
    assert.equal(ready.status, 200);
    assert.equal(pick(await ready.json(), "status"), "ready");

    assert.equal((await hub.request("/metrics")).status, 401);
    const chat = await hub.addKey("chat", ["chat"]);
    assert.equal(
      (await hub.request("/metrics", { headers: { authorization: `Bearer ${chat}` } })).status,
      403,
    );
    const scraper = await hub.addKey("prometheus", ["metrics"]);
    const metrics = await hub.request("/metrics", { headers: { authorization: `Bearer ${scraper}` } });
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /aio_http_requests_total\{route="\/metrics",dialect="openai",status="403"\} 1/);
    assert.match(text, /aio_provider_calls_total|aio_breaker_store_up/);
    assert.doesNotMatch(text, new RegExp(scraper), "a key never appears in a label");
  });

  it("stays ready on /readyz while the shared breaker store (Redis) is down, and says so", async (t) => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createNetServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
      });
    });
    const config = simulatorConfig(undefined, {
      resilience: { store: "redis" },
      redis: { url: `redis://127.0.0.1:${closedPort}` },
    });
    const hub = await startTestHub(t, config);
    const ready = await hub.request("/readyz");
    const body = await ready.json();
    assert.equal(ready.status, 200, JSON.stringify(body));
    assert.equal(pick(body, "checks", "store"), "ok");
    assert.match(String(pick(body, "checks", "breakerStore")), /^unreachable/);
  });

  it("a revoked key is refused with 401 at once", async (t) => {
    const hub = await startTestHub(t, simulatorConfig(undefined));
    const key = await hub.addKey("soon-gone", ["chat"]);
    const headers = { authorization: `Bearer ${key}` };
    assert.equal((await hub.request("/v1/models", { headers })).status, 200);
    await hub.revokeKey("soon-gone");
    assert.equal((await hub.request("/v1/models", { headers })).status, 401);
  });
});
