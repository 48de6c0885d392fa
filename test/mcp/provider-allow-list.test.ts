// A hub key's `--providers` allow-list over /mcp: every tool that reaches a provider (chat, consensus,
// the file tools, clink by its mode's provider, listmodels) reaches only the key's providers, fallback
// included, and a refusal is a tool error naming the provider and what the key may use. Over stdio
// (a local user, no key) nothing changes.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  type HttpMcp,
  type InProcessServer,
  inMemoryClient,
  inProcessServer,
  type McpWorld,
  resultText,
  serveHttpMcp,
  startMcpWorld,
  toolErrorOf,
} from "./mcp-world.ts";

let world: McpWorld;
let server: InProcessServer;
let http: HttpMcp;
let client: Client;

const REFUSED = (provider: string) =>
  new RegExp(`hub key aio_\\S+… may not use provider ${provider}\\b.*\\(it may use zai\\)`);

before(async () => {
  world = await startMcpWorld([
    "gateway:",
    "  models:",
    "    kimi-first: { target: moonshot/kimi-k2.5, fallbacks: [zai/glm-4.6] }",
    "    zai-first: { target: zai/glm-4.6, fallbacks: [moonshot/kimi-k2.5] }",
  ]);
  server = await inProcessServer(world);
  http = await serveHttpMcp(server);
  const { keys } = server.hub;
  if (keys === undefined) throw new Error("openHub starts the hub keys");
  const zaiOnly = (await keys.create({ name: "zai-only", scopes: ["mcp"], providers: ["zai"] }, "test")).key;
  client = new Client({ name: "allow-list", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(http.url), {
      requestInit: { headers: { authorization: `Bearer ${zaiOnly}` } },
    }),
  );
});

after(async () => {
  await client.close();
  await http.close();
  await server.close();
  await world.close();
});

beforeEach(() => {
  world.simulators.faults.clear();
  world.simulators.clearRequests();
});

/** The providers that received anything since the test began. */
function reached(): string[] {
  return [...new Set(world.simulators.requests().map((request) => request.provider))].sort();
}

async function structured(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await client.callTool({ name, arguments: args });
  assert.notEqual(result.isError, true, resultText(result));
  return Object.fromEntries(Object.entries(result.structuredContent ?? {}));
}

test("chat: a model of another provider is refused naming it and the key's list; its own answers", async () => {
  assert.match(await toolErrorOf(client, "chat", { prompt: "hi", model: "kimi-k2.5" }), REFUSED("moonshot"));
  assert.match(
    await toolErrorOf(client, "chat", { prompt: "hi", model: "anthropic/claude-sonnet-4-5" }),
    REFUSED("anthropic"),
  );
  assert.deepEqual(reached(), [], "nothing was sent to a provider");
  const answered = await structured("chat", { prompt: "hi", model: "glm-4.6" });
  assert.equal(answered.provider, "zai");
  // No model named: the first provider the key may use, not the first one configured (anthropic).
  const fallback = await structured("chat", { prompt: "hello" });
  assert.equal(fallback.provider, "zai");
  assert.deepEqual(reached(), ["zai"]);
});

test("fallback stays inside the allow-list: skips a provider the key may not use, never falls back to one", async () => {
  const skipped = await structured("chat", { prompt: "hi", model: "kimi-first" });
  assert.equal(skipped.provider, "zai");
  world.simulators.faults.inject("zai", { kind: "status", status: 503 });
  const failed = await client.callTool({ name: "chat", arguments: { prompt: "hi", model: "zai-first" } });
  assert.equal(failed.isError, true, resultText(failed));
  assert.deepEqual(reached(), ["zai"], "moonshot, the fallback, was never asked");
});

test("consensus: each model of another provider is refused; the key's own answers", async () => {
  const refused = await toolErrorOf(client, "consensus", {
    prompt: "which?",
    models: ["kimi-k2.5", "claude-sonnet-4-5"],
  });
  assert.match(refused, REFUSED("moonshot"));
  assert.match(refused, REFUSED("anthropic"));
  assert.deepEqual(reached(), []);
  const mixed = await structured("consensus", { prompt: "which?", models: ["glm-4.6", "kimi-k2.5"] });
  const answers = mixed.answers as { model: string; answered_by?: string; error?: string }[];
  assert.equal(answers[0]?.answered_by, "zai/glm-4.6");
  assert.match(answers[1]?.error ?? "", REFUSED("moonshot"));
  const weighed = await structured("consensus", {
    prompt: "which?",
    models: ["glm-4.6", "glm-4.5-air"],
    synthesis_model: "claude-sonnet-4-5",
  });
  assert.match((weighed.synthesis as { error?: string }).error ?? "", REFUSED("anthropic"));
  assert.deepEqual(reached(), ["zai"]);
});

test("file tools: an upload to another provider is refused before anything is sent", async () => {
  assert.match(
    await toolErrorOf(client, "files_upload", { paths: ["package.json"], providers: ["anthropic"] }),
    REFUSED("anthropic"),
  );
  assert.match(
    await toolErrorOf(client, "files_upload", { paths: ["package.json"], providers: ["zai", "moonshot"] }),
    REFUSED("moonshot"),
  );
  assert.deepEqual(reached(), []);
});

test("clink: a mode whose provider the key may not use is refused before its CLI starts", async () => {
  assert.match(
    await toolErrorOf(client, "clink", { mode: "kimi", prompt: "hi", timeout_s: 30 }),
    REFUSED("moonshot"),
  );
  assert.match(
    await toolErrorOf(client, "clink", { mode: "claude", prompt: "hi", timeout_s: 30 }),
    REFUSED("anthropic"),
  );
  assert.deepEqual(reached(), []);
});

test("listmodels lists, and asks, only the key's providers", async () => {
  const listed = await structured("listmodels", {});
  const providers = (listed.providers as { provider: string }[]).map((entry) => entry.provider);
  assert.deepEqual(providers, ["zai"]);
  assert.ok(
    reached().every((provider) => provider === "zai"),
    `asked ${reached().join(", ")}`,
  );
});

test("over stdio (in process, no key) every provider is reached as before", async () => {
  const local = await inMemoryClient(server.factory);
  try {
    const result = await local.callTool({ name: "chat", arguments: { prompt: "hi", model: "kimi-k2.5" } });
    assert.notEqual(result.isError, true, resultText(result));
    assert.deepEqual(reached(), ["moonshot"]);
  } finally {
    await local.close();
  }
});
