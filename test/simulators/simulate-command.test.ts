// `ai-orchestrator simulate` as a user runs it: JSON lines on stdout, a working endpoint, clean exit on SIGTERM.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { BIN, runCli, temporaryHome } from "../support/cli.ts";

test("simulate prints one JSON line per provider, serves requests with armed faults, and exits 0 on SIGTERM", async (t) => {
  const home = temporaryHome(t);
  const child = spawn(
    process.execPath,
    [
      BIN,
      "simulate",
      "--provider",
      "zai",
      "moonshot",
      "--fault",
      "moonshot:status=429,retryAfterSeconds=2,times=1",
    ],
    { env: { ...process.env, AI_ORCHESTRATOR_HOME: home }, stdio: ["ignore", "pipe", "pipe"] },
  );
  t.after(() => child.kill("SIGKILL"));
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout });
  const endpoints: { provider: string; baseUrl: string; anthropicBaseUrl?: string }[] = [];
  for await (const line of lines) {
    endpoints.push(JSON.parse(line));
    if (endpoints.length === 2) break;
  }
  assert.deepEqual(
    endpoints.map((endpoint) => endpoint.provider),
    ["zai", "moonshot"],
    stderr,
  );
  const moonshot = endpoints[1]!;
  assert.match(moonshot.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  assert.equal(moonshot.anthropicBaseUrl, moonshot.baseUrl.replace(/\/v1$/, "/anthropic"));

  const call = (): Promise<Response> =>
    fetch(`${moonshot.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
      body: JSON.stringify({
        model: "kimi-k2.5",
        messages: [{ role: "user", content: "from the command line" }],
      }),
    });
  const limited = await call();
  assert.equal(limited.status, 429);
  assert.match(
    ((await limited.json()) as { error: { message: string } }).error.message,
    /try again after 2 seconds/,
  );
  const answered = await call();
  assert.equal(answered.status, 200);
  const body = (await answered.json()) as { choices: { message: { content: string } }[] };
  assert.equal(body.choices[0]?.message.content, "Simulated Moonshot reply to: from the command line");

  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  assert.equal(code, 0, stderr);
});

test("simulate refuses a malformed --fault with one line naming the fix", async (t) => {
  const result = await runCli(["simulate", "--fault", "openai:hang"], {
    env: { ...process.env, AI_ORCHESTRATOR_HOME: temporaryHome(t) },
  });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /provider one of anthropic, google, zai, moonshot/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});
