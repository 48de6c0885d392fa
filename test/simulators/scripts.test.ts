// Scripted Messages answers, read through the official Anthropic SDK: a tool_use on the first request
// offering the tool (streamed and not), and the usual reply for requests no armed step fits — on
// Anthropic and on Z.ai's Anthropic-compatible endpoint.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";

let simulators: Simulators;

before(async () => {
  simulators = await startSimulators({ providers: ["anthropic", "zai"] });
});

after(() => simulators.close());

beforeEach(() => simulators.scripts.clear());

const weather = {
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } } },
};

function client(baseURL: string): Anthropic {
  return new Anthropic({ apiKey: "sk-ant-test", baseURL, maxRetries: 0 });
}

test("a tool_use step answers the first request offering that tool, and only that one", async () => {
  simulators.scripts.arm("anthropic", { kind: "tool_use", name: "get_weather", input: { city: "Oslo" } });
  const anthropic = client(simulators.endpoints.anthropic.baseUrl);

  const plain = await anthropic.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 100,
    messages: [{ role: "user", content: "no tools here" }],
  });
  assert.equal(
    plain.content[0]?.type === "text" && plain.content[0].text,
    "Simulated Anthropic reply to: no tools here",
  );

  const first = await anthropic.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 100,
    tools: [weather],
    messages: [{ role: "user", content: "Weather in Oslo?" }],
  });
  assert.equal(first.stop_reason, "tool_use");
  const call = first.content[0];
  assert.ok(call?.type === "tool_use");
  assert.equal(call.name, "get_weather");
  assert.deepEqual(call.input, { city: "Oslo" });

  const second = await anthropic.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 100,
    tools: [weather],
    messages: [
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: first.content },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: call.id, content: [{ type: "text", text: "rain, 4 °C" }] },
        ],
      },
    ],
  });
  // The step was used: the usual reply to a tool result follows.
  assert.equal(second.stop_reason, "end_turn");
  assert.match(second.content[0]?.type === "text" ? second.content[0].text : "", /tool result rain, 4 °C/);
  assert.deepEqual(simulators.scripts.pending("anthropic"), []);
});

test("streamed, the tool_use arrives as input_json_delta events the SDK assembles; Z.ai's endpoint is scripted too", async () => {
  simulators.scripts.arm("zai", { kind: "tool_use", name: "get_weather", input: { city: "Bergen" } });
  const zai = client(simulators.endpoints.zai.anthropicBaseUrl ?? "");
  const stream = zai.messages.stream({
    model: "glm-4.6",
    max_tokens: 100,
    tools: [weather],
    messages: [{ role: "user", content: "Weather in Bergen?" }],
  });
  const message = await stream.finalMessage();
  assert.equal(message.stop_reason, "tool_use");
  const call = message.content[0];
  assert.ok(call?.type === "tool_use");
  assert.deepEqual(call.input, { city: "Bergen" });
  assert.deepEqual(simulators.scripts.pending("zai"), []);
});
