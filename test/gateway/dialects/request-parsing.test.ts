// What each dialect's request becomes in the chat vocabulary, and the 400s: a malformed body names
// the field, and a feature no provider of another dialect can be given is refused, never dropped.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AppError } from "../../../src/errors.ts";
import { parseDialectRequest } from "../../../src/gateway/dialects/translate.ts";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString("base64");

/** "look" and an image, as every dialect's parse must give it. */
const LOOK_AT_PNG = {
  role: "user",
  content: [
    { type: "text", text: "look" },
    { type: "inline-data", mimeType: "image/png", data: Buffer.from(PNG, "base64") },
  ],
};

function refused(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.kind, "usage");
    assert.equal(error.status, 400);
    assert.match(error.message, message);
    return true;
  });
}

describe("Anthropic Messages requests", () => {
  const base = { model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "hi" }] };

  test("system, sampling, stop sequences, thinking, tools, tool choice, images and a tool round trip", () => {
    const parsed = parseDialectRequest("anthropic", {
      ...base,
      system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ["END"],
      thinking: { type: "enabled", budget_tokens: 2048 },
      tools: [{ name: "get_weather", description: "d", input_schema: { type: "object" } }],
      tool_choice: { type: "tool", name: "get_weather" },
      stream: true,
      metadata: { user_id: "u" },
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hmm", signature: "sig" },
            { type: "text", text: "checking" },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_1",
              content: [{ type: "text", text: "cold" }],
              is_error: true,
            },
            { type: "text", text: "and now?" },
          ],
        },
      ],
    });
    assert.equal(parsed.stream, true);
    const chat = parsed.chat;
    assert.equal(chat.system, "Be brief.");
    assert.equal(chat.maxOutputTokens, 100);
    assert.equal(chat.temperature, 0.2);
    assert.equal(chat.topP, 0.9);
    assert.equal(chat.topK, 40);
    assert.deepEqual(chat.stopSequences, ["END"]);
    assert.equal(chat.thinking, true);
    assert.deepEqual(chat.tools, [{ name: "get_weather", description: "d", parameters: { type: "object" } }]);
    assert.deepEqual(chat.toolChoice, { name: "get_weather" });
    assert.deepEqual(chat.messages, [
      LOOK_AT_PNG,
      {
        role: "assistant",
        content: "checking",
        reasoning: "hmm",
        toolCalls: [{ id: "toolu_1", name: "get_weather", arguments: '{"city":"Oslo"}' }],
      },
      { role: "tool", toolCallId: "toolu_1", name: "get_weather", content: "cold", isError: true },
      { role: "user", content: "and now?" },
    ]);
  });

  test("a mid-conversation system message joins the system prompt; deferred tools are not offered", () => {
    const { chat, omitReasoning } = parseDialectRequest("anthropic", {
      ...base,
      system: "first",
      thinking: { type: "adaptive", display: "omitted" },
      output_config: { effort: "medium" },
      context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
      tools: [
        { name: "a", input_schema: { type: "object" } },
        { name: "b", input_schema: { type: "object" }, defer_loading: true },
      ],
      messages: [
        { role: "user", content: "hi" },
        { role: "system", content: [{ type: "text", text: "second" }] },
      ],
    });
    assert.equal(chat.system, "first\n\nsecond");
    assert.deepEqual(
      chat.tools?.map((tool) => tool.name),
      ["a"],
    );
    assert.equal(chat.thinking, true);
    assert.equal(omitReasoning, true);
  });

  test("malformed bodies are 400s naming the field", () => {
    refused(
      () => parseDialectRequest("anthropic", { ...base, max_tokens: "many" }),
      /^invalid request body: max_tokens: expected number/,
    );
    refused(
      () => parseDialectRequest("anthropic", { model: "claude-x", max_tokens: 1 }),
      /messages: expected array/,
    );
    refused(
      () =>
        parseDialectRequest("anthropic", {
          ...base,
          messages: [{ role: "user", content: [{ type: "image", source: { type: "base64" } }] }],
        }),
      /messages\.0\.content\.0\.source\.media_type/,
    );
  });

  test("features no other provider can be given are refused, naming them", () => {
    const refuse = (body: Record<string, unknown>, message: RegExp) =>
      refused(() => parseDialectRequest("anthropic", { ...base, ...body }), message);
    refuse(
      { tools: [{ type: "web_search_20250305", name: "web_search" }] },
      /^tools\.0 \(the server tool web_search_20250305\) cannot be translated/,
    );
    refuse(
      { output_config: { format: { type: "json_schema" } } },
      /^output_config\.format cannot be translated/,
    );
    refuse(
      { context_management: { edits: [{ type: "clear_tool_uses_20250919" }] } },
      /context_management\.edits\.0/,
    );
    refuse({ mcp_servers: [{ url: "x" }] }, /^mcp_servers/);
    refuse({ tool_choice: { type: "auto", disable_parallel_tool_use: true } }, /disable_parallel_tool_use/);
    refuse(
      {
        messages: [
          { role: "user", content: [{ type: "image", source: { type: "url", url: "https://x/y.png" } }] },
        ],
      },
      /messages\.0\.content\.0\.source \(image given by url\)/,
    );
    refuse(
      {
        messages: [
          { role: "user", content: [{ type: "document", source: { type: "file", file_id: "file_1" } }] },
        ],
      },
      /given by file/,
    );
    refuse(
      { messages: [{ role: "user", content: [{ type: "search_result", source: "s" }] }] },
      /block type search_result/,
    );
    refuse(
      {
        messages: [
          { role: "user", content: [{ type: "tool_result", tool_use_id: "nowhere", content: "x" }] },
        ],
      },
      /a tool_result for a tool_use not in the conversation/,
    );
  });
});

