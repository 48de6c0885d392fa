// Client overhead per call: the provider client's chat() and streamChat() against a raw undici
// request to the same simulator endpoint with the same body, medians over interleaved runs.
// `npm run bench -- client`
import { performance } from "node:perf_hooks";
import { Agent, request } from "undici";
import { configSchema } from "../src/config/schema/index.ts";
import { PROVIDER_APIS, type ProviderApi } from "../src/config/schema/providers.ts";
import { anthropicMessagesBody } from "../src/providers/anthropic/anthropic-chat.ts";
import { type ChatRequest, collectChatStream } from "../src/providers/chat.ts";
import { createProviderClient } from "../src/providers/clients.ts";
import { PROVIDER_DEFINITIONS } from "../src/providers/definitions.ts";
import { geminiModelPath, geminiRequestBody } from "../src/providers/google/google-chat.ts";
import { moonshotDialect } from "../src/providers/moonshot/moonshot-chat.ts";
import { openAiCompatibleBody } from "../src/providers/openai-compatible-chat.ts";
import { resolveProvider } from "../src/providers/registry.ts";
import { zaiDialect } from "../src/providers/zai/zai-chat.ts";
import { startSimulators } from "../src/simulators/index.ts";

const WARMUP = 50;
const ROUNDS = 400;
const KEY = "sk-bench";

interface Wire {
  url: string;
  streamUrl: string;
  headers: Record<string, string>;
  body: string;
  streamBody: string;
}

function wireFor(api: ProviderApi, baseUrl: string, chat: ChatRequest): Wire {
  const json = { "content-type": "application/json" };
  switch (api) {
    case "anthropic":
      return {
        url: `${baseUrl}/v1/messages`,
        streamUrl: `${baseUrl}/v1/messages`,
        headers: { ...json, "x-api-key": KEY, "anthropic-version": "2023-06-01" },
        body: JSON.stringify(anthropicMessagesBody(chat, false)),
        streamBody: JSON.stringify(anthropicMessagesBody(chat, true)),
      };
    case "google":
      return {
        url: `${baseUrl}${geminiModelPath(chat.model)}:generateContent`,
        streamUrl: `${baseUrl}${geminiModelPath(chat.model)}:streamGenerateContent?alt=sse`,
        headers: { ...json, "x-goog-api-key": KEY },
        body: JSON.stringify(geminiRequestBody(chat, baseUrl)),
        streamBody: JSON.stringify(geminiRequestBody(chat, baseUrl)),
      };
    case "zai":
    case "moonshot": {
      const dialect = api === "zai" ? zaiDialect(api) : moonshotDialect(api);
      return {
        url: `${baseUrl}/chat/completions`,
        streamUrl: `${baseUrl}/chat/completions`,
        headers: { ...json, authorization: `Bearer ${KEY}` },
        body: JSON.stringify(openAiCompatibleBody(chat, dialect, false)),
        streamBody: JSON.stringify(openAiCompatibleBody(chat, dialect, true)),
      };
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const simulators = await startSimulators();
const rows: string[] = [];
for (const api of PROVIDER_APIS) {
  const baseUrl = simulators.endpoints[api].baseUrl;
  const chat: ChatRequest = {
    model: PROVIDER_DEFINITIONS[api].models.main,
    system: "Be brief.",
    messages: [{ role: "user", content: "Summarise the benefits of connection pooling in two sentences." }],
    maxOutputTokens: 200,
  };
  const wire = wireFor(api, baseUrl, chat);
  const client = createProviderClient(
    resolveProvider(configSchema.parse({ providers: { [api]: { baseUrl } } }), api),
    KEY,
  );
  // The raw side gets a pool configured like the client's, so only the client's own work differs.
  const agent = new Agent({ connections: 16 });
  const raw = async (url: string, body: string, parseJson: boolean): Promise<void> => {
    const response = await request(url, { method: "POST", headers: wire.headers, body, dispatcher: agent });
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
    const text = await response.body.text();
    if (parseJson) JSON.parse(text);
  };
  const samples = {
    raw: [] as number[],
    client: [] as number[],
    rawStream: [] as number[],
    clientStream: [] as number[],
  };
  for (let round = 0; round < WARMUP + ROUNDS; round += 1) {
    const measured = round >= WARMUP;
    const results = [
      await time(() => raw(wire.url, wire.body, true)),
      await time(() => client.chat(chat)),
      await time(() => raw(wire.streamUrl, wire.streamBody, false)),
      await time(() => collectChatStream(api, chat.model, client.streamChat(chat))),
    ];
    if (!measured) continue;
    samples.raw.push(results[0] ?? 0);
    samples.client.push(results[1] ?? 0);
    samples.rawStream.push(results[2] ?? 0);
    samples.clientStream.push(results[3] ?? 0);
  }
  await client.close();
  await agent.close();
  const format = (value: number): string => `${(value * 1000).toFixed(0)} µs`;
  rows.push(
    `| ${api} | ${format(median(samples.raw))} | ${format(median(samples.client))} | ${format(median(samples.client) - median(samples.raw))} | ${format(median(samples.rawStream))} | ${format(median(samples.clientStream))} | ${format(median(samples.clientStream) - median(samples.rawStream))} |`,
  );
}
await simulators.close();

process.stdout.write(
  [
    `Client overhead against the simulators, median of ${ROUNDS} interleaved calls after ${WARMUP} warm-up rounds`,
    "",
    "| provider | raw undici chat | client.chat | overhead | raw undici stream (read whole) | client.streamChat (collected) | overhead |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n"),
);
