// Every pair of client dialect and provider of another dialect, through the project's own clients
// on both sides: a client speaking dialect D talks to the translating server, which answers through
// the real client of provider T against its simulator. Each pair runs a two-turn tool round trip
// (the model calls a tool, the tool's answer goes back, the model answers), plain and streamed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ProviderApi } from "../../../src/config/schema/providers.ts";
import { createAnthropicClient } from "../../../src/providers/anthropic/anthropic-client.ts";
import {
  type ChatClient,
  type ChatRequest,
  type ChatResponse,
  collectChatStream,
} from "../../../src/providers/chat.ts";
import type { AnyProviderClient } from "../../../src/providers/clients.ts";
import type { Dialect } from "../../../src/providers/definitions.ts";
import { createGoogleClient } from "../../../src/providers/google/google-client.ts";
import { createZaiClient } from "../../../src/providers/zai/zai-client.ts";
import { type Simulators, startSimulators } from "../../../src/simulators/index.ts";
import {
  SIMULATOR_KEY,
  SIMULATOR_NAMES,
  simulatorClient,
  startTranslatingServer,
  TARGET_MODELS,
  type TranslatingServer,
} from "./translating-server.ts";

/** Who speaks each dialect natively, so the pairs below always cross dialects. */
const NATIVE: Readonly<Record<Dialect, readonly ProviderApi[]>> = {
  anthropic: ["anthropic"],
  openai: ["zai", "moonshot"],
  gemini: ["google"],
};
/** The model name each dialect's client asks for; the answer must report it back. */
const ASKED: Readonly<Record<Dialect, string>> = {
  anthropic: "claude-opus-4-1",
  openai: "gpt-4.1",
  gemini: "gemini-2.5-pro",
};

const TOOLS = [
  {
    name: "get_weather",
    description: "Weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
];

let simulators: Simulators;
const closers: { close(): Promise<void> }[] = [];

before(async () => {
  simulators = await startSimulators({
    keys: {
      anthropic: [SIMULATOR_KEY],
      google: [SIMULATOR_KEY],
      zai: [SIMULATOR_KEY],
      moonshot: [SIMULATOR_KEY],
    },
  });
});
after(async () => {
  for (const closer of closers.reverse()) await closer.close();
  await simulators.close();
});

/** A client speaking `dialect`, pointed at a translating server whose answers come from `api`. */
async function dialectClient(dialect: Dialect, api: ProviderApi): Promise<ChatClient> {
  const upstream: AnyProviderClient = simulatorClient(simulators, api);
  closers.push(upstream);
  const server: TranslatingServer = await startTranslatingServer({
    client: upstream,
    model: TARGET_MODELS[api],
  });
  closers.push(server);
  const options = { apiKey: "hub-key" };
  const client =
    dialect === "anthropic"
      ? createAnthropicClient({ ...options, baseUrl: server.url })
      : dialect === "openai"
        ? createZaiClient({ ...options, baseUrl: `${server.url}/v1` })
        : createGoogleClient({ ...options, baseUrl: server.url });
  closers.push(client);
  return client;
}

async function ask(
  client: ChatClient,
  request: ChatRequest,
  stream: boolean,
  provider: string,
): Promise<ChatResponse> {
  return stream
    ? collectChatStream(provider, request.model, client.streamChat(request))
    : client.chat(request);
}

for (const dialect of ["anthropic", "openai", "gemini"] as const) {
  for (const api of (["anthropic", "google", "zai", "moonshot"] as const).filter(
    (api) => !NATIVE[dialect].includes(api),
  )) {
    describe(`${dialect} client, ${api} provider`, () => {
      for (const stream of [false, true]) {
        test(`a tool round trip${stream ? ", streamed" : ""}`, async () => {
          const client = await dialectClient(dialect, api);
          const question = { role: "user" as const, content: "Please use the get_weather tool." };
          const base = {
            model: ASKED[dialect],
            system: "Answer briefly.",
            tools: TOOLS,
            maxOutputTokens: 300,
          };
          const before = simulators.requests().length;

          const first = await ask(client, { ...base, messages: [question] }, stream, dialect);
          assert.equal(first.model, ASKED[dialect]);
          assert.equal(first.finishReason, "tool_calls");
          assert.equal(first.toolCalls.length, 1);
          const call = first.toolCalls[0];
          assert.ok(call);
          assert.equal(call.name, "get_weather");
          assert.equal(typeof JSON.parse(call.arguments).city, "string");
          assert.ok(call.id !== "");

          const second = await ask(
            client,
            {
              ...base,
              messages: [
                question,
                { role: "assistant", content: first.text, toolCalls: first.toolCalls },
                { role: "tool", toolCallId: call.id, name: call.name, content: "sunny, 21 C" },
              ],
            },
            stream,
            dialect,
          );
          assert.equal(second.finishReason, "stop");
          assert.deepEqual(second.toolCalls, []);
          assert.match(
            second.text,
            new RegExp(
              `^Simulated ${SIMULATOR_NAMES[api].replace(".", "\\.")} reply to: tool result .*sunny, 21 C`,
            ),
          );
          assert.ok((second.usage?.inputTokens ?? 0) > 0 && (second.usage?.outputTokens ?? 0) > 0);

          // The provider got the tools, the call and its result in its own shape, with its own model name.
          const upstream = simulators
            .requests()
            .slice(before)
            .filter((request) => request.provider === api);
          assert.equal(upstream.length, 2);
          const sent = JSON.stringify(JSON.parse(upstream[1]?.body ?? "{}"));
          assert.match(sent, /get_weather/);
          assert.match(sent, /sunny, 21 C/);
          assert.match(
            upstream[1]?.path ?? "",
            api === "google" ? /gemini-2\.5-flash/ : /messages|completions/,
          );
          if (api !== "google") assert.equal(JSON.parse(upstream[1]?.body ?? "{}").model, TARGET_MODELS[api]);
        });
      }
    });
  }
}

test("an Anthropic request with tools reaches Z.ai as OpenAI tools, tool_calls and a tool message", async () => {
  const client = await dialectClient("anthropic", "zai");
  const question = { role: "user" as const, content: "Please use the get_weather tool." };
  const first = await client.chat({ model: "claude-opus-4-1", tools: TOOLS, messages: [question] });
  const call = first.toolCalls[0];
  assert.ok(call);
  const before = simulators.requests().length;
  await client.chat({
    model: "claude-opus-4-1",
    tools: TOOLS,
    messages: [
      question,
      { role: "assistant", content: first.text, toolCalls: first.toolCalls },
      { role: "tool", toolCallId: call.id, name: call.name, content: "sunny, 21 C" },
    ],
  });
  const [request] = simulators
    .requests()
    .slice(before)
    .filter((entry) => entry.provider === "zai");
  assert.ok(request);
  const body = JSON.parse(request.body);
  assert.deepEqual(body.tools, [
    {
      type: "function",
      function: { name: "get_weather", description: "Weather in a city", parameters: TOOLS[0]?.parameters },
    },
  ]);
  assert.deepEqual(
    body.messages.map((message: { role: string }) => message.role),
    ["user", "assistant", "tool"],
  );
  assert.equal(body.messages[1].tool_calls[0].id, call.id);
  assert.equal(body.messages[1].tool_calls[0].function.name, "get_weather");
  assert.deepEqual(JSON.parse(body.messages[1].tool_calls[0].function.arguments), JSON.parse(call.arguments));
  assert.deepEqual(body.messages[2], {
    role: "tool",
    tool_call_id: call.id,
    name: "get_weather",
    content: "sunny, 21 C",
  });
});