describe("OpenAI Chat Completions requests", () => {
  const base = { model: "gpt-x", messages: [{ role: "user", content: "hi" }] };

  test("system and developer messages, sampling, stop, tools, images, files and a tool round trip", () => {
    const parsed = parseDialectRequest("openai", {
      ...base,
      max_completion_tokens: 50,
      temperature: 0.5,
      top_p: 0.8,
      stop: "END",
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: "high",
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      tool_choice: "required",
      messages: [
        { role: "developer", content: "rules" },
        {
          role: "user",
          content: [
            { type: "text", text: "see" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: "file", file: { file_data: `data:application/pdf;base64,${PNG}`, filename: "a.pdf" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          reasoning_content: "think",
          tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"x":1}' } }],
        },
        { role: "tool", tool_call_id: "call_1", content: "42" },
        { role: "system", content: "more rules" },
      ],
    });
    assert.equal(parsed.stream, true);
    assert.equal(parsed.includeUsage, true);
    const chat = parsed.chat;
    assert.equal(chat.system, "rules\n\nmore rules");
    assert.equal(chat.maxOutputTokens, 50);
    assert.equal(chat.topP, 0.8);
    assert.deepEqual(chat.stopSequences, ["END"]);
    assert.equal(chat.thinking, true);
    assert.equal(chat.toolChoice, "required");
    assert.deepEqual(chat.messages, [
      {
        role: "user",
        content: [
          { type: "text", text: "see" },
          { type: "inline-data", mimeType: "image/png", data: Buffer.from(PNG, "base64") },
          {
            type: "inline-data",
            mimeType: "application/pdf",
            data: Buffer.from(PNG, "base64"),
            filename: "a.pdf",
          },
        ],
      },
      {
        role: "assistant",
        content: "",
        reasoning: "think",
        toolCalls: [{ id: "call_1", name: "f", arguments: '{"x":1}' }],
      },
      { role: "tool", toolCallId: "call_1", name: "f", content: "42" },
    ]);
  });

  test("malformed bodies and untranslatable features are 400s naming the field", () => {
    refused(() => parseDialectRequest("openai", { model: "gpt-x", messages: [] }), /messages: Too small/i);
    refused(
      () => parseDialectRequest("openai", { ...base, messages: [{ role: "tool", content: "x" }] }),
      /messages\.0\.tool_call_id/,
    );
    const refuse = (body: Record<string, unknown>, message: RegExp) =>
      refused(() => parseDialectRequest("openai", { ...base, ...body }), message);
    refuse({ n: 3 }, /^n greater than 1 cannot be translated/);
    refuse({ response_format: { type: "json_schema", json_schema: {} } }, /^response_format json_schema/);
    refuse({ logprobs: true }, /^logprobs/);
    refuse({ seed: 7 }, /^seed/);
    refuse({ parallel_tool_calls: false }, /parallel_tool_calls/);
    refuse({ tools: [{ type: "custom", custom: { name: "c" } }] }, /tools\.0 \(tool type custom\)/);
    refuse(
      {
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }],
      },
      /messages\.0\.content\.0\.image_url\.url \(image given by URL\)/,
    );
    refuse(
      { messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] },
      /part type input_audio/,
    );
  });
});

