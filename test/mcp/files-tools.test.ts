// The MCP file tools through the SDK's client on an in-memory pair, against the simulators: uploads
// deduplicated through the registry, the listing, file_ask and chat's files attached as the
// registry's copy (one upload for two questions), recovery when `ai-orchestrator mcp` starts, and bad
// input as tool errors naming the problem.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@modelcontextprotocol/client";
import { AuditTrail } from "../../src/audit/audit-trail.ts";
import { startCli } from "../files/world.ts";
import {
  type InProcessServer,
  inMemoryClient,
  inProcessServer,
  type McpWorld,
  resultText,
  startMcpWorld,
  stdioClient,
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

/** The audit trail's file actions on one content, oldest first. */
async function fileActions(sha256: string): Promise<string[]> {
  const rows = await new AuditTrail({ log: server.store.audit }).list({ limit: 100 });
  return rows
    .filter((row) => row.subject === sha256 && row.action.startsWith("file."))
    .map((row) => row.action)
    .reverse();
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

test("file_ask uploads the file once: a second question about it sends nothing", async () => {
  const sha256 = workspaceFile("notes.txt", "The launch code word is heliotrope.\n");
  const args = { file: "notes.txt", question: "What is the code word?", model: "moonshot/kimi-k2.5" };
  const first = await call("file_ask", args);
  const structured = first.structuredContent as {
    answer: string;
    provider: string;
    sha256: string;
    remote_id: string;
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
  const again = second.structuredContent as { remote_id: string; dedup: boolean };
  assert.deepEqual([again.remote_id, again.dedup], [structured.remote_id, true]);
  assert.deepEqual(uploadsByProvider(), { moonshot: 1 }, "one upload for both questions");
  assert.deepEqual(await fileActions(sha256), ["file.upload", "file.dedup"]);
  const listed = await call("files_list", {});
  assert.match(resultText(listed), new RegExp(`${sha256} notes.txt .*: moonshot`));
});

test("chat's files resolve through the registry: one upload for two chats, the copy kept", async () => {
  const sha256 = workspaceFile("brief.md", "# Brief\nThe meeting moved to Thursday.\n");
  const args = { prompt: "When is the meeting?", model: "moonshot/kimi-k2.5", files: ["brief.md"] };
  await call("chat", args);
  await call("chat", args);
  assert.deepEqual(uploadsByProvider(), { moonshot: 1 });
  assert.deepEqual(await fileActions(sha256), ["file.upload", "file.dedup"]);
  const [copy] = await server.store.files.copies({ sha256 });
  assert.equal(copy?.status, "active");
  const remote = await server.hub.providers.client("moonshot").files.get(copy?.remoteId ?? "");
  assert.equal(remote.id, copy?.remoteId, "the chat left the registry's copy in place");
});

test("ai-orchestrator mcp resolves an upload a killed process left unfinished when it starts", async () => {
  const path = join(world.fixture.workspace, "interrupted.txt");
  writeFileSync(path, "an upload killed after its registry commit\n");
  const held = startCli({ env: world.env }, ["files", "upload", path, "--to", "moonshot"], {
    AI_ORCHESTRATOR_TEST_HOLD: "committed",
  });
  await held.waitFor("held at committed");
  await held.kill9();
  assert.equal((await server.store.fileJournal.unfinished()).length, 1);
  const stdio = await stdioClient(world);
  try {
    let unfinished = 1;
    for (let tries = 0; tries < 100 && unfinished > 0; tries += 1) {
      await sleep(100);
      unfinished = (await server.store.fileJournal.unfinished()).length;
    }
    assert.equal(unfinished, 0, "the MCP server resolved the entry without being asked");
    const rows = await new AuditTrail({ log: server.store.audit }).list({ limit: 5 });
    const recovered = rows.find((row) => row.action === "file.recover");
    assert.equal(recovered?.actor, "mcp");
    assert.match(JSON.stringify(recovered?.details), /"resolution":"completed"/);
  } finally {
    await stdio.close();
  }
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
