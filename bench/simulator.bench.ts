// Simulator capacity: requests per second for a small non-streaming chat over keep-alive (bounded
// loop, 127.0.0.1 only), and streaming latency to the first event and to the end of the stream.
// `npm run bench -- simulator`
import { performance } from "node:perf_hooks";
import { Agent, request } from "undici";
import { PROVIDER_APIS, type ProviderApi } from "../src/config/schema/index.ts";
import { startSimulators } from "../src/simulators/index.ts";

const THROUGHPUT_REQUESTS = 4000;
const CONCURRENCY = 16;
const STREAM_ROUNDS = 300;
const WARMUP = 100;

interface Call {
  url: string;
  headers: Record<string, string>;
  body: (stream: boolean) => string;
}

function callFor(api: ProviderApi, baseUrl: string): Call {
  const headers = { "content-type": "application/json", authorization: "Bearer sk-bench" };
  const messages = [{ role: "user", content: "benchmark prompt" }];
  switch (api) {
    case "anthropic":
      return {
        url: `${baseUrl}/v1/messages`,
        headers: { ...headers, "anthropic-version": "2023-06-01" },
        body: (stream) => JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 64, messages, stream }),
      };
    case "google":
      return {
        url: `${baseUrl}/v1beta/models/gemini-2.5-flash:`,
        headers: { "content-type": "application/json", "x-goog-api-key": "bench" },
        body: () => JSON.stringify({ contents: [{ role: "user", parts: [{ text: "benchmark prompt" }] }] }),
      };
    case "zai":
      return {
        url: `${baseUrl}/chat/completions`,
        headers,
        body: (stream) =>
          JSON.stringify({ model: "glm-4.6", messages, stream, thinking: { type: "disabled" } }),
      };
    case "moonshot":
      return {
        url: `${baseUrl}/chat/completions`,
        headers,
        body: (stream) => JSON.stringify({ model: "kimi-k2-turbo-preview", messages, stream }),
      };
  }
}

function urlFor(api: ProviderApi, call: Call, stream: boolean): string {
  if (api !== "google") return call.url;
  return `${call.url}${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
const percentile = (values: number[], fraction: number): number => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
};

const simulators = await startSimulators({ host: "127.0.0.1" });
const rows: string[] = [];
try {
  for (const api of PROVIDER_APIS) {
    const call = callFor(api, simulators.endpoints[api].baseUrl);
    const dispatcher = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 });
    const chat = async (): Promise<void> => {
      const response = await request(urlFor(api, call, false), {
        method: "POST",
        headers: call.headers,
        body: call.body(false),
        dispatcher,
      });
      if (response.statusCode !== 200) throw new Error(`${api}: HTTP ${response.statusCode}`);
      await response.body.arrayBuffer();
    };
    for (let index = 0; index < WARMUP; index += 1) await chat();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < THROUGHPUT_REQUESTS) {
          next += 1;
          await chat();
        }
      }),
    );
    const perSecond = THROUGHPUT_REQUESTS / ((performance.now() - started) / 1000);

    const firstEvent: number[] = [];
    const whole: number[] = [];
    for (let round = 0; round < STREAM_ROUNDS + WARMUP; round += 1) {
      const began = performance.now();
      const response = await request(urlFor(api, call, true), {
        method: "POST",
        headers: call.headers,
        body: call.body(true),
        dispatcher,
      });
      let first: number | undefined;
      for await (const _chunk of response.body) first ??= performance.now() - began;
      if (round >= WARMUP) {
        firstEvent.push(first ?? 0);
        whole.push(performance.now() - began);
      }
    }
    await dispatcher.close();
    simulators.clearRequests();
    rows.push(
      `| ${api.padEnd(9)} | ${Math.round(perSecond).toString().padStart(6)} req/s | ${(median(firstEvent) * 1000).toFixed(0)} µs | ${(median(whole) * 1000).toFixed(0)} µs | ${(percentile(whole, 0.99) * 1000).toFixed(0)} µs |`,
    );
  }
} finally {
  await simulators.close();
}

process.stdout.write(
  `Non-streaming chat: ${THROUGHPUT_REQUESTS} requests, ${CONCURRENCY} concurrent over keep-alive. Streams: ${STREAM_ROUNDS} sequential, medians.\n\n`,
);
process.stdout.write(
  "| provider  | chat throughput | stream: first event | stream: whole | stream: p99 whole |\n",
);
process.stdout.write(
  "| --------- | --------------- | ------------------- | ------------- | ----------------- |\n",
);
for (const row of rows) process.stdout.write(`${row}\n`);
