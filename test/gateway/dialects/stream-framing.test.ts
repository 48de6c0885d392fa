// The exact SSE framing each renderer writes, and when it writes: nothing before the provider's
// first event (so a failing provider can still be replaced by a fallback), the provider's failure
// thrown after it (for the server to send as the dialect's error event), and an early stop that
// releases the upstream call.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { renderAnthropicStream } from "../../../src/gateway/dialects/anthropic-stream.ts";
import { renderGeminiStream } from "../../../src/gateway/dialects/gemini-stream.ts";
import { renderOpenAiStream } from "../../../src/gateway/dialects/openai-stream.ts";
import {
  parseDialectRequest,
  type TranslationFinish,
  translateRequest,
} from "../../../src/gateway/dialects/translate.ts";
import type { ChatClient, ChatStreamEvent } from "../../../src/providers/chat.ts";
import type { AnyProviderClient } from "../../../src/providers/clients.ts";
import { ProviderError } from "../../../src/providers/errors.ts";
import { type Simulators, startSimulators } from "../../../src/simulators/index.ts";
import { anthropicStreamEventSchema } from "../../../src/wire/anthropic-messages.ts";
import { geminiGenerateContentResponseSchema } from "../../../src/wire/gemini-generate-content.ts";
import { openAiChunkSchema } from "../../../src/wire/openai-chat-completions.ts";
import { SIMULATOR_KEY, simulatorClient } from "./translating-server.ts";

/** A provider's answer: thinking, text, then two tool calls whose arguments arrive in pieces. */
const ANSWER: ChatStreamEvent[] = [
  { type: "start", id: "up-1", model: "glm-4.6" },
  { type: "reasoning-delta", text: "Let me see." },
  { type: "text-delta", text: "Checking " },
  { type: "text-delta", text: "both." },
  { type: "tool-call-delta", index: 2, id: "call_a", name: "get_weather", argumentsDelta: "" },
  { type: "tool-call-delta", index: 2, argumentsDelta: '{"city":' },
  { type: "tool-call-delta", index: 2, argumentsDelta: '"Oslo"}' },
  { type: "tool-call-delta", index: 3, id: "call_b", name: "get_time", argumentsDelta: "{}" },
  {
    type: "finish",
    finishReason: "tool_calls",
    rawFinishReason: "tool_calls",
    usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18, reasoningTokens: 3 },
  },
];

async function* replay(events: readonly ChatStreamEvent[]): AsyncGenerator<ChatStreamEvent> {
  for (const event of events) yield event;
}

async function collect(frames: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const frame of frames) all.push(frame);
  return all;
}

describe("Anthropic stream framing", () => {
  test("message_start, one block at a time with its deltas, message_delta with the stop reason and usage, message_stop", async () => {
    const frames = await collect(renderAnthropicStream(replay(ANSWER), "claude-asked"));
    const events = frames.map((frame) => {
      const match = /^event: ([a-z_]+)\ndata: (.*)\n\n$/s.exec(frame);
      assert.ok(match, `not an event frame: ${JSON.stringify(frame)}`);
      const data = anthropicStreamEventSchema.parse(JSON.parse(match[2] ?? ""));
      assert.equal(data.type, match[1]);
      return data;
    });
    const summary = events.map((event) =>
      event.type === "content_block_start"
        ? `start ${event.index} ${event.content_block.type}`
        : event.type === "content_block_delta"
          ? `delta ${event.index} ${event.delta.type}`
          : event.type === "content_block_stop"
            ? `stop ${event.index}`
            : event.type,
    );
    assert.deepEqual(summary, [
      "message_start",
      "start 0 thinking",
      "delta 0 thinking_delta",
      "stop 0",
      "start 1 text",
      "delta 1 text_delta",
      "delta 1 text_delta",
      "stop 1",
      "start 2 tool_use",
      "delta 2 input_json_delta",
      "delta 2 input_json_delta",
      "stop 2",
      "start 3 tool_use",
      "delta 3 input_json_delta",
      "stop 3",
      "message_delta",
      "message_stop",
    ]);
    const start = events[0];
    assert.ok(start?.type === "message_start");
    assert.equal(start.message.model, "claude-asked");
    assert.match(start.message.id ?? "", /^msg_/);
    const delta = events.at(-2);
    assert.ok(delta?.type === "message_delta");
    assert.equal(delta.delta.stop_reason, "tool_use");
    assert.deepEqual(delta.usage, { input_tokens: 11, output_tokens: 7 });
    const toolStart = events[8];
    assert.ok(toolStart?.type === "content_block_start");
    assert.deepEqual(toolStart.content_block, {
      type: "tool_use",
      id: "call_a",
      name: "get_weather",
      input: {},
    });
  });
});

