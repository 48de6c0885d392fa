// Threads belong to the hub key that started them: over /mcp (real HTTP, the v2 SDK client) another
// key's list leaves them out, and its show, chat and delete answer exactly as for an unknown id. The
// local stdio user is a third owner and sees no key's threads either.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { z } from "zod";
import { resultText, type ServedWorld, startServedWorld, stdioClient, toolErrorOf } from "./mcp-world.ts";

const chatResult = z.object({ structuredContent: z.object({ continuation_id: z.string() }) });
const listResult = z.object({
  structuredContent: z.object({ threads: z.array(z.object({ continuation_id: z.string() })) }),
});

let served: ServedWorld;
let alice: Client;
let bob: Client;

async function httpClient(key: string): Promise<Client> {
  const client = new Client({ name: "owner-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(served.http.url), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

async function listed(client: Client): Promise<string[]> {
  const result = await client.callTool({ name: "threads", arguments: { action: "list" } });
  return listResult.parse(result).structuredContent.threads.map((thread) => thread.continuation_id);
}

/** What the client is told for `id`, next to what it is told for an id no thread has. */
async function asForUnknown(
  client: Client,
  name: string,
  args: (id: string) => Record<string, unknown>,
  id: string,
): Promise<void> {
  const unknown = randomUUID();
  const told = await toolErrorOf(client, name, args(id));
  const toldUnknown = await toolErrorOf(client, name, args(unknown));
  assert.equal(told, toldUnknown.replaceAll(unknown, id), `${name} tells another owner's thread apart`);
}

before(async () => {
  served = await startServedWorld();
  const { keys } = served.server.hub;
  if (keys === undefined) throw new Error("openHub starts the hub keys");
  const bobKey = (await keys.create({ name: "bob", scopes: ["mcp"] }, "test")).key;
  alice = await httpClient(served.http.key);
  bob = await httpClient(bobKey);
});

after(async () => {
  await alice.close();
  await bob.close();
  await served.close();
});

test("another key neither lists, shows, continues nor deletes a key's thread; its owner continues it", async () => {
  const started = await alice.callTool({
    name: "chat",
    arguments: { prompt: "my secret plan", model: "glm-4.6" },
  });
  const id = chatResult.parse(started).structuredContent.continuation_id;
  assert.deepEqual(await listed(alice), [id]);

  assert.deepEqual(await listed(bob), [], "bob's list leaves alice's thread out");
  await asForUnknown(bob, "threads", (each) => ({ action: "show", continuation_id: each }), id);
  await asForUnknown(
    bob,
    "chat",
    (each) => ({ prompt: "what was it?", continuation_id: each, model: "glm-4.6" }),
    id,
  );
  await asForUnknown(bob, "threads", (each) => ({ action: "delete", continuation_id: each }), id);

  const continued = await alice.callTool({
    name: "chat",
    arguments: { prompt: "and the next step?", continuation_id: id, model: "glm-4.6" },
  });
  assert.equal(continued.isError, undefined, resultText(continued));
  const shown = await alice.callTool({ name: "threads", arguments: { action: "show", continuation_id: id } });
  const text = resultText(shown);
  assert.match(text, /my secret plan/);
  assert.match(text, /and the next step\?/);
  assert.doesNotMatch(text, /what was it\?/, "bob's refused chat added nothing to alice's thread");

  const local = await stdioClient(served.world);
  try {
    assert.deepEqual(await listed(local), [], "the local stdio user sees no key's threads");
  } finally {
    await local.close();
  }

  await asForUnknown(bob, "threads", (each) => ({ action: "delete", continuation_id: each }), id);
  const deleted = await alice.callTool({
    name: "threads",
    arguments: { action: "delete", continuation_id: id },
  });
  assert.equal(resultText(deleted), `deleted thread ${id}`);
  assert.deepEqual(await listed(alice), []);
});
