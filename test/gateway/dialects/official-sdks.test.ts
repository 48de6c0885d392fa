// The official SDKs read translated answers: an Anthropic SDK client whose model is served by Z.ai
// (OpenAI dialect) or Gemini, an OpenAI SDK client whose model is served by Anthropic or Gemini, and
// the project's own Gemini client (no official Gemini SDK is installed) whose model is served by
// Z.ai. Each sees the text, a tool call, the tool's answer coming back, and the usage, plain and streamed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { ProviderApi } from "../../../src/config/schema/providers.ts";
import { PROVIDER_APIS } from "../../../src/config/schema/providers.ts";
import { collectChatStream } from "../../../src/providers/chat.ts";
import type { AnyProviderClient } from "../../../src/providers/clients.ts";
import { createGoogleClient } from "../../../src/providers/google/google-client.ts";
import { type Simulators, startSimulators } from "../../../src/simulators/index.ts";
import {
  SIMULATOR_KEY,
  SIMULATOR_NAMES,
  simulatorClient,
  startTranslatingServer,
  TARGET_MODELS,
  type TranslatingServer,
} from "./translating-server.ts";

const WEATHER_SCHEMA = {
  type: "object" as const,
  properties: { city: { type: "string", description: "where" } },
  required: ["city"],
};

let simulators: Simulators;
const servers: TranslatingServer[] = [];
const clients: AnyProviderClient[] = [];

before(async () => {
  simulators = await startSimulators({
    keys: Object.fromEntries(PROVIDER_APIS.map((api) => [api, [SIMULATOR_KEY]])),
  });
});
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await Promise.all(clients.map((client) => client.close()));
  await simulators.close();
});

async function serverFor(api: ProviderApi): Promise<string> {
  const client = simulatorClient(simulators, api);
  clients.push(client);
  const server = await startTranslatingServer({ client, model: TARGET_MODELS[api] });
  servers.push(server);
  return server.url;
}

for (const api of ["zai", "google"] as const) {
  describe(`@anthropic-ai/sdk reading answers translated from ${api}`, () => {
    let anthropic: Anthropic;
    before(async () => {
      anthropic = new Anthropic({ apiKey: "hub-key", baseURL: await serverFor(api), maxRetries: 0 });
    });

    test("messages.create: the text and the usage", async () => {
      const message = await anthropic.messages.create({
        model: "claude-via-hub",
        max_tokens: 200,
        system: "Be brief.",
        messages: [{ role: "user", content: "hello there" }],
      });
      assert.equal(message.type, "message");
      assert.equal(message.model, "claude-via-hub");
      assert.match(message.id, /^msg_/);
      const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
      assert.equal(text, `Simulated ${SIMULATOR_NAMES[api]} reply to: hello there`);
      assert.equal(message.stop_reason, "end_turn");
      assert.ok(message.usage.input_tokens > 0);
      assert.ok(message.usage.output_tokens > 0);
    });

    test("a tool call, and the tool's answer sent back", async () => {
      const tools = [{ name: "get_weather", description: "Weather in a city", input_schema: WEATHER_SCHEMA }];
      const question = { role: "user" as const, content: "Please use the get_weather tool." };
      const first = await anthropic.messages.create({
        model: "claude-via-hub",
        max_tokens: 200,
        tools,
        messages: [question],
      });
      assert.equal(first.stop_reason, "tool_use");
      const call = first.content.find((block) => block.type === "tool_use");
      assert.ok(call && call.type === "tool_use");
      assert.equal(call.name, "get_weather");
      assert.equal(typeof (call.input as { city?: unknown }).city, "string");

      const second = await anthropic.messages.create({
        model: "claude-via-hub",
        max_tokens: 200,
        tools,
        messages: [
          question,
          { role: "assistant", content: first.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "sunny, 21 C" }] },
        ],
      });
      const text = second.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
      assert.match(text, /tool result .*sunny, 21 C/);
      assert.equal(second.stop_reason, "end_turn");
    });

    test("messages.stream: text deltas, a tool_use block with input_json_delta, and finalMessage", async () => {
      const stream = anthropic.messages.stream({
        model: "claude-via-hub",
        max_tokens: 200,
        tools: [{ name: "get_weather", input_schema: WEATHER_SCHEMA }],
        messages: [{ role: "user", content: "Now use the get_weather tool" }],
      });
      const events: string[] = [];
      stream.on("streamEvent", (event) => events.push(event.type));
      const message = await stream.finalMessage();
      assert.equal(events[0], "message_start");
      assert.deepEqual(events.slice(-2), ["message_delta", "message_stop"]);
      const call = message.content.find((block) => block.type === "tool_use");
      assert.ok(call && call.type === "tool_use");
      assert.equal(call.name, "get_weather");
      assert.equal(typeof (call.input as { city?: unknown }).city, "string");
      assert.equal(message.stop_reason, "tool_use");
      assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);

      const plain = await anthropic.messages
        .stream({
          model: "claude-via-hub",
          max_tokens: 200,
          messages: [{ role: "user", content: "stream it" }],
        })
        .finalMessage();
      const text = plain.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
      assert.equal(text, `Simulated ${SIMULATOR_NAMES[api]} reply to: stream it`);
    });

    test("a feature the target cannot express is a 400 the SDK reports, naming the field", async () => {
      await assert.rejects(
        anthropic.messages.create({
          model: "claude-via-hub",
          max_tokens: 100,
          tools: [{ type: "web_search_20250305", name: "web_search" }],
          messages: [{ role: "user", content: "hi" }],
        }),
        (error: unknown) =>
          error instanceof Anthropic.BadRequestError &&
          /tools\.0 \(the server tool web_search_20250305\) cannot be translated/.test(error.message),
      );
    });
  });
}