describe("OpenAI stream framing", () => {
  test("chat.completion.chunk frames, tool calls numbered from 0, finish_reason, the usage chunk, then [DONE]", async () => {
    const frames = await collect(
      renderOpenAiStream(replay(ANSWER), { model: "gpt-asked", includeUsage: true }),
    );
    assert.equal(frames.at(-1), "data: [DONE]\n\n");
    const chunks = frames.slice(0, -1).map((frame) => {
      const match = /^data: (.*)\n\n$/s.exec(frame);
      assert.ok(match, `not a data frame: ${JSON.stringify(frame)}`);
      return openAiChunkSchema.parse(JSON.parse(match[1] ?? ""));
    });
    assert.ok(
      chunks.every((chunk) => chunk.object === "chat.completion.chunk" && chunk.model === "gpt-asked"),
    );
    assert.equal(new Set(chunks.map((chunk) => chunk.id)).size, 1);
    assert.deepEqual(chunks[0]?.choices?.[0]?.delta, { role: "assistant", content: "" });
    const deltas = chunks.slice(1, -2).map((chunk) => chunk.choices?.[0]?.delta);
    assert.deepEqual(deltas, [
      { reasoning_content: "Let me see." },
      { content: "Checking " },
      { content: "both." },
      {
        tool_calls: [
          { index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
      {
        tool_calls: [
          { index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } },
        ],
      },
    ]);
    assert.equal(chunks.at(-2)?.choices?.[0]?.finish_reason, "tool_calls");
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.deepEqual(chunks.at(-1)?.usage, {
      prompt_tokens: 11,
      completion_tokens: 7,
      total_tokens: 18,
      completion_tokens_details: { reasoning_tokens: 3 },
    });

    const withoutUsage = await collect(
      renderOpenAiStream(replay(ANSWER), { model: "gpt-asked", includeUsage: false }),
    );
    assert.equal(withoutUsage.length, frames.length - 1);
    assert.ok(!withoutUsage.some((frame) => frame.includes('"usage"')));
  });
});

describe("Gemini stream framing", () => {
  test("whole GenerateContentResponse chunks on \\r\\n\\r\\n, function calls sent whole, the last with finishReason and usage", async () => {
    const frames = await collect(renderGeminiStream(replay(ANSWER), "gemini-asked"));
    const chunks = frames.map((frame) => {
      const match = /^data: (.*)\r\n\r\n$/s.exec(frame);
      assert.ok(match, `not a data frame: ${JSON.stringify(frame)}`);
      return geminiGenerateContentResponseSchema.parse(JSON.parse(match[1] ?? ""));
    });
    assert.ok(chunks.every((chunk) => chunk.modelVersion === "gemini-asked" && chunk.responseId === "up-1"));
    assert.deepEqual(
      chunks.map((chunk) => chunk.candidates?.[0]?.content?.parts),
      [
        [{ text: "Let me see.", thought: true }],
        [{ text: "Checking " }],
        [{ text: "both." }],
        [
          { functionCall: { id: "call_a", name: "get_weather", args: { city: "Oslo" } } },
          { functionCall: { id: "call_b", name: "get_time", args: {} } },
        ],
      ],
    );
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.candidates?.[0]?.finishReason === undefined));
    assert.equal(chunks.at(-1)?.candidates?.[0]?.finishReason, "STOP");
    assert.deepEqual(chunks.at(-1)?.usageMetadata, {
      promptTokenCount: 11,
      candidatesTokenCount: 4,
      totalTokenCount: 18,
      thoughtsTokenCount: 3,
    });
  });
});

describe("Gemini streamGenerateContent without alt=sse", () => {
  test("one JSON array whose chunks arrive one by one", async () => {
    const frames = await collect(renderGeminiStream(replay(ANSWER), "gemini-asked", "json-array"));
    assert.ok(frames[0]?.startsWith("["));
    assert.equal(frames.at(-1), "]");
    const chunks = JSON.parse(frames.join(""));
    assert.ok(Array.isArray(chunks));
    assert.equal(chunks.length, frames.length - 1);
    for (const chunk of chunks) geminiGenerateContentResponseSchema.parse(chunk);
    assert.equal(chunks.at(-1).candidates[0].finishReason, "STOP");
  });
});

