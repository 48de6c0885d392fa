// Every transport and every client at hand: the v2 SDK client (both protocol eras) and the v1 SDK
// client over stdio (`ai-orchestrator mcp` spawned as a client would) and over stateless HTTP
// (/mcp with a hub key), the MCP Inspector CLI on both, and what /mcp refuses.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as V1StdioTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as V1HttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { BIN, runProgram } from "../support/cli.ts";
import { resultText, type ServedWorld, startServedWorld, stdioClient, TOOL_NAMES } from "./mcp-world.ts";

const REPO = join(import.meta.dirname, "..", "..");
const INSPECTOR = join(REPO, "node_modules", ".bin", "mcp-inspector-cli");

let served: ServedWorld;
before(async () => {
  served = await startServedWorld();
});
after(() => served.close());

interface AnyClient {
  callTool(request: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  listTools(): Promise<{ tools: { name: string }[] }>;
  close(): Promise<void>;
}

async function assertServes(client: AnyClient, label: string): Promise<void> {
  try {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), TOOL_NAMES);
    const answer = await client.callTool({
      name: "chat",
      arguments: { prompt: `hello from ${label}`, model: "glm-4.6" },
    });
    assert.equal(resultText(answer), `Simulated Z.ai reply to: hello from ${label}`);
  } finally {
    await client.close();
  }
}

test("stdio: the v2 client speaks 2026-07-28 when it may, 2025-11-25 when it does not probe", async () => {
  const modern = await stdioClient(served.world, "auto");
  assert.equal(modern.getNegotiatedProtocolVersion(), "2026-07-28");
  await assertServes(modern, "v2 stdio modern");
  const legacy = await stdioClient(served.world, "legacy");
  assert.equal(legacy.getNegotiatedProtocolVersion(), "2025-11-25");
  await assertServes(legacy, "v2 stdio legacy");
});

test("stdio: the v1 SDK client", async () => {
  const client = new V1Client({ name: "v1", version: "1.0.0" });
  await client.connect(
    new V1StdioTransport({
      command: process.execPath,
      args: [BIN, "mcp"],
      env: served.world.env,
      cwd: served.world.fixture.workspace,
    }),
  );
  await assertServes(client, "v1 stdio");
});

test("HTTP: the v2 client in both eras and the v1 client, with a hub key", async () => {
  const headers = { authorization: `Bearer ${served.http.key}` };
  for (const mode of ["auto", "legacy"] as const) {
    const client = new Client({ name: "v2", version: "1.0.0" }, { versionNegotiation: { mode } });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(served.http.url), { requestInit: { headers } }),
    );
    assert.equal(client.getNegotiatedProtocolVersion(), mode === "auto" ? "2026-07-28" : "2025-11-25");
    await assertServes(client, `v2 http ${mode}`);
  }
  const v1 = new V1Client({ name: "v1", version: "1.0.0" });
  await v1.connect(new V1HttpTransport(new URL(served.http.url), { requestInit: { headers } }));
  await assertServes(v1, "v1 http");
});

test("HTTP: a thread started on one request is continued on another (no session to lose)", async () => {
  const headers = { authorization: `Bearer ${served.http.key}` };
  const connect = async () => {
    const client = new Client({ name: "v2", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(served.http.url), { requestInit: { headers } }),
    );
    return client;
  };
  const first = await connect();
  const started = await first.callTool({
    name: "chat",
    arguments: { prompt: "Remember 42.", model: "glm-4.6" },
  });
  await first.close();
  const id = (started.structuredContent as { continuation_id: string }).continuation_id;
  const second = await connect();
  const shown = await second.callTool({
    name: "threads",
    arguments: { action: "show", continuation_id: id },
  });
  await second.close();
  assert.match(resultText(shown), /Remember 42\./);
});

test("HTTP: a slow chat sends progress notifications on the request's own stream", async () => {
  served.world.simulators.faults.inject("zai", { kind: "latency", ms: 1200, times: 1 });
  const client = new Client({ name: "v2", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(served.http.url), {
      requestInit: { headers: { authorization: `Bearer ${served.http.key}` } },
    }),
  );
  try {
    const progress: string[] = [];
    const result = await client.callTool(
      { name: "chat", arguments: { prompt: "slowly over HTTP", model: "glm-4.6" } },
      { onprogress: (update) => progress.push(update.message ?? "") },
    );
    assert.equal(resultText(result), "Simulated Z.ai reply to: slowly over HTTP");
    assert.ok(progress.includes("asking zai/glm-4.6"), progress.join(" | "));
  } finally {
    await client.close();
  }
});

test("HTTP: no key is 401 with WWW-Authenticate; a key without the mcp scope 403; a foreign Origin 403", async () => {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });
  const post = (headers: Record<string, string>) =>
    fetch(served.http.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body,
    });

  const anonymous = await post({});
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Bearer /);
  assert.match(((await anonymous.json()) as { error: { message: string } }).error.message, /hub key/);

  const wrong = await post({ authorization: "Bearer aio_wrong" });
  assert.equal(wrong.status, 401);

  const chatOnly = await post({ authorization: `Bearer ${served.http.chatOnlyKey}` });
  assert.equal(chatOnly.status, 403);
  assert.match(
    ((await chatOnly.json()) as { error: { message: string } }).error.message,
    /lacks the "mcp" scope/,
  );

  const rebinding = await post({ authorization: `Bearer ${served.http.key}`, origin: "http://evil.example" });
  assert.equal(rebinding.status, 403);
  assert.match(
    ((await rebinding.json()) as { error: { message: string } }).error.message,
    /origin http:\/\/evil\.example may not use this MCP endpoint; add it to mcp\.allowedOrigins in the hub's config\.yaml/,
  );

  const local = await post({ authorization: `Bearer ${served.http.key}`, origin: "http://localhost:3000" });
  assert.equal(local.status, 200);
});

/** The Inspector CLI fails when run from a folder whose parent has no package.json: run it from test/. */
async function inspector(args: readonly string[]): Promise<unknown> {
  const result = await runProgram(INSPECTOR, ["--cli", ...args], {
    cwd: join(REPO, "test"),
    env: served.world.env,
  });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.slice(result.stdout.indexOf("{")));
}

test("the MCP Inspector CLI lists and calls the tools over stdio and over HTTP", async () => {
  const stdio = ["-e", `AI_ORCHESTRATOR_HOME=${served.world.fixture.home}`, process.execPath, BIN, "mcp"];
  const httpTarget = [
    served.http.url,
    "--transport",
    "http",
    "--header",
    `Authorization: Bearer ${served.http.key}`,
  ];
  for (const [label, target] of [
    ["stdio", stdio],
    ["http", httpTarget],
  ] as const) {
    const listed = (await inspector([...target, "--method", "tools/list"])) as { tools: { name: string }[] };
    assert.ok(
      listed.tools.some((tool) => tool.name === "chat"),
      label,
    );
    const called = await inspector([
      ...target,
      "--method",
      "tools/call",
      "--tool-name",
      "chat",
      "--tool-arg",
      `prompt=inspector over ${label}`,
      "--tool-arg",
      "model=glm-4.6",
    ]);
    assert.equal(resultText(called), `Simulated Z.ai reply to: inspector over ${label}`);
  }
});
