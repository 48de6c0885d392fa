// Requests whose target speaks another dialect, translated through the chat vocabulary: the
// client's SDK reads the answer in its own dialect, plain and streamed, and a fallback may cross
// dialects before the first byte.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startSimulators } from "../../src/simulators/index.ts";
import { type ConfigOverrides, pick, simulatorConfig, startTestHub } from "../support/hub.ts";
import { clientLeavesMidStream } from "../support/upstream.ts";

async function translatingHub(t: TestContext, overrides: ConfigOverrides = {}) {
  const simulators = await startSimulators();
  t.after(() => simulators.close());
  const hub = await startTestHub(t, simulatorConfig(simulators, overrides));
  const key = await hub.addKey("client", ["chat", "metrics"]);
  const running = await hub.listen();
  return { simulators, key, url: running.url };
}

describe("translation through the hub", () => {
  it("the Anthropic SDK asks a Gemini model: plain and streamed answers in Anthropic's shape", async (t) => {
    const { url, key, simulators } = await translatingHub(t);
    const client = new Anthropic({ baseURL: url, apiKey: key, maxRetries: 0 });
    const plain = await client.messages.create({
      model: "gemini-2.5-flash",
      max_tokens: 100,
      messages: [{ role: "user", content: "translated question" }],
    });
    assert.equal(plain.model, "gemini-2.5-flash");
    assert.equal(
      plain.content[0]?.type === "text" && plain.content[0].text,
      "Simulated Gemini reply to: translated question",
    );
    const deltas: string[] = [];
    const final = await client.messages
      .stream({
        model: "gemini-2.5-flash",
        max_tokens: 100,
        messages: [{ role: "user", content: "streamed" }],
      })
      .on("text", (text) => deltas.push(text))
      .finalMessage();
    assert.equal(deltas.join(""), "Simulated Gemini reply to: streamed");
    assert.equal(final.stop_reason, "end_turn");
    assert.ok(
      simulators
        .requests()
        .some((request) => request.provider === "google" && request.path.includes(":streamGenerateContent")),
    );
  });

  it("the OpenAI SDK asks a Claude model: answered by Anthropic, in OpenAI's shape", async (t) => {
    const { url, key } = await translatingHub(t);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "to anthropic" }],
    });
    assert.equal(completion.choices[0]?.message.content, "Simulated Anthropic reply to: to anthropic");
    let text = "";
    for await (const chunk of await client.chat.completions.create({
      model: "claude-sonnet-4-5",
      stream: true,
      messages: [{ role: "user", content: "streamed to anthropic" }],
    })) {
      text += chunk.choices[0]?.delta.content ?? "";
    }
    assert.equal(text, "Simulated Anthropic reply to: streamed to anthropic");
  });

  it("a Gemini client asks GLM: answered by Z.ai's native API as Gemini SSE", async (t) => {
    const { url, key } = await translatingHub(t);
    const response = await fetch(`${url}/v1beta/models/glm-4.6:streamGenerateContent?alt=sse`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": key },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "gemini to glm" }] }] }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-aio-provider"), "zai");
    const events = (await response.text()).split(/\r?\n\r?\n/).filter((event) => event.startsWith("data: "));
    const parts = events.flatMap((event) => {
      const eventParts = pick(JSON.parse(event.slice(6)), "candidates", 0, "content", "parts");
      return Array.isArray(eventParts) ? eventParts : [];
    });
    const text = parts
      .filter((part) => pick(part, "thought") !== true)
      .map((part) => String(pick(part, "text") ?? ""))
      .join("");
    assert.ok(
      parts.some((part) => pick(part, "thought") === true),
      "GLM's reasoning arrives as thought parts",
    );
    assert.equal(text, "Simulated Z.ai reply to: gemini to glm");

    const array = await fetch(`${url}/v1beta/models/glm-4.6:streamGenerateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": key },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "as an array" }] }] }),
    });
    assert.equal(array.status, 200);
    const chunks = await array.json();
    assert.ok(Array.isArray(chunks) && chunks.length > 1, "without alt=sse: one JSON array");

    const metrics = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } })
    ).text();
    assert.match(
      metrics,
      /aio_tokens_total\{provider="zai",direction="in"\} [1-9]/,
      "usage of translated answers counted",
    );
    assert.match(metrics, /aio_tokens_total\{provider="zai",direction="out"\} [1-9]/);
  });

  it("falls back across dialects before the first byte: glm on Z.ai overloaded, answered by Gemini", async (t) => {
    const { url, key, simulators } = await translatingHub(t, {
      resilience: { fallbacks: { zai: ["google"] } },
    });
    simulators.faults.inject("zai", { kind: "status", status: 529 });
    const response = await fetch(`${url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({
        model: "glm-4.6",
        max_tokens: 50,
        messages: [{ role: "user", content: "fall over" }],
      }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-aio-provider"), "google");
    assert.equal(response.headers.get("x-aio-fallbacks"), "zai=overloaded");
    const body = await response.json();
    assert.equal(pick(body, "type"), "message");
    assert.equal(pick(body, "content", 0, "text"), "Simulated Gemini reply to: fall over");
    assert.match(response.headers.get("x-aio-overhead-ms") ?? "", /^\d+\.\d{3}$/);
  });

  it("a client leaving a translated stream closes the connection to the provider", async (t) => {
    const candidate = { content: { role: "model", parts: [{ text: "first words" }] }, index: 0 };
    const left = await clientLeavesMidStream(t, {
      provider: "google",
      model: "gemini-2.5-flash",
      firstFrame: `data: ${JSON.stringify({ candidates: [candidate] })}\r\n\r\n`,
    });
    assert.match(left.firstChunk, /message_start/, "rendered as Anthropic events");
    assert.equal(left.closedResponses, 1, "the provider's connection is closed once the client left");
  });
});
