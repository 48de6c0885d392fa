// Threads live in the store, not in a server's memory: a thread started by one `ai-orchestrator mcp`
// process is continued by another started after the first has exited, and the provider receives
// the earlier turns.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type McpWorld, resultText, startMcpWorld, stdioClient } from "./mcp-world.ts";

let world: McpWorld;

before(async () => {
  world = await startMcpWorld();
});

after(() => world.close());

test("a thread started in one server process is continued by another after the first exited", async () => {
  const first = await stdioClient(world);
  const started = await first.callTool({
    name: "chat",
    arguments: { prompt: "The password is heliotrope.", model: "glm-4.6" },
  });
  const id = (started.structuredContent as { continuation_id: string }).continuation_id;
  await first.close();

  world.simulators.clearRequests();
  const second = await stdioClient(world);
  const continued = await second.callTool({
    name: "chat",
    arguments: { prompt: "What is the password?", continuation_id: id },
  });
  await second.close();
  assert.equal(resultText(continued), "Simulated Z.ai reply to: What is the password?");

  const [request] = world.simulators.requests().filter((entry) => entry.method === "POST");
  const sent = JSON.parse(request?.body ?? "{}") as {
    model: string;
    messages: { role: string; content: string }[];
  };
  assert.equal(sent.model, "glm-4.6", "the thread went on with its model");
  assert.deepEqual(
    sent.messages.map((message) => [message.role, message.content]),
    [
      ["user", "The password is heliotrope."],
      ["assistant", "Simulated Z.ai reply to: The password is heliotrope."],
      ["user", "What is the password?"],
    ],
  );
});
