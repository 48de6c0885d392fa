// What translation costs the hub per request, in CPU alone (no sockets): parsing a Claude Code-sized
// Anthropic request and an OpenAI one into the chat vocabulary, and rendering a 60-delta streamed
// answer with a tool call in each dialect. JSON.parse of the same body is shown for scale: the hub
// pays it for every request, translated or not. Medians of interleaved rounds.
// `npm run bench -- translation`
import { performance } from "node:perf_hooks";
import { parseDialectRequest, renderDialectStream } from "../src/gateway/dialects/translate.ts";
import type { ChatStreamEvent } from "../src/providers/chat.ts";

const WARMUP = 300;
const ROUNDS = 3000;

const schema = (fields: number) => ({
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: Object.fromEntries(
    Array.from({ length: fields }, (_, index) => [
      `field_${index}`,
      { type: "string", description: "x".repeat(80) },
    ]),
  ),
  required: ["field_0"],
  additionalProperties: false,
});

/** Shaped like Claude Code's first call: a long system prompt, a dozen tools, reminders, adaptive thinking. */
const anthropicBody = JSON.stringify({
  model: "claude-opus-4-1",
  max_tokens: 32000,
  stream: true,
  system: [
    { type: "text", text: "x-anthropic-billing-header: cc_version=2" },
    { type: "text", text: "You are a coding agent. ".repeat(600), cache_control: { type: "ephemeral" } },
  ],
  tools: Array.from({ length: 12 }, (_, index) => ({
    name: `Tool${index}`,
    description: "Does something useful. ".repeat(40),
    input_schema: schema(6),
  })),
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: `<system-reminder>${"context ".repeat(300)}</system-reminder>` },
        { type: "text", text: "Fix the failing test in src/app.ts" },
      ],
    },
    {
      role: "assistant",
      content: [
        { type: "text", text: "Reading the file." },
        { type: "tool_use", id: "toolu_1", name: "Tool0", input: { field_0: "src/app.ts" } },
      ],
    },
    {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "line\n".repeat(400) }],
    },
    { role: "system", content: [{ type: "text", text: "# Environment\nlinux" }] },
  ],
  metadata: { user_id: "u" },
  thinking: { type: "adaptive" },
  output_config: { effort: "medium" },
  context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
});

const openAiBody = JSON.stringify({
  model: "gpt-4.1",
  stream: true,
  stream_options: { include_usage: true },
  tools: Array.from({ length: 12 }, (_, index) => ({
    type: "function",
    function: {
      name: `tool_${index}`,
      description: "Does something useful. ".repeat(40),
      parameters: schema(6),
    },
  })),
  messages: [
    { role: "system", content: "You are a coding agent. ".repeat(600) },
    { role: "user", content: "Fix the failing test in src/app.ts" },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "tool_0", arguments: '{"field_0":"a"}' } },
      ],
    },
    { role: "tool", tool_call_id: "call_1", content: "line\n".repeat(400) },
  ],
});

const answer: ChatStreamEvent[] = [
  { type: "start", id: "up-1", model: "m" },
  ...Array.from(
    { length: 60 },
    (): ChatStreamEvent => ({ type: "text-delta", text: "some words of the answer " }),
  ),
  { type: "tool-call-delta", index: 1, id: "call_9", name: "Tool3", argumentsDelta: "" },
  { type: "tool-call-delta", index: 1, argumentsDelta: '{"field_0":' },
  { type: "tool-call-delta", index: 1, argumentsDelta: '"src/app.ts"}' },
  {
    type: "finish",
    finishReason: "tool_calls",
    rawFinishReason: "tool_calls",
    usage: { inputTokens: 9000, outputTokens: 400, totalTokens: 9400 },
  },
];

async function* replay(): AsyncGenerator<ChatStreamEvent> {
  for (const event of answer) yield event;
}

type Case = [string, () => unknown | Promise<unknown>];
const cases: Case[] = [
  [
    `JSON.parse, Anthropic body (${(anthropicBody.length / 1024).toFixed(0)} KiB)`,
    () => JSON.parse(anthropicBody),
  ],
  [
    "parse Anthropic request (incl. JSON.parse)",
    () => parseDialectRequest("anthropic", JSON.parse(anthropicBody)),
  ],
  [`JSON.parse, OpenAI body (${(openAiBody.length / 1024).toFixed(0)} KiB)`, () => JSON.parse(openAiBody)],
  ["parse OpenAI request (incl. JSON.parse)", () => parseDialectRequest("openai", JSON.parse(openAiBody))],
  ...(["anthropic", "openai", "gemini"] as const).map(
    (dialect): Case => [
      `render a 64-event stream as ${dialect}`,
      async () => {
        let bytes = 0;
        const frames = renderDialectStream(
          { dialect, includeUsage: true, streamFraming: "sse" },
          replay(),
          "m",
        );
        for await (const frame of frames) bytes += frame.length;
        return bytes;
      },
    ],
  ),
];

const samples = cases.map((): number[] => []);
for (let round = 0; round < WARMUP + ROUNDS; round += 1) {
  for (const [index, [, run]] of cases.entries()) {
    const started = performance.now();
    await run();
    if (round >= WARMUP) samples[index]?.push(performance.now() - started);
  }
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
};
process.stdout.write("| case | p50 µs | p99 µs |\n|---|---|---|\n");
for (const [index, [name]] of cases.entries()) {
  const values = samples[index] ?? [];
  process.stdout.write(
    `| ${name} | ${(percentile(values, 50) * 1000).toFixed(1)} | ${(percentile(values, 99) * 1000).toFixed(1)} |\n`,
  );
}