describe("Gemini generateContent requests", () => {
  const call = { model: "models/gemini-x", stream: true };

  test("system instruction, generation config, function declarations, calls and responses, inline data", () => {
    const parsed = parseDialectRequest(
      "gemini",
      {
        systemInstruction: { parts: [{ text: "Be brief." }] },
        generationConfig: {
          maxOutputTokens: 64,
          temperature: 1,
          topP: 0.95,
          topK: 64,
          stopSequences: ["END"],
          thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 },
        },
        tools: [
          {
            functionDeclarations: [
              { name: "f", parameters: { type: "OBJECT", properties: { type: { type: "STRING" } } } },
            ],
          },
        ],
        toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["f"] } },
        contents: [
          { role: "user", parts: [{ text: "look" }, { inlineData: { mimeType: "image/png", data: PNG } }] },
          {
            role: "model",
            parts: [{ text: "plan", thought: true }, { functionCall: { name: "f", args: { type: "a" } } }],
          },
          { role: "user", parts: [{ functionResponse: { name: "f", response: { output: "done" } } }] },
        ],
      },
      call,
    );
    assert.equal(parsed.stream, true);
    const chat = parsed.chat;
    assert.equal(chat.model, "gemini-x");
    assert.equal(chat.system, "Be brief.");
    assert.equal(chat.maxOutputTokens, 64);
    assert.equal(chat.topK, 64);
    assert.deepEqual(chat.stopSequences, ["END"]);
    assert.equal(chat.thinking, true);
    assert.deepEqual(chat.toolChoice, { name: "f" });
    // Gemini's upper-case OpenAPI types become JSON Schema; a property named `type` is left alone.
    assert.deepEqual(chat.tools, [
      { name: "f", parameters: { type: "object", properties: { type: { type: "string" } } } },
    ]);
    assert.deepEqual(chat.messages, [
      LOOK_AT_PNG,
      {
        role: "assistant",
        content: "",
        reasoning: "plan",
        toolCalls: [{ id: "call_0", name: "f", arguments: '{"type":"a"}' }],
      },
      { role: "tool", toolCallId: "call_0", name: "f", content: "done" },
    ]);
  });

  test("malformed bodies and untranslatable features are 400s naming the field", () => {
    refused(
      () => parseDialectRequest("gemini", { contents: [] }, call),
      /contents: contents is not specified/,
    );
    const refuse = (body: Record<string, unknown>, message: RegExp) =>
      refused(
        () =>
          parseDialectRequest(
            "gemini",
            { contents: [{ role: "user", parts: [{ text: "hi" }] }], ...body },
            call,
          ),
        message,
      );
    refuse(
      { generationConfig: { responseMimeType: "application/json" } },
      /responseMimeType application\/json/,
    );
    refuse({ generationConfig: { candidateCount: 2 } }, /candidateCount/);
    refuse({ cachedContent: "cachedContents/1" }, /^cachedContent/);
    refuse({ tools: [{ googleSearch: {} }] }, /^tools\.0\.googleSearch/);
    refuse(
      {
        contents: [
          {
            role: "user",
            parts: [{ fileData: { fileUri: "https://x/v1beta/files/a", mimeType: "image/png" } }],
          },
        ],
      },
      /contents\.0\.parts\.0 \(part type fileData\)/,
    );
    refuse(
      { contents: [{ role: "user", parts: [{ functionResponse: { name: "f", response: {} } }] }] },
      /no functionCall before it/,
    );
  });
});

