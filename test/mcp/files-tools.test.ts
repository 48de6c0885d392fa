// The MCP file tools through the SDK's client on an in-memory pair, against the simulators: uploads
// deduplicated through the registry, the listing, a question about a file answered by a provider
// that received the file's content, and bad input as tool errors naming the problem.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, test } from "node:test";
import type { Client } from "@modelcontextprotocol/client";
import {
  type InProcessServer,
  inMemoryClient,
  inProcessServer,
  type McpWorld,
  resultText,
  startMcpWorld,
  toolErrorOf,
} from "./mcp-world.ts";

let world: McpWorld;
let server: InProcessServer;
let client: Client;

before(async () => {
  world = await startMcpWorld();
  server = await inProcessServer(world);
  client = await inMemoryClient(server.factory);
});

after(async () => {
  await client.close();
  await server.close();
  await world.close();
});

beforeEach(() => {
  world.simulators.clearRequests();
});

interface Upload {
  sha256: string;
  provider: string;
  remoteId: string;
  dedup: boolean;
}

async function call(name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  assert.notEqual(result.isError, true, resultText(result));
  return result;
}

function toolError(name: string, args: Record<string, unknown>): Promise<string> {
  return toolErrorOf(client, name, args);
}

/** File uploads each provider's simulator received. */
function uploadsByProvider(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of world.simulators.requests()) {
    if (request.method === "POST" && /\/files(\?|$)/.test(request.path))
      counts[request.provider] = (counts[request.provider] ?? 0) + 1;
  }
  return counts;
}

function workspaceFile(name: string, content: string): string {
  writeFileSync(join(world.fixture.workspace, name), content);
  return createHash("sha256").update(content).digest("hex");
}

test("files_upload sends one file to two providers once; the same again is a dedup hit", async () => {
  const sha256 = workspaceFile("report.txt", "Quarterly report: revenue rose 12 percent.\n");
  const first = await call("files_upload", { paths: ["report.txt"], providers: ["moonshot", "zai"] });
  const uploads = (first.structuredContent as { uploads: Upload[] }).uploads;
  assert.deepEqual(
    uploads.map((upload) => [upload.provider, upload.sha256, upload.dedup]),
    [
      ["moonshot", sha256, false],
      ["zai", sha256, false],
    ],
  );
  assert.ok(uploads.every((upload) => upload.remoteId !== ""));
  assert.deepEqual(uploadsByProvider(), { moonshot: 1, zai: 1 });

  const again = await call("files_upload", { paths: ["report.txt"], providers: ["zai", "moonshot"] });
  const repeated = (again.structuredContent as { uploads: Upload[] }).uploads;
  assert.ok(
    repeated.every((upload) => upload.dedup),
    resultText(again),
  );
  assert.deepEqual(
    repeated.map((upload) => upload.remoteId).sort(),
    uploads.map((upload) => upload.remoteId).sort(),
  );
  assert.match(resultText(again), /dedup hit/);
  assert.deepEqual(uploadsByProvider(), { moonshot: 1, zai: 1 }, "the second upload sent nothing");

  const listed = await call("files_list", {});
  const files = (listed.structuredContent as { files: { sha256: string; copies: { provider: string }[] }[] })
    .files;
  const entry = files.find((file) => file.sha256 === sha256);
  assert.deepEqual(entry?.copies.map((copy) => copy.provider).sort(), ["moonshot", "zai"]);
  assert.match(resultText(listed), new RegExp(`${sha256} report.txt .*: (moonshot, zai|zai, moonshot)`));
});

test("file_ask registers the file once and the answering provider receives its content", async () => {
  const sha256 = workspaceFile("notes.txt", "The launch code word is heliotrope.\n");
  const args = { file: "notes.txt", question: "What is the code word?", model: "moonshot/kimi-k2.5" };
  const first = await call("file_ask", args);
  const structured = first.structuredContent as {
    answer: string;
    provider: string;
    sha256: string;
    dedup: boolean;
  };
  assert.equal(structured.provider, "moonshot");
  assert.equal(structured.sha256, sha256);
  assert.equal(structured.dedup, false);
  assert.match(resultText(first), /What is the code word\?/);
  const chats = world.simulators
    .requests()
    .filter((request) => request.provider === "moonshot" && request.path.includes("/chat/completions"));
  assert.equal(chats.length, 1);
  assert.match(chats[0]?.body ?? "", /heliotrope/, "the file's content reached the provider");

  // Asked again by its sha256: the registry's copy is reused.
  const second = await call("file_ask", { ...args, file: sha256.slice(0, 12) });
  assert.equal((second.structuredContent as { dedup: boolean }).dedup, true);
  const listed = await call("files_list", {});
  assert.match(resultText(listed), new RegExp(`${sha256} notes.txt .*: moonshot`));
});

test("bad input is a tool error naming the problem, and nothing is uploaded", async () => {
  workspaceFile("small.txt", "small\n");
  assert.match(
    await toolError("files_upload", { paths: ["absent.txt"], providers: ["moonshot"] }),
    /absent\.txt: not found in the workspace/,
  );
  assert.match(
    await toolError("files_upload", { paths: ["../../../etc/hostname"], providers: ["moonshot"] }),
    /outside the workspace/,
  );
  assert.match(
    await toolError("files_upload", { paths: ["small.txt"], providers: ["nosuch"] }),
    /unknown provider "nosuch"; known providers: /,
  );
  assert.match(
    await toolError("file_ask", { file: "absent.txt", question: "What?", model: "moonshot/kimi-k2.5" }),
    /absent\.txt: not found in the workspace/,
  );
  assert.match(
    await toolError("file_ask", { file: "abcdef012345", question: "What?", model: "moonshot/kimi-k2.5" }),
    /no file abcdef012345 in the registry/,
  );
  assert.deepEqual(uploadsByProvider(), {});
});
