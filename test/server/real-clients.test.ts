// The clients people point at the hub, unchanged: the official Anthropic and OpenAI SDKs (plain,
// streamed, a tool call), Claude Code `-p` on GLM through the hub, and Gemini CLI `-p` through the
// hub's Gemini endpoint. Only the providers are simulated.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startSimulators } from "../../src/simulators/index.ts";
import { runProgram } from "../support/cli.ts";
import { simulatorConfig, startTestHub } from "../support/hub.ts";
import { scratchDirectory } from "../support/scratch.ts";
import { requireService } from "../support/services.ts";
import { startUpstream } from "../support/upstream.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN_DIR = join(ROOT, "node_modules", ".bin");
const CLAUDE = join(ROOT, "node_modules", "@anthropic-ai", "claude-code", "bin", "claude.exe");
const GEMINI = join(BIN_DIR, "gemini");
const PATH = `${BIN_DIR}:${process.env.PATH ?? "/usr/bin:/bin"}`;

async function simulatedHub(t: TestContext) {
  const simulators = await startSimulators();
  t.after(() => simulators.close());
  const hub = await startTestHub(t, simulatorConfig(simulators));
  const key = await hub.addKey("sdk", ["chat"]);
  const running = await hub.listen();
  return { simulators, hub, key, url: running.url };
}

/** A provider that answers every request with a tool call, as `reply` writes it. */
async function toolCallingUpstream(
  t: TestContext,
  reply: (response: ServerResponse, stream: boolean) => void,
) {
  const upstream = await startUpstream(t, (response, request) =>
    reply(response, JSON.parse(request.body).stream === true),
  );
  return upstream.baseUrl;
}

function sse(response: ServerResponse, events: readonly [string | undefined, unknown][]): void {
  response.writeHead(200, { "content-type": "text/event-stream" });
  for (const [event, data] of events) {
    response.write(
      `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`,
    );
  }
  response.end();
}

const WEATHER_TOOL = {
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
};

