// The simulators honour the request's output limit as the platforms do: the reply stops at
// `max_tokens` (or Gemini's `maxOutputTokens`) and says why, in each platform's words, through the
// official SDKs where there is one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { postJson } from "./http.ts";

let simulators: Simulators;
before(async () => {
  simulators = await startSimulators();
});
after(() => simulators.close());

const PROMPT = "Please write a long answer about the history of the compiler";

test("Anthropic Messages (Anthropic, Z.ai, Moonshot endpoints): max_tokens cuts the text, stop_reason max_tokens", async () => {
  for (const provider of ["anthropic", "zai", "moonshot"] as const) {
    const client = new Anthropic({ apiKey: "key", baseURL: simulators.endpoints[provider].anthropicBaseUrl });
    const model = "claude-sonnet-4-5";
    const short = await client.messages.create({
      model,
      max_tokens: 3,
      messages: [{ role: "user", content: PROMPT }],
    });
    assert.equal(short.stop_reason, "max_tokens", provider);
    const text = short.content.find((block) => block.type === "text");
    assert.equal(text?.type === "text" ? text.text.length : -1, 12, provider);

    const streamed = await client.messages
      .stream({ model, max_tokens: 3, messages: [{ role: "user", content: PROMPT }] })
      .finalMessage();
    assert.equal(streamed.stop_reason, "max_tokens", provider);

    const full = await client.messages.create({
      model,
      max_tokens: 1000,
      messages: [{ role: "user", content: PROMPT }],
    });
    assert.equal(full.stop_reason, "end_turn", provider);
  }
});

test("chat completions (Z.ai, Moonshot): max_tokens cuts the text, finish_reason length", async () => {
  for (const [provider, model] of [
    ["zai", "glm-4.6"],
    ["moonshot", "kimi-k2.5"],
  ] as const) {
    const client = new OpenAI({ apiKey: "key", baseURL: simulators.endpoints[provider].baseUrl });
    const short = await client.chat.completions.create({
      model,
      max_tokens: 4,
      messages: [{ role: "user", content: PROMPT }],
    });
    assert.equal(short.choices[0]?.finish_reason, "length", provider);
    assert.equal(short.choices[0]?.message.content?.length, 16, provider);
    const stream = await client.chat.completions.create({
      model,
      max_completion_tokens: 4,
      stream: true,
      messages: [{ role: "user", content: PROMPT }],
    });
    let reason: string | null | undefined;
    for await (const chunk of stream) reason = chunk.choices[0]?.finish_reason ?? reason;
    assert.equal(reason, "length", provider);
    const full = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: PROMPT }],
    });
    assert.equal(full.choices[0]?.finish_reason, "stop", provider);
  }
});

test("Gemini generateContent: maxOutputTokens cuts the text, finishReason MAX_TOKENS", async () => {
  const url = `${simulators.endpoints.google.baseUrl}/v1beta/models/gemini-2.5-flash:generateContent`;
  const reply = await postJson(
    url,
    { contents: [{ role: "user", parts: [{ text: PROMPT }] }], generationConfig: { maxOutputTokens: 2 } },
    { "x-goog-api-key": "key" },
  );
  assert.equal(reply.status, 200, reply.text);
  const body = JSON.parse(reply.text);
  assert.equal(body.candidates[0].finishReason, "MAX_TOKENS");
  assert.equal(body.candidates[0].content.parts[0].text.length, 8);
});