describe("when frames are written", () => {
  let simulators: Simulators;
  const clients: AnyProviderClient[] = [];
  before(async () => {
    simulators = await startSimulators({ keys: { anthropic: [SIMULATOR_KEY], zai: [SIMULATOR_KEY] } });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await simulators.close();
  });
  const target = (api: "anthropic" | "zai", model: string) => {
    const client = simulatorClient(simulators, api);
    clients.push(client);
    return { client, model };
  };
  const streamed = (prompt: string) =>
    parseDialectRequest("openai", {
      model: "gpt-asked",
      stream: true,
      messages: [{ role: "user", content: prompt }],
    });

  test("nothing is rendered before the provider's first event", async () => {
    // A provider that fails before sending anything.
    const failing = (): AsyncIterable<ChatStreamEvent> => ({
      [Symbol.asyncIterator]: () => ({
        next: () =>
          Promise.reject(
            new ProviderError({ kind: "overloaded", provider: "zai", message: "zai: overloaded" }),
          ),
      }),
    });
    for (const frames of [
      renderAnthropicStream(failing(), "m"),
      renderOpenAiStream(failing(), { model: "m", includeUsage: true }),
      renderGeminiStream(failing(), "m"),
    ]) {
      await assert.rejects(frames.next(), ProviderError);
    }
  });

  test("the finish and its usage are reported, streamed or not, for accounting", async () => {
    for (const stream of [false, true]) {
      const finishes: TranslationFinish[] = [];
      const request = parseDialectRequest("openai", {
        model: "gpt-asked",
        stream,
        messages: [{ role: "user", content: "count me" }],
      });
      const answer = await translateRequest(request, target("zai", "glm-4.6"), {
        reportedModel: "gpt-asked",
        onFinish: (finish) => finishes.push(finish),
      });
      if (answer.kind === "stream") {
        assert.equal(answer.contentType, "text/event-stream");
        assert.deepEqual(finishes, [], "not before the stream is read");
        await collect(answer.frames);
      }
      assert.equal(finishes.length, 1);
      assert.equal(finishes[0]?.finishReason, "stop");
      assert.ok((finishes[0]?.usage?.inputTokens ?? 0) > 0);
      assert.ok((finishes[0]?.usage?.outputTokens ?? 0) > 0);
    }
  });

  test("a provider failing before its first byte rejects the translation, so the caller can fall back", async () => {
    simulators.faults.inject("anthropic", { kind: "status", status: 529, times: 1 });
    await assert.rejects(
      translateRequest(streamed("hi"), target("anthropic", "claude-sonnet-4-5"), {
        reportedModel: "gpt-asked",
      }),
      (error: unknown) => error instanceof ProviderError && error.kind === "overloaded",
    );
  });

  test("a failure after the first frame is thrown from the frames, after what was already sent", async () => {
    simulators.faults.inject("anthropic", { kind: "stream-error", times: 1 });
    const answer = await translateRequest(
      streamed("a longer prompt so the answer comes in pieces"),
      target("anthropic", "claude-sonnet-4-5"),
      {
        reportedModel: "gpt-asked",
      },
    );
    assert.equal(answer.kind, "stream");
    if (answer.kind !== "stream") return;
    const sent: string[] = [];
    await assert.rejects(async () => {
      for await (const frame of answer.frames) sent.push(frame);
    }, ProviderError);
    assert.ok(sent.length >= 2, "the role chunk and the first text piece were sent");
    assert.ok(!sent.includes("data: [DONE]\n\n"));
  });

  for (const readFirst of [true, false]) {
    test(`stopping early${readFirst ? " after the first frame" : " before reading"} releases a stalled upstream stream`, async () => {
      simulators.faults.inject("zai", { kind: "stall", afterEvents: 2, times: 1 });
      const real = target("zai", "glm-4.6").client;
      let released = false;
      // The real client, watched: its stream must be closed, not left waiting on the stalled provider.
      const client: ChatClient = {
        chat: (request) => real.chat(request),
        async *streamChat(request) {
          try {
            yield* real.streamChat(request);
          } finally {
            released = true;
          }
        },
      };
      const answer = await translateRequest(
        streamed("stall please, with a long enough prompt"),
        { client, model: "glm-4.6" },
        {
          reportedModel: "gpt-asked",
        },
      );
      assert.equal(answer.kind, "stream");
      if (answer.kind !== "stream") return;
      const iterator = answer.frames[Symbol.asyncIterator]();
      if (readFirst) assert.match(String((await iterator.next()).value), /"role":"assistant"/);
      assert.equal(released, false);
      await iterator.return?.();
      assert.equal(released, true);
    });
  }
});
