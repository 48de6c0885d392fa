// `ai-orchestrator serve` as a person runs it: the `listening on` line once it accepts requests,
// health without a key, JSON logs on stderr, exit 0 on SIGTERM; a public address without keys
// refused with the fix.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { BIN, runCli, temporaryHome } from "../support/cli.ts";
import { pick } from "../support/hub.ts";
import { homeEnv } from "./home-env.ts";

describe("serve", () => {
  it("prints `listening on http://HOST:PORT`, serves /healthz, and exits 0 on SIGTERM", async (t) => {
    const home = temporaryHome(t);
    const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], {
      env: homeEnv(home, { AI_ORCHESTRATOR_LOG_LEVEL: "info" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    t.after(() => child.kill("SIGKILL"));
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const lines = createInterface({ input: child.stdout });
    const first = String((await once(lines, "line"))[0]);
    const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(first);
    assert.ok(match, `first stdout line: ${first}`);
    assert.notEqual(match[2], "0");
    const health = await fetch(`${match[1]}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    const ready = await fetch(`${match[1]}/readyz`);
    assert.equal(ready.status, 200);
    const keyless = await fetch(`${match[1]}/v1/models`);
    assert.equal(keyless.status, 401, "no keys means nothing is served, on loopback too");
    assert.match(JSON.stringify(await keyless.json()), /keys create/);

    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    assert.equal(code, 0, stderr);
    const logs = stderr
      .trim()
      .split("\n")
      .map((line) => pick(JSON.parse(line), "msg"));
    assert.ok(logs.includes("hub listening"), stderr);
    assert.ok(logs.includes("hub stopped"), stderr);
  });

  it("refuses a non-loopback address while no hub key exists, with the fix in one line", async (t) => {
    const result = await runCli(["serve", "--host", "0.0.0.0", "--port", "0"], {
      env: homeEnv(temporaryHome(t)),
    });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(
      result.stderr,
      /refusing to listen on 0\.0\.0\.0 with no hub keys.*ai-orchestrator keys create --name NAME/,
    );
  });

  it("rejects a port that is not a port", async (t) => {
    const result = await runCli(["serve", "--port", "70000"], { env: homeEnv(temporaryHome(t)) });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /must be a port number from 0 to 65535/);
  });
});
