// Counting tokens for a model served in another dialect: the provider's own counter answers, in the
// client's count shape, and nothing is generated; a provider that cannot count says so.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { startSimulators } from "../../src/simulators/index.ts";
import { pick, simulatorConfig, startTestHub } from "../support/hub.ts";

async function countingHub(t: TestContext) {
  const simulators = await startSimulators();
  t.after(() => simulators.close());
  const hub = await startTestHub(t, simulatorConfig(simulators));
  const key = await hub.addKey("counter", ["chat"]);
  const running = await hub.listen();
  return { simulators, key, url: running.url };
}

const CONTENTS = { contents: [{ role: "user", parts: [{ text: "count these words, please" }] }] };

describe("counting tokens across dialects", () => {
  it("a Gemini client's countTokens for Claude and Kimi is answered by their own counters as {totalTokens}", async (t) => {
    const { url, key, simulators } = await countingHub(t);
    for (const [model, provider, counter] of [
      ["claude-sonnet-4-5", "anthropic", "/v1/messages/count_tokens"],
      ["kimi-k2.5", "moonshot", "/v1/tokenizers/estimate-token-count"],
    ] as const) {
      const response = await fetch(`${url}/v1beta/models/${model}:countTokens`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-goog-api-key": key },
        body: JSON.stringify(CONTENTS),
      });
      assert.equal(response.status, 200, model);
      assert.equal(response.headers.get("x-aio-provider"), provider);
      const body: unknown = await response.json();
      assert.deepEqual(Object.keys(body ?? {}), ["totalTokens"], JSON.stringify(body));
      const total = pick(body, "totalTokens");
      assert.ok(Number.isInteger(total) && Number(total) > 0);
      const calls = simulators.requests().filter((request) => request.provider === provider);
      assert.deepEqual(
        calls.map((request) => request.path),
        [counter],
        `${provider} was asked to count, never to generate`,
      );
    }
  });

  it("the Anthropic SDK's countTokens for a Gemini model is Gemini's count, as {input_tokens}, with no max_tokens needed", async (t) => {
    const { url, key, simulators } = await countingHub(t);
    const client = new Anthropic({ baseURL: url, apiKey: key, maxRetries: 0 });
    const counted = await client.messages.countTokens({
      model: "gemini-2.5-flash",
      system: "answer briefly",
      messages: [{ role: "user", content: "count these words, please" }],
    });
    assert.ok(Number.isInteger(counted.input_tokens) && counted.input_tokens > 0);
    const calls = simulators.requests().filter((request) => request.provider === "google");
    assert.deepEqual(
      calls.map((request) => request.path),
      ["/v1beta/models/gemini-2.5-flash:countTokens"],
    );
    assert.match(calls[0]!.body, /answer briefly/, "the system prompt is counted too");
  });

  it("countTokens for GLM, whose provider cannot count, is a 404 saying so, and nothing reaches Z.ai", async (t) => {
    const { url, key, simulators } = await countingHub(t);
    const response = await fetch(`${url}/v1beta/models/glm-4.6:countTokens`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": key },
      body: JSON.stringify(CONTENTS),
    });
    assert.equal(response.status, 404);
    const body = await response.json();
    assert.equal(pick(body, "error", "status"), "NOT_FOUND");
    assert.match(
      String(pick(body, "error", "message")),
      /counting tokens is not available for model "glm-4\.6"/,
    );
    assert.match(response.headers.get("x-aio-overhead-ms") ?? "", /^\d+\.\d{3}$/);
    assert.equal(simulators.requests().filter((request) => request.provider === "zai").length, 0);

    const list = await (await fetch(`${url}/v1beta/models`, { headers: { "x-goog-api-key": key } })).json();
    const methods = (name: string): unknown =>
      pick(
        (pick(list, "models") as unknown[]).find((model) => pick(model, "name") === name),
        "supportedGenerationMethods",
      );
    assert.deepEqual(methods("models/zai/glm-4.6"), ["generateContent", "streamGenerateContent"]);
    assert.deepEqual(methods("models/anthropic/claude-sonnet-4-5"), [
      "generateContent",
      "streamGenerateContent",
      "countTokens",
    ]);
  });
});