for (const api of ["anthropic", "google"] as const) {
  describe(`openai SDK reading answers translated from ${api}`, () => {
    let openai: OpenAI;
    before(async () => {
      openai = new OpenAI({ apiKey: "hub-key", baseURL: `${await serverFor(api)}/v1`, maxRetries: 0 });
    });
    const tools = [
      {
        type: "function" as const,
        function: { name: "get_weather", description: "Weather in a city", parameters: WEATHER_SCHEMA },
      },
    ];

    test("chat.completions.create: the text and the usage", async () => {
      const completion = await openai.chat.completions.create({
        model: "gpt-ish",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "hello there" },
        ],
      });
      assert.equal(completion.object, "chat.completion");
      assert.equal(completion.model, "gpt-ish");
      assert.equal(
        completion.choices[0]?.message.content,
        `Simulated ${SIMULATOR_NAMES[api]} reply to: hello there`,
      );
      assert.equal(completion.choices[0]?.finish_reason, "stop");
      assert.ok((completion.usage?.prompt_tokens ?? 0) > 0);
      assert.ok((completion.usage?.completion_tokens ?? 0) > 0);
    });

    test("a tool call, and the tool's answer sent back", async () => {
      const question = { role: "user" as const, content: "Please use the get_weather tool." };
      const first = await openai.chat.completions.create({ model: "gpt-ish", tools, messages: [question] });
      const choice = first.choices[0];
      assert.equal(choice?.finish_reason, "tool_calls");
      const call = choice?.message.tool_calls?.[0];
      assert.ok(call && call.type === "function");
      assert.equal(call.function.name, "get_weather");
      assert.equal(typeof JSON.parse(call.function.arguments).city, "string");
      const second = await openai.chat.completions.create({
        model: "gpt-ish",
        tools,
        messages: [
          question,
          { role: "assistant", content: choice?.message.content ?? null, tool_calls: [call] },
          { role: "tool", tool_call_id: call.id, content: "sunny, 21 C" },
        ],
      });
      assert.match(second.choices[0]?.message.content ?? "", /tool result .*sunny, 21 C/);
    });

    test("stream: true with include_usage: deltas, a streamed tool call, finish_reason and the usage chunk", async () => {
      const stream = await openai.chat.completions.create({
        model: "gpt-ish",
        stream: true,
        stream_options: { include_usage: true },
        tools,
        messages: [{ role: "user", content: "Now use the get_weather tool" }],
      });
      let name = "";
      let args = "";
      let finish: string | null | undefined;
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        assert.equal(chunk.object, "chat.completion.chunk");
        for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
          name += call.function?.name ?? "";
          args += call.function?.arguments ?? "";
        }
        finish = chunk.choices[0]?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      assert.equal(name, "get_weather");
      assert.equal(typeof JSON.parse(args).city, "string");
      assert.equal(finish, "tool_calls");
      assert.ok((usage?.prompt_tokens ?? 0) > 0 && (usage?.completion_tokens ?? 0) > 0);

      const final = await openai.chat.completions
        .stream({ model: "gpt-ish", messages: [{ role: "user", content: "stream it" }] })
        .finalChatCompletion();
      assert.equal(
        final.choices[0]?.message.content,
        `Simulated ${SIMULATOR_NAMES[api]} reply to: stream it`,
      );

      // The SDK's stream helper rebuilds the tool call from the deltas and parses its arguments.
      const withTool = await openai.chat.completions
        .stream({
          model: "gpt-ish",
          tools,
          messages: [{ role: "user", content: "Use the get_weather tool" }],
        })
        .finalChatCompletion();
      const streamedCall = withTool.choices[0]?.message.tool_calls?.[0];
      assert.ok(streamedCall && streamedCall.type === "function");
      assert.equal(streamedCall.function.name, "get_weather");
      assert.equal(typeof JSON.parse(streamedCall.function.arguments).city, "string");
      assert.equal(withTool.choices[0]?.finish_reason, "tool_calls");
    });

    test("a feature the target cannot express is a 400 the SDK reports, naming the field", async () => {
      await assert.rejects(
        openai.chat.completions.create({
          model: "gpt-ish",
          n: 2,
          messages: [{ role: "user", content: "hi" }],
        }),
        (error: unknown) =>
          error instanceof OpenAI.BadRequestError && /\bn greater than 1/.test(error.message),
      );
    });
  });
}

