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
import { type ServedWorld, startServedWorld } from "./mcp-world.ts";

let served: ServedWorld;
before(async () => {
  served = await startServedWorld();
});
after(() => served.close());

beforeEach(() => {
  served.world.simulators.clearRequests();
  served.world.simulators.scripts.clear();
});

/** What the scripted model does: select the deferred tool and call it; its next reply quotes the result. */
function scriptToolCall(question: string): void {
  served.world.simulators.scripts.arm(
    "anthropic",
    { kind: "tool_use", name: "ToolSearch", input: { query: "select:mcp__aio__chat", max_results: 1 } },
    { kind: "tool_use", name: "mcp__aio__chat", input: { prompt: question, model: "glm-4.6" } },
  );
}

async function runClaude(mcpServer: unknown, question: string): Promise<string> {
  const mcpConfig = join(served.world.fixture.workspace, "mcp.json");
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
    { env: served.world.env, cwd: served.world.fixture.workspace, timeoutMs: 180_000 },
  );
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

function assertToolWasUsed(question: string, stdout: string): void {
  // The final answer is the scripted model's reply to the tool's result, which quotes it.
  assert.match(stdout, /reply to: tool result /);
  assert.ok(stdout.includes(`Simulated Z.ai reply to: ${question}`), stdout);
  const zai = served.world.simulators
    .requests()
    .filter((entry) => entry.provider === "zai" && entry.method === "POST");
  assert.equal(zai.length, 1, "the chat tool asked Z.ai once");
  assert.deepEqual(served.world.simulators.scripts.pending("anthropic"), [], "every scripted step was used");
}

test("Claude Code calls chat on `ai-orchestrator mcp` (stdio) and answers with its result", async () => {
  const question = "Is 17 prime?";
  scriptToolCall(question);
  const stdout = await runClaude(
    {
      command: process.execPath,
      args: [BIN, "mcp"],
      env: { AI_ORCHESTRATOR_HOME: served.world.fixture.home },
    },
    question,
  );
  assertToolWasUsed(question, stdout);
});

test("Claude Code calls chat on the hub's /mcp with a key header and answers with its result", async () => {
  const question = "Is 19 prime?";
  scriptToolCall(question);
  const stdout = await runClaude(
    { type: "http", url: served.http.url, headers: { Authorization: `Bearer ${served.http.key}` } },
    question,
  );
  assertToolWasUsed(question, stdout);
});