describe("a request checked against its own dialect before translation", () => {
  test("a field of another dialect is refused by name, with what this dialect calls it", () => {
    const hello = [{ role: "user", content: "hi" }];
    refused(
      () => parseDialectRequest("openai", { model: "m", system: "be brief", messages: hello }),
      /^invalid request body: system: not a field of OpenAI Chat Completions requests \(the system prompt is a message with role system\)/,
    );
    refused(
      () => parseDialectRequest("anthropic", { model: "m", max_tokens: 9, stop: ["x"], messages: hello }),
      /stop: not a field of Anthropic Messages requests \(use stop_sequences\)/,
    );
    refused(
      () =>
        parseDialectRequest(
          "gemini",
          { messages: hello, contents: [{ role: "user", parts: [{ text: "hi" }] }] },
          { model: "m", stream: false },
        ),
      /messages: not a field of Gemini generateContent requests \(the conversation is contents\)/,
    );
    // Bookkeeping fields of the dialect itself are no mistake.
    const kept = parseDialectRequest("openai", { model: "m", user: "u1", store: false, messages: hello });
    assert.equal(kept.chat.messages.length, 1);
  });

  test("a conversation with nothing to answer, and a Gemini role that is neither user nor model, are refused", () => {
    refused(
      () =>
        parseDialectRequest("anthropic", {
          model: "m",
          max_tokens: 9,
          messages: [{ role: "system", content: "be brief" }],
        }),
      /messages: no user or assistant message to answer/,
    );
    refused(
      () => parseDialectRequest("openai", { model: "m", messages: [{ role: "developer", content: "x" }] }),
      /messages: no user, assistant or tool message to answer/,
    );
    refused(
      () =>
        parseDialectRequest(
          "gemini",
          { contents: [{ role: "wizard", parts: [{ text: "hi" }] }] },
          { model: "m", stream: false },
        ),
      /contents\.0\.role: expected one of "user"\|"model"/,
    );
  });

  test("Gemini's snake_case spellings are read as its camelCase ones", () => {
    const parsed = parseDialectRequest(
      "gemini",
      {
        contents: [{ role: "user", parts: [{ text: "hi" }] }],
        system_instruction: { parts: [{ text: "Be brief." }] },
        generation_config: { max_output_tokens: 64, thinking_config: { include_thoughts: true } },
      },
      { model: "m", stream: false },
    );
    assert.equal(parsed.chat.system, "Be brief.");
    assert.equal(parsed.chat.maxOutputTokens, 64);
    assert.equal(parsed.chat.thinking, true);
  });

  test("a count request needs no max_tokens, and Gemini's may wrap the whole request", () => {
    const counted = parseDialectRequest(
      "anthropic",
      { model: "m", messages: [{ role: "user", content: "hi" }] },
      undefined,
      { count: true },
    );
    assert.equal(counted.chat.maxOutputTokens, undefined);
    const wrapped = parseDialectRequest(
      "gemini",
      { generateContentRequest: { contents: [{ role: "user", parts: [{ text: "hi" }] }] } },
      { model: "m", stream: false },
      { count: true },
    );
    assert.deepEqual(wrapped.chat.messages, [{ role: "user", content: "hi" }]);
  });
});
