// The real Claude Code as the MCP client, launched as the `claude` mode against the Anthropic
// simulator, which is scripted to behave like a model using our tool: first select it through
// Claude Code's ToolSearch (MCP tools are deferred), then call `chat`, then report what it said. The
// tool asks the Z.ai simulator, and Claude Code's final answer must carry that reply. Once with
// `ai-orchestrator mcp` on stdio, once with /mcp over HTTP and a hub key header.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { BIN, runCli } from "../support/cli.ts";
import {
  type HttpMcp,
  type InProcessServer,
  inProcessServer,
  type McpWorld,
  serveHttpMcp,
  startMcpWorld,
} from "./mcp-world.ts";

let world: McpWorld;
let server: InProcessServer;
let http: HttpMcp;

before(async () => {
  world = await startMcpWorld();
  server = await inProcessServer(world);
  http = await serveHttpMcp(server, world);
});

after(async () => {
  await http.close();
  await server.close();
  await world.close();
});

beforeEach(() => {
  world.simulators.clearRequests();
  world.simulators.scripts.clear();
});

/** What the scripted model does: select the deferred tool, call it, then quote its result. */
function scriptToolCall(question: string): void {
  world.simulators.scripts.arm(
    "anthropic",
    { kind: "tool_use", name: "ToolSearch", input: { query: "select:mcp__aio__chat", max_results: 1 } },
    { kind: "tool_use", name: "mcp__aio__chat", input: { prompt: question, model: "glm-4.6" } },
    { kind: "quote_tool_result", prefix: "GLM says: " },
  );
}

async function runClaude(mcpServer: unknown, question: string): Promise<string> {
  const mcpConfig = join(world.fixture.workspace, "mcp.json");
  writeFileSync(mcpConfig, JSON.stringify({ mcpServers: { aio: mcpServer } }));
  const result = await runCli(
    [
      "--runtime",
      "process",
      "claude",
      "-p",
      `Ask GLM: ${question}`,
      "--mcp-config",
      mcpConfig,
      "--strict-mcp-config",
      "--allowedTools",
      "mcp__aio__chat",
    ],
    { env: world.env, cwd: world.fixture.workspace, timeoutMs: 180_000 },
  );
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

function assertToolWasUsed(question: string, stdout: string): void {
  assert.match(stdout, new RegExp(`GLM says: .*Simulated Z\\.ai reply to: ${question}`));
  const zai = world.simulators
    .requests()
    .filter((entry) => entry.provider === "zai" && entry.method === "POST");
  assert.equal(zai.length, 1, "the chat tool asked Z.ai once");
  assert.deepEqual(world.simulators.scripts.pending("anthropic"), [], "every scripted step was used");
}

test("Claude Code calls chat on `ai-orchestrator mcp` (stdio) and answers with its result", async () => {
  const question = "Is 17 prime?";
  scriptToolCall(question);
  const stdout = await runClaude(
    { command: process.execPath, args: [BIN, "mcp"], env: { AI_ORCHESTRATOR_HOME: world.fixture.home } },
    question,
  );
  assertToolWasUsed(question, stdout);
});

test("Claude Code calls chat on the hub's /mcp with a key header and answers with its result", async () => {
  const question = "Is 19 prime?";
  scriptToolCall(question);
  const stdout = await runClaude(
    { type: "http", url: http.url, headers: { Authorization: `Bearer ${http.key}` } },
    question,
  );
  assertToolWasUsed(question, stdout);
});