describe("the project's Gemini client reading answers translated from zai", () => {
  let gemini: ReturnType<typeof createGoogleClient>;
  before(async () => {
    gemini = createGoogleClient({ apiKey: "hub-key", baseUrl: await serverFor("zai") });
    clients.push(gemini);
  });

  test("generateContent: the text and the usage", async () => {
    const response = await gemini.chat({
      model: "gemini-2.5-flash",
      messages: [{ role: "user", content: "hello there" }],
    });
    assert.equal(response.text, "Simulated Z.ai reply to: hello there");
    assert.equal(response.model, "gemini-2.5-flash");
    assert.equal(response.finishReason, "stop");
    assert.ok((response.usage?.inputTokens ?? 0) > 0 && (response.usage?.outputTokens ?? 0) > 0);
  });

  test("streamGenerateContent?alt=sse: a functionCall, then the functionResponse sent back", async () => {
    const tools = [{ name: "get_weather", description: "Weather in a city", parameters: WEATHER_SCHEMA }];
    const question = { role: "user" as const, content: "Please use the get_weather tool." };
    const first = await collectChatStream(
      "google",
      "gemini-2.5-flash",
      gemini.streamChat({ model: "gemini-2.5-flash", tools, messages: [question] }),
    );
    assert.equal(first.finishReason, "tool_calls");
    const call = first.toolCalls[0];
    assert.ok(call);
    assert.equal(call.name, "get_weather");
    assert.equal(typeof JSON.parse(call.arguments).city, "string");
    const second = await collectChatStream(
      "google",
      "gemini-2.5-flash",
      gemini.streamChat({
        model: "gemini-2.5-flash",
        tools,
        messages: [
          question,
          { role: "assistant", content: first.text, toolCalls: first.toolCalls },
          { role: "tool", toolCallId: call.id, name: call.name, content: "sunny, 21 C" },
        ],
      }),
    );
    assert.match(second.text, /tool result .*sunny, 21 C/);
    assert.ok((second.usage?.inputTokens ?? 0) > 0);
  });
});
