// The cost of the MCP layer: a `chat` tool call (v2 SDK client → server → chat service → Z.ai
// simulator, thread stored in SQLite) against the same provider call made directly through the
// hub's chat service, over stdio (`ai-orchestrator mcp` spawned) and over stateless HTTP (/mcp);
// and the size of the tool list a client puts in its model's context.
// `npm run bench -- mcp`
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { serve } from "@hono/node-server";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { Hono } from "hono";
import { AuditTrail } from "../src/audit/audit-trail.ts";
import { HubKeys } from "../src/auth/hub-keys.ts";
import { loadConfig } from "../src/config/load.ts";
import { resolvePaths } from "../src/config/paths.ts";
import { createHub } from "../src/hub/hub.ts";
import { createMcpHttpEndpoint, hubKeyCheck, MCP_PATH, mountMcp } from "../src/mcp/http.ts";
import { createMcpServerFactory } from "../src/mcp/mcp-server.ts";
import { createLogger } from "../src/observability/logger.ts";
import { writeSecret } from "../src/providers/credentials.ts";
import { startSimulators } from "../src/simulators/index.ts";
import { openStore } from "../src/store/store.ts";

const WARMUP = 20;
const ROUNDS = 150;
const BIN = join(import.meta.dirname, "..", "bin", "ai-orchestrator.js");
const PROMPT = "Summarise the benefits of connection pooling in two sentences.";

const home = mkdtempSync(join(tmpdir(), "aio-bench-mcp-"));
const simulators = await startSimulators({ providers: ["zai"] });
const paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: home } });
writeFileSync(
  paths.configFile,
  `providers:\n  zai: { baseUrl: "${simulators.endpoints.zai.baseUrl}" }\nresilience: { store: memory }\n`,
);
writeSecret(paths, "zai", "zai-bench-key");
const config = loadConfig(paths.configFile).config;
const logger = createLogger({ level: "silent" });
const hub = createHub({ config, paths, logger });
const chat = hub.chat;
const store = await openStore({ paths, logger });
const factory = createMcpServerFactory({ hub, threads: store.threads, workspace: home });

const keys = new HubKeys({
  keys: store.keys,
  changes: store.keyChanges,
  audit: new AuditTrail({ log: store.audit }),
  logger,
});
const KEY = (await keys.create({ name: "bench", scopes: ["mcp"] }, "bench")).key;
const endpoint = createMcpHttpEndpoint(factory, { logger, authorize: hubKeyCheck(keys) });
const app = new Hono();
mountMcp(app, endpoint);
const listening = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const running = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(running));
});
const address = listening.address();
if (address === null || typeof address === "string") throw new Error("no TCP port");

const httpClient = new Client({ name: "bench", version: "1" }, { versionNegotiation: { mode: "auto" } });
await httpClient.connect(
  new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${address.port}${MCP_PATH}`), {
    requestInit: { headers: { authorization: `Bearer ${KEY}` } },
  }),
);
const stdioClient = new Client({ name: "bench", version: "1" }, { versionNegotiation: { mode: "auto" } });
await stdioClient.connect(
  new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "mcp"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", AI_ORCHESTRATOR_HOME: home },
    cwd: home,
  }),
);

const toolCall = (client: Client) => async () => {
  const result = await client.callTool({ name: "chat", arguments: { prompt: PROMPT, model: "glm-4.6" } });
  if (result.isError) throw new Error(JSON.stringify(result.content));
};
const runs: Record<string, () => Promise<unknown>> = {
  direct: () => chat.chat({ model: "glm-4.6", prompt: PROMPT }),
  stdio: toolCall(stdioClient),
  http: toolCall(httpClient),
};
const samples: Record<string, number[]> = { direct: [], stdio: [], http: [] };
for (let round = 0; round < WARMUP + ROUNDS; round += 1) {
  for (const [name, run] of Object.entries(runs)) {
    const start = performance.now();
    await run();
    if (round >= WARMUP) samples[name]?.push(performance.now() - start);
  }
}
const { tools } = await httpClient.listTools();
const toolListChars = JSON.stringify(tools).length;

await stdioClient.close();
await httpClient.close();
await endpoint.close();
await keys.close();
await new Promise<void>((resolve) => listening.close(() => resolve()));
await store.close();
await hub.close();
await simulators.close();
rmSync(home, { recursive: true, force: true });

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}
const ms = (value: number): string => `${value.toFixed(2)} ms`;
const direct = percentile(samples.direct ?? [], 0.5);
const row = (name: string, label: string): string => {
  const values = samples[name] ?? [];
  const p50 = percentile(values, 0.5);
  return `| ${label} | ${ms(p50)} | ${ms(percentile(values, 0.9))} | ${name === "direct" ? "—" : ms(p50 - direct)} |`;
};
process.stdout.write(
  [
    `chat through MCP against the same call made directly (Z.ai simulator, glm-4.6), ${ROUNDS} interleaved calls after ${WARMUP} warm-up rounds`,
    "",
    "| path | p50 | p90 | added (p50) |",
    "|---|---|---|---|",
    row("direct", "chat service, in process"),
    row("stdio", "`chat` tool over stdio (`ai-orchestrator mcp`)"),
    row("http", "`chat` tool over HTTP (/mcp, stateless, 2026-07-28)"),
    "",
    `Default tool list: ${tools.length} tools, ${toolListChars} characters of JSON (limit 10,000).`,
    "",
  ].join("\n"),
);
