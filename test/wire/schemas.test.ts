// The wire schemas accept what the real APIs accept (unknown fields and block types pass) and name
// the field at fault when a required one is missing or of the wrong type.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ZodError } from "zod";
import { anthropicMessagesRequestSchema } from "../../src/wire/anthropic-messages.ts";
import { geminiGenerateContentRequestSchema } from "../../src/wire/gemini-generate-content.ts";
import { describeWireIssue } from "../../src/wire/open-union.ts";
import { openAiChatRequestSchema } from "../../src/wire/openai-chat-completions.ts";

function problem(result: { success: boolean; error?: ZodError }): string {
  assert.equal(result.success, false);
  assert.ok(result.error);
  return describeWireIssue(result.error);
}

describe("wire schemas", () => {
  test("an Anthropic request keeps unknown fields and block types, and names a bad known block", () => {
    const body = {
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "hi", cache_control: { type: "ephemeral" } },
            { type: "search_result", source: "x", title: "t", content: [] },
          ],
        },
      ],
      context_management: { edits: [] },
    };
    const parsed = anthropicMessagesRequestSchema.parse(body);
    assert.deepEqual(parsed, body);
    assert.equal(
      problem(
        anthropicMessagesRequestSchema.safeParse({
          ...body,
          messages: [{ role: "user", content: [{ type: "text" }] }],
        }),
      ),
      "messages.0.content.0.text: expected string, received undefined",
    );
    assert.equal(
      problem(anthropicMessagesRequestSchema.safeParse({ ...body, max_tokens: undefined })),
      "max_tokens: expected number, received undefined",
    );
    assert.equal(
      problem(
        anthropicMessagesRequestSchema.safeParse({ ...body, messages: [{ role: "user", content: 5 }] }),
      ),
      "messages.0.content: expected string or array",
    );
  });

  test("an OpenAI request checks roles and tool calls, and lets Moonshot's video parts through", () => {
    const body = {
      model: "kimi-k2.5",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "video_url", video_url: { url: "ms://abc" } }] },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "c1", content: "42" },
      ],
      stream_options: { include_usage: true },
    };
    assert.deepEqual(openAiChatRequestSchema.parse(body), body);
    assert.match(
      problem(openAiChatRequestSchema.safeParse({ ...body, messages: [{ role: "tool", content: "42" }] })),
      /^messages\.0\.tool_call_id: /,
    );
    assert.match(
      problem(openAiChatRequestSchema.safeParse({ ...body, messages: [{ role: "robot", content: "x" }] })),
      /^messages\.0\.role: /,
    );
  });

  test("a Gemini request needs contents with parts", () => {
    const body = {
      contents: [
        { role: "user", parts: [{ text: "hi" }, { inlineData: { mimeType: "image/png", data: "AA==" } }] },
      ],
      generationConfig: { maxOutputTokens: 10, futureSetting: true },
    };
    assert.deepEqual(geminiGenerateContentRequestSchema.parse(body), body);
    assert.equal(
      problem(geminiGenerateContentRequestSchema.safeParse({ contents: [] })),
      "contents: contents is not specified",
    );
    assert.equal(
      problem(geminiGenerateContentRequestSchema.safeParse({ contents: [{ role: "user" }] })),
      "contents.0.parts: expected array, received undefined",
    );
  });
});