describe("official SDKs through the hub", () => {
  it("@anthropic-ai/sdk: a plain message and a streamed one, on GLM through Z.ai's Anthropic endpoint", async (t) => {
    const { url, key, simulators } = await simulatedHub(t);
    const client = new Anthropic({ baseURL: url, apiKey: key, maxRetries: 0 });
    const message = await client.messages.create({
      model: "glm-4.6",
      max_tokens: 100,
      messages: [{ role: "user", content: "plain question" }],
    });
    assert.equal(
      message.content[0]?.type === "text" && message.content[0].text,
      "Simulated Z.ai reply to: plain question",
    );
    const stream = client.messages.stream({
      model: "glm-4.6",
      max_tokens: 100,
      messages: [{ role: "user", content: "streamed question" }],
    });
    const deltas: string[] = [];
    stream.on("text", (text) => deltas.push(text));
    const final = await stream.finalMessage();
    assert.ok(deltas.length > 1, "arrived in pieces");
    assert.equal(deltas.join(""), "Simulated Z.ai reply to: streamed question");
    assert.equal(final.stop_reason, "end_turn");
    assert.ok(
      simulators
        .requests()
        .every(
          (request) => request.headers["x-api-key"] !== key && !request.headers.authorization?.includes(key),
        ),
    );
  });

  it("@anthropic-ai/sdk: a streamed tool call arrives whole (input_json_delta assembled by the SDK)", async (t) => {
    const upstream = await toolCallingUpstream(t, (response) =>
      sse(response, [
        [
          "message_start",
          {
            type: "message_start",
            message: {
              id: "msg_t",
              type: "message",
              role: "assistant",
              model: "claude-sonnet-4-5",
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: 20, output_tokens: 1 },
            },
          },
        ],
        [
          "content_block_start",
          {
            type: "content_block_start",
            index: 0,
            content_block: { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} },
          },
        ],
        [
          "content_block_delta",
          {
            type: "content_block_delta",
            index: 0,
            delta: { type: "input_json_delta", partial_json: '{"city":' },
          },
        ],
        [
          "content_block_delta",
          {
            type: "content_block_delta",
            index: 0,
            delta: { type: "input_json_delta", partial_json: '"Paris"}' },
          },
        ],
        ["content_block_stop", { type: "content_block_stop", index: 0 }],
        [
          "message_delta",
          {
            type: "message_delta",
            delta: { stop_reason: "tool_use", stop_sequence: null },
            usage: { output_tokens: 12 },
          },
        ],
        ["message_stop", { type: "message_stop" }],
      ]),
    );
    const hub = await startTestHub(
      t,
      simulatorConfig(undefined, { providers: { anthropic: { baseUrl: upstream } } }),
    );
    const key = await hub.addKey("sdk", ["chat"]);
    const running = await hub.listen();
    const client = new Anthropic({ baseURL: running.url, apiKey: key, maxRetries: 0 });
    const final = await client.messages
      .stream({
        model: "claude-sonnet-4-5",
        max_tokens: 100,
        tools: [WEATHER_TOOL],
        messages: [{ role: "user", content: "weather in Paris?" }],
      })
      .finalMessage();
    assert.equal(final.stop_reason, "tool_use");
    const call = final.content[0];
    assert.equal(call?.type, "tool_use");
    assert.deepEqual(call?.type === "tool_use" ? [call.name, call.input] : [], [
      "get_weather",
      { city: "Paris" },
    ]);
  });

  it("openai: a plain completion and a streamed one, on Kimi through Moonshot's native API", async (t) => {
    const { url, key } = await simulatedHub(t);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: "kimi-k2.5",
      messages: [{ role: "user", content: "plain question" }],
    });
    assert.equal(completion.choices[0]?.message.content, "Simulated Moonshot reply to: plain question");
    const stream = await client.chat.completions.create({
      model: "glm-4.6",
      stream: true,
      messages: [{ role: "user", content: "streamed question" }],
    });
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      chunks += 1;
    }
    assert.ok(chunks > 2);
    assert.equal(text, "Simulated Z.ai reply to: streamed question");
  });

  it("openai: a tool call, plain and streamed", async (t) => {
    const toolCall = {
      id: "call_1",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    };
    const upstream = await toolCallingUpstream(t, (response, stream) => {
      if (!stream) {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            id: "chatcmpl-1",
            object: "chat.completion",
            created: 1,
            model: "glm-4.6",
            choices: [
              {
                index: 0,
                message: { role: "assistant", content: null, tool_calls: [toolCall] },
                finish_reason: "tool_calls",
              },
            ],
            usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
          }),
        );
        return;
      }
      const chunk = (delta: unknown, finish: string | null) => ({
        id: "chatcmpl-2",
        object: "chat.completion.chunk",
        created: 1,
        model: "glm-4.6",
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
      sse(response, [
        [
          undefined,
          chunk(
            {
              role: "assistant",
              tool_calls: [
                {
                  index: 0,
                  id: "call_1",
                  type: "function",
                  function: { name: "get_weather", arguments: "" },
                },
              ],
            },
            null,
          ),
        ],
        [undefined, chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, null)],
        [undefined, chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, null)],
        [undefined, chunk({}, "tool_calls")],
        [undefined, "[DONE]"],
      ]);
    });
    const hub = await startTestHub(
      t,
      simulatorConfig(undefined, { providers: { zai: { baseUrl: upstream } } }),
    );
    const key = await hub.addKey("sdk", ["chat"]);
    const running = await hub.listen();
    const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: key, maxRetries: 0 });
    const tools = [
      { type: "function" as const, function: { name: "get_weather", parameters: WEATHER_TOOL.input_schema } },
    ];
    const messages = [{ role: "user" as const, content: "weather in Paris?" }];
    const plain = await client.chat.completions.create({ model: "glm-4.6", tools, messages });
    assert.equal(plain.choices[0]?.finish_reason, "tool_calls");
    assert.deepEqual(plain.choices[0]?.message.tool_calls?.[0], toolCall);
    const runner = client.chat.completions.stream({ model: "glm-4.6", tools, messages });
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    assert.equal(streamed?.type === "function" && streamed.function.arguments, '{"city":"Paris"}');
  });
});

