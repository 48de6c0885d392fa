// What the MCP tests run in: the four simulators accepting only each provider's canary key, a
// throwaway home whose config.yaml points every provider (native and Anthropic-compatible API) at
// them, a workspace, and a parent environment holding every canary key plus bogus endpoints.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { loadConfig } from "../../src/config/load.ts";
import { type Paths, resolvePaths } from "../../src/config/paths.ts";
import type { Config } from "../../src/config/schema/index.ts";
import { type Hub, openHub } from "../../src/hub/hub.ts";
import { MCP_PATH } from "../../src/mcp/http.ts";
import { createMcpServerFactory, type McpServerFactory } from "../../src/mcp/mcp-server.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { writeSecret } from "../../src/providers/credentials.ts";
import { createServer } from "../../src/server/app.ts";
import { listen } from "../../src/server/listen.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import type { Store } from "../../src/store/store.ts";
import { BIN } from "../support/cli.ts";
import { SIMULATOR_KEYS } from "../support/isolation.ts";
import { CANARIES, HOSTILE_ENV, type SandboxFixture, sandboxFixture } from "../support/sandbox.ts";

const REPO = join(import.meta.dirname, "..", "..");

export interface McpWorld {
  simulators: Simulators;
  fixture: SandboxFixture;
  paths: Paths;
  /** The server's environment: every provider's canary key, bogus endpoints, this home. */
  env: Record<string, string>;
  config(): Config;
  /** Rewrites config.yaml: the simulator providers plus these lines. */
  writeConfig(extra?: readonly string[]): void;
  close(): Promise<void>;
}

export async function startMcpWorld(extra: readonly string[] = []): Promise<McpWorld> {
  const cleanups: (() => void)[] = [];
  const fixture = sandboxFixture({ after: (fn) => cleanups.push(fn) });
  const simulators = await startSimulators({ keys: SIMULATOR_KEYS });
  const paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: fixture.home } });
  const { anthropic, google, zai, moonshot } = simulators.endpoints;
  const writeConfig = (lines: readonly string[] = []) => {
    writeFileSync(
      paths.configFile,
      [
        "providers:",
        `  anthropic: { baseUrl: "${anthropic.baseUrl}" }`,
        `  google: { baseUrl: "${google.baseUrl}" }`,
        `  zai: { baseUrl: "${zai.baseUrl}", anthropicBaseUrl: "${zai.anthropicBaseUrl}" }`,
        `  moonshot: { baseUrl: "${moonshot.baseUrl}", anthropicBaseUrl: "${moonshot.anthropicBaseUrl}" }`,
        "resilience: { store: memory }",
        ...lines,
        "",
      ].join("\n"),
    );
  };
  writeConfig(extra);
  // The in-process server reads keys from the home's secret files (the test's own environment has none).
  writeSecret(paths, "anthropic", CANARIES.ANTHROPIC_API_KEY);
  writeSecret(paths, "google", CANARIES.GEMINI_API_KEY);
  writeSecret(paths, "zai", CANARIES.ZAI_API_KEY);
  writeSecret(paths, "moonshot", CANARIES.MOONSHOT_API_KEY);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, ...HOSTILE_ENV })) {
    if (value !== undefined) env[name] = value;
  }
  env.AI_ORCHESTRATOR_HOME = fixture.home;
  env.PATH = `${join(REPO, "node_modules", ".bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`;
  return {
    simulators,
    fixture,
    paths,
    env,
    config: () => loadConfig(paths.configFile).config,
    writeConfig,
    close: async () => {
      await simulators.close();
      for (const cleanup of cleanups) cleanup();
    },
  };
}

export interface InProcessServer {
  hub: Hub;
  store: Store;
  factory: McpServerFactory;
  close(): Promise<void>;
}

/** The MCP server's parts built in this process, as `ai-orchestrator mcp` and `serve` build them. */
export async function inProcessServer(world: McpWorld): Promise<InProcessServer> {
  const logger = createLogger({ level: "silent" });
  const hub = await openHub({ config: world.config(), paths: world.paths, logger });
  const { store } = hub;
  if (store === undefined) throw new Error("openHub opens the store");
  const factory = createMcpServerFactory({
    hub,
    threads: store.threads,
    workspace: world.fixture.workspace,
    hostEnv: world.env,
  });
  return { hub, store, factory, close: () => hub.close() };
}

/** A v2 SDK client connected to a fresh server instance through the SDK's linked in-memory pair. */
export async function inMemoryClient(factory: McpServerFactory): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await factory().connect(serverSide);
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(clientSide);
  return client;
}

/** A v2 SDK client that spawns `ai-orchestrator mcp` in the world's workspace, as Claude Code would. */
export async function stdioClient(
  world: McpWorld,
  mode: "legacy" | "auto" = "auto",
  args: readonly string[] = [],
): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, ...args, "mcp"],
    env: world.env,
    cwd: world.fixture.workspace,
    stderr: "pipe",
  });
  const client = new Client({ name: "test", version: "1.0.0" }, { versionNegotiation: { mode } });
  await client.connect(transport);
  return client;
}

/** The text of a tool result's first content block. */
/** Calls a tool expecting a tool error (never a protocol failure); returns its message. */
export async function toolErrorOf(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.isError, true, `expected a tool error, got ${resultText(result)}`);
  return resultText(result);
}

export function resultText(result: unknown): string {
  if (typeof result !== "object" || result === null || !("content" in result)) return "";
  const content = result.content;
  if (!Array.isArray(content)) return "";
  const first: unknown = content[0];
  return typeof first === "object" && first !== null && "text" in first && typeof first.text === "string"
    ? first.text
    : "";
}

export interface HttpMcp {
  url: string;
  /** A hub key with the `mcp` scope, and one with only `chat`. */
  key: string;
  chatOnlyKey: string;
  close(): Promise<void>;
}

/** The hub's own HTTP app (`serve`) on a loopback port, /mcp included, with two keys made in its store. */
export async function serveHttpMcp(server: InProcessServer): Promise<HttpMcp> {
  const { keys } = server.hub;
  if (keys === undefined) throw new Error("openHub starts the hub keys");
  const key = (await keys.create({ name: "mcp-client", scopes: ["mcp"] }, "test")).key;
  const chatOnlyKey = (await keys.create({ name: "chat-client", scopes: ["chat"] }, "test")).key;
  const listening = await listen(createServer(server.hub).app, { host: "127.0.0.1", port: 0 });
  return {
    url: `${listening.url}${MCP_PATH}`,
    key,
    chatOnlyKey,
    close: async () => {
      await listening.drain(1000);
    },
  };
}

/** The world, the in-process server and /mcp over HTTP, as the transport and Claude Code tests use them. */
export interface ServedWorld {
  world: McpWorld;
  server: InProcessServer;
  http: HttpMcp;
  close(): Promise<void>;
}

export async function startServedWorld(): Promise<ServedWorld> {
  const world = await startMcpWorld();
  const server = await inProcessServer(world);
  const http = await serveHttpMcp(server);
  return {
    world,
    server,
    http,
    close: async () => {
      await http.close();
      await server.close();
      await world.close();
    },
  };
}

/** The default tool list, sorted. */
export const TOOL_NAMES = [
  "chat",
  "clink",
  "consensus",
  "file_ask",
  "files_list",
  "files_upload",
  "listmodels",
  "threads",
];
