// The MCP tools through the SDK's own client on a linked in-memory pair, against the simulators:
// answers, threads, consensus with a failing provider, model listing, bad input as tool errors,
// progress and cancellation.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, test } from "node:test";
import type { Client } from "@modelcontextprotocol/client";
import { LOCAL_THREAD_OWNER } from "../../src/store/repositories.ts";
import {
  type InProcessServer,
  inMemoryClient,
  inProcessServer,
  type McpWorld,
  resultText,
  startMcpWorld,
  TOOL_NAMES,
  toolErrorOf,
} from "./mcp-world.ts";

let world: McpWorld;
let server: InProcessServer;
let client: Client;

before(async () => {
  world = await startMcpWorld([
    "gateway:",
    "  models:",
    "    coder: { target: zai/glm-4.6, fallbacks: [moonshot/kimi-k2.5] }",
    "mcp:",
    "  maxPromptChars: 5000",
    "  threads: { maxTurns: 4 }",
  ]);
  server = await inProcessServer(world);
  client = await inMemoryClient(server.factory);
});

after(async () => {
  await client.close();
  await server.close();
  await world.close();
});

beforeEach(() => {
  world.simulators.faults.clear();
  world.simulators.clearRequests();
});

interface ChatStructured {
  answer: string;
  continuation_id: string;
  provider: string;
  model: string;
  usage: { inputTokens: number } | null;
  fallbacks: { provider: string; reason: string }[];
}

async function chat(args: Record<string, unknown>): Promise<{ text: string; structured: ChatStructured }> {
  const result = await client.callTool({ name: "chat", arguments: args });
  assert.notEqual(result.isError, true, resultText(result));
  return { text: resultText(result), structured: result.structuredContent as unknown as ChatStructured };
}

function toolError(name: string, args: Record<string, unknown>): Promise<string> {
  return toolErrorOf(client, name, args);
}

test("the default tool list is the eight tools and stays under 10,000 characters of JSON", async () => {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), TOOL_NAMES);
  const size = JSON.stringify(tools).length;
  assert.ok(size < 10_000, `tool list is ${size} characters`);
  for (const tool of tools) assert.ok((tool.description ?? "").length > 20, `${tool.name} says what it does`);
});

test("chat answers through the gateway and returns the thread, provider, model and usage", async () => {
  const { text, structured } = await chat({ prompt: "Is 17 prime?", model: "glm-4.6" });
  assert.equal(text, "Simulated Z.ai reply to: Is 17 prime?");
  assert.equal(structured.answer, text);
  assert.equal(structured.provider, "zai");
  assert.equal(structured.model, "glm-4.6");
  assert.ok((structured.usage?.inputTokens ?? 0) > 0);
  assert.deepEqual(structured.fallbacks, []);
  assert.match(structured.continuation_id, /^[0-9a-f-]{36}$/);
});

test("a continued thread sends the earlier turns and may switch provider mid-thread", async () => {
  const first = await chat({ prompt: "Remember the word teal.", model: "zai/glm-4.6" });
  const id = first.structured.continuation_id;
  world.simulators.clearRequests();

  const second = await chat({ prompt: "Which word?", continuation_id: id, model: "kimi-k2-turbo-preview" });
  assert.equal(second.structured.provider, "moonshot");
  const [request] = world.simulators.requests().filter((entry) => entry.method === "POST");
  assert.equal(request?.provider, "moonshot");
  const sent = JSON.parse(request?.body ?? "{}") as { messages: { role: string; content: string }[] };
  assert.deepEqual(
    sent.messages.map((message) => [message.role, message.content]),
    [
      ["user", "Remember the word teal."],
      ["assistant", "Simulated Z.ai reply to: Remember the word teal."],
      ["user", "Which word?"],
    ],
  );

  const shown = await client.callTool({
    name: "threads",
    arguments: { action: "show", continuation_id: id },
  });
  assert.match(resultText(shown), /assistant \(moonshot\/kimi-k2-turbo-preview\)/);
});

test("a thread at its turn limit is refused with what to do, and nothing is sent", async () => {
  const first = await chat({ prompt: "one", model: "glm-4.6" });
  const id = first.structured.continuation_id;
  // No model named: the thread goes on with the one that answered last.
  const second = await chat({ prompt: "two", continuation_id: id });
  assert.equal(`${second.structured.provider}/${second.structured.model}`, "zai/glm-4.6");
  world.simulators.clearRequests();
  const message = await toolError("chat", { prompt: "three", continuation_id: id });
  assert.match(message, /has 4 turns and may hold 4 \(mcp\.threads\.maxTurns\); leave continuation_id out/);
  assert.equal(world.simulators.requests().length, 0);
});