describe("assistant CLIs through the hub", () => {
  it("Claude Code completes -p on GLM with ANTHROPIC_BASE_URL at the hub and a hub key as its token", async (t) => {
    if (
      !requireService(
        t,
        "Claude Code",
        existsSync(CLAUDE) ? undefined : `${CLAUDE} is missing: run npm install`,
      )
    )
      return;
    const { url, key, simulators } = await simulatedHub(t);
    const home = scratchDirectory(t, "aio-hub-claude-");
    writeFileSync(join(home, ".claude.json"), JSON.stringify({ hasCompletedOnboarding: true }));
    const result = await runProgram(CLAUDE, ["-p", "ping through the hub"], {
      env: {
        PATH,
        HOME: home,
        ANTHROPIC_BASE_URL: url,
        ANTHROPIC_AUTH_TOKEN: key,
        ANTHROPIC_API_KEY: "",
        ANTHROPIC_MODEL: "glm-4.6",
        ANTHROPIC_DEFAULT_SONNET_MODEL: "glm-4.6",
        ANTHROPIC_DEFAULT_OPUS_MODEL: "glm-4.6",
        ANTHROPIC_DEFAULT_HAIKU_MODEL: "glm-4.5-air",
        ANTHROPIC_SMALL_FAST_MODEL: "glm-4.5-air",
        DISABLE_TELEMETRY: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      },
      cwd: home,
    });
    assert.equal(result.code, 0, result.stderr || result.stdout);
    assert.match(result.stdout, /Simulated Z\.ai reply to: ping through the hub/);
    const calls = simulators.requests().filter((request) => request.path.includes("/v1/messages"));
    assert.ok(calls.length > 0);
    assert.ok(calls.every((request) => request.provider === "zai"));
    assert.ok(
      calls.every((request) => request.headers.authorization !== `Bearer ${key}`),
      "the hub key stays in the hub",
    );
  });

  const geminiCases = [
    { model: "gemini-2.5-flash", provider: "google", name: "Gemini", how: "passed through to Gemini" },
    { model: "glm-4.6", provider: "zai", name: "Z\\.ai", how: "translated for GLM on Z.ai" },
  ] as const;
  for (const { model, provider, name, how } of geminiCases) {
    it(`Gemini CLI completes -p with GOOGLE_GEMINI_BASE_URL at the hub and a hub key as its API key: ${model}, ${how}`, async (t) => {
      if (
        !requireService(
          t,
          "Gemini CLI",
          existsSync(GEMINI) ? undefined : `${GEMINI} is missing: run npm install`,
        )
      )
        return;
      const { url, key, simulators } = await simulatedHub(t);
      const home = scratchDirectory(t, "aio-hub-gemini-");
      mkdirSync(join(home, ".gemini"));
      writeFileSync(
        join(home, ".gemini", "settings.json"),
        JSON.stringify({ security: { auth: { selectedType: "gemini-api-key" } } }),
      );
      const result = await runProgram(GEMINI, ["-m", model, "-p", "ping through the hub"], {
        env: {
          PATH,
          HOME: home,
          GEMINI_API_KEY: key,
          GOOGLE_GEMINI_BASE_URL: url,
          GEMINI_CLI_TRUST_WORKSPACE: "true",
        },
        cwd: home,
      });
      assert.equal(result.code, 0, result.stderr || result.stdout);
      // The simulator echoes the turn's first text; translated, that is Gemini CLI's session context.
      assert.match(result.stdout, new RegExp(`Simulated ${name} reply to: `));
      if (provider === "google") assert.match(result.stdout, /reply to: ping through the hub/);
      const calls = simulators.requests().filter((request) => request.provider === provider);
      assert.ok(calls.length > 0, `nothing reached ${provider}`);
      assert.ok(
        calls.every(
          (request) =>
            request.headers["x-goog-api-key"] !== key && request.headers.authorization !== `Bearer ${key}`,
        ),
        "the hub key stays in the hub",
      );
    });
  }
});