test("bad input is a tool error naming the problem, never a protocol failure", async () => {
  assert.match(await toolError("chat", { prompt: 42 }), /prompt/);
  assert.match(
    await toolError("chat", { prompt: " \n\t", model: "glm-4.6" }),
    /prompt.*is empty: say what to ask/s,
  );
  assert.match(
    await toolError("consensus", { prompt: "", models: ["glm-4.6", "kimi-k2.5"] }),
    /prompt.*is empty: say what to ask/s,
  );
  assert.match(
    await toolError("chat", { prompt: "hi", model: "nonesuch-1" }),
    /unknown model "nonesuch-1".*provider\/model/,
  );
  assert.match(
    await toolError("chat", { prompt: "hi", continuation_id: "no-such-thread" }),
    /unknown continuation_id "no-such-thread".*leave continuation_id out/,
  );
  assert.match(
    await toolError("chat", { prompt: "x".repeat(5001), model: "glm-4.6" }),
    /prompt is 5001 characters; the limit is 5000 \(mcp\.maxPromptChars\)/,
  );
  assert.match(await toolError("clink", { mode: "nonesuch", prompt: "hi" }), /unknown mode "?nonesuch"?/);
  assert.match(await toolError("consensus", { prompt: "hi", models: ["glm-4.6"] }), /models/);
  assert.match(await toolError("threads", { action: "show" }), /give the thread's continuation_id/);
  assert.match(
    await toolError("chat", { prompt: "hi", model: "glm-4.6", files: ["../../etc/passwd"] }),
    /outside the workspace|not found/,
  );
  assert.equal(world.simulators.requests().length, 0, "nothing reached a provider");
});

test("an expired continuation_id is refused with its age and the setting", async () => {
  const { structured } = await chat({ prompt: "old news", model: "glm-4.6" });
  // Age the thread in the store itself: its turns were appended 40 days ago.
  const thread = await server.store.threads.get(LOCAL_THREAD_OWNER, structured.continuation_id);
  assert.ok(thread);
  await server.store.threads.delete(LOCAL_THREAD_OWNER, thread.id);
  const longAgo = Date.now() - 40 * 24 * 60 * 60 * 1000;
  await server.store.threads.append(
    LOCAL_THREAD_OWNER,
    thread.id,
    thread.turns.map((turn) => ({ ...turn, at: longAgo })),
  );
  assert.equal(
    (await server.store.threads.get(LOCAL_THREAD_OWNER, thread.id))?.updatedAt,
    longAgo,
    "a thread is as old as its last turn",
  );
  const message = await toolError("chat", { prompt: "still there?", continuation_id: thread.id });
  assert.match(
    message,
    /has expired: its last turn was 40 days ago and threads last 30 days \(mcp\.threads\.maxAgeDays\)/,
  );
});

test("consensus asks every model in parallel; a failing provider is reported and the others answer", async () => {
  world.simulators.faults.inject("moonshot", { kind: "status", status: 401 });
  // Each answer is held back a while: asked one after another, the requests would arrive that far apart.
  world.simulators.faults.inject("zai", { kind: "latency", ms: 1500, times: 1 });
  world.simulators.faults.inject("google", { kind: "latency", ms: 1500, times: 1 });
  const result = await client.callTool({
    name: "consensus",
    arguments: {
      prompt: "Tabs or spaces?",
      models: ["glm-4.6", "kimi-k2-turbo-preview", "gemini-2.5-flash"],
      synthesis_model: "claude-sonnet-4-5",
    },
  });
  assert.notEqual(result.isError, true, resultText(result));
  const structured = result.structuredContent as {
    answers: { model: string; text?: string; error?: string }[];
    synthesis?: { text?: string };
  };
  const byModel = new Map(structured.answers.map((answer) => [answer.model, answer]));
  assert.equal(byModel.get("glm-4.6")?.text, "Simulated Z.ai reply to: Tabs or spaces?");
  assert.equal(byModel.get("gemini-2.5-flash")?.text, "Simulated Gemini reply to: Tabs or spaces?");
  assert.match(byModel.get("kimi-k2-turbo-preview")?.error ?? "", /moonshot/i);
  assert.match(structured.synthesis?.text ?? "", /^Simulated Anthropic reply to: Several models answered/);
  assert.match(resultText(result), /## kimi-k2-turbo-preview \(failed\)/);

  const posts = world.simulators.requests().filter((entry) => entry.method === "POST");
  const asked = posts.filter((entry) => entry.provider !== "anthropic").map((entry) => entry.at);
  assert.ok(
    Math.max(...asked) - Math.min(...asked) < 1500,
    "every model was asked before the first answered",
  );
  assert.equal(posts.at(-1)?.provider, "anthropic", "the synthesis came after every answer");
});

test("listmodels lists each provider's models, the aliases and an open breaker", async () => {
  // A provider failing often enough opens its circuit, which listmodels shows.
  world.simulators.faults.inject("google", { kind: "status", status: 503 });
  for (
    let attempt = 0;
    attempt < 8 && server.hub.resilience.status("google").breaker === "closed";
    attempt += 1
  ) {
    await client.callTool({ name: "chat", arguments: { prompt: "hi", model: "google/gemini-2.5-flash" } });
  }
  world.simulators.faults.clear();
  const result = await client.callTool({ name: "listmodels", arguments: {} });
  const text = resultText(result);
  assert.match(text, /^zai: .*glm-4\.6/m);
  assert.match(text, /^anthropic: .*claude-sonnet-4-5/m);
  assert.match(text, /coder → zai\/glm-4\.6 \(then moonshot\/kimi-k2\.5\)/);
  assert.match(text, /^google \[circuit open\]/m);
  const structured = result.structuredContent as { providers: { provider: string; breaker: string }[] };
  assert.equal(structured.providers.find((entry) => entry.provider === "google")?.breaker, "open");

  // Cached: a second listing does not ask the providers again.
  world.simulators.clearRequests();
  await client.callTool({ name: "listmodels", arguments: {} });
  assert.equal(world.simulators.requests().filter((entry) => entry.path.includes("models")).length, 0);
});

test("threads lists newest first, shows turns with who answered, and deletes", async () => {
  const older = await chat({ prompt: "first thread", model: "glm-4.6" });
  const newer = await chat({ prompt: "second thread", model: "glm-4.6" });
  const listed = await client.callTool({ name: "threads", arguments: { action: "list" } });
  const ids = (listed.structuredContent as { threads: { continuation_id: string }[] }).threads.map(
    (thread) => thread.continuation_id,
  );
  assert.ok(ids.indexOf(newer.structured.continuation_id) < ids.indexOf(older.structured.continuation_id));

  const deleted = await client.callTool({
    name: "threads",
    arguments: { action: "delete", continuation_id: older.structured.continuation_id },
  });
  assert.match(resultText(deleted), /deleted thread/);
  assert.match(
    await toolError("chat", { prompt: "back?", continuation_id: older.structured.continuation_id }),
    /unknown continuation_id/,
  );
});

test("chat attaches workspace files", async () => {
  writeFileSync(join(world.fixture.workspace, "notes.md"), "The secret colour is teal.\n");
  await chat({ prompt: "What colour?", model: "glm-4.6", files: ["notes.md"] });
  const posts = world.simulators.requests().filter((entry) => entry.method === "POST");
  assert.ok(
    posts.some((entry) => entry.body.includes("The secret colour is teal.")),
    "the file reached Z.ai",
  );
});

test("a long chat sends progress notifications", async () => {
  world.simulators.faults.inject("zai", { kind: "latency", ms: 1200, times: 1 });
  const progress: string[] = [];
  const result = await client.callTool(
    { name: "chat", arguments: { prompt: "slowly", model: "glm-4.6" } },
    { onprogress: (update) => progress.push(update.message ?? "") },
  );
  assert.notEqual(result.isError, true);
  assert.ok(
    progress.some((message) => message.includes("zai/glm-4.6")),
    progress.join(" | "),
  );
});

test("cancelling a chat aborts the provider call in flight", async () => {
  world.simulators.faults.inject("zai", { kind: "hang", times: 1 });
  const controller = new AbortController();
  const call = client.callTool(
    { name: "chat", arguments: { prompt: "never answered", model: "glm-4.6" } },
    { signal: controller.signal },
  );
  await waitFor(() => server.hub.resilience.status("zai").bulkhead.inFlight === 1, "the call reached zai");
  controller.abort();
  await assert.rejects(call, /abort/i);
  await waitFor(
    () => server.hub.resilience.status("zai").bulkhead.inFlight === 0,
    "the zai call was aborted",
  );
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
