// `ai-orchestrator serve` as a person runs it: the `listening on` line once it accepts requests,
// health without a key, JSON logs on stderr, exit 0 on SIGTERM; a public address without keys
// refused with the fix; serve's heap limits on its process unless a person set their own.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { HUB_NODE_FLAGS } from "../../src/hub/hub-process.ts";
import { isAlive } from "../../src/hub/local-hub.ts";
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

  it("started by hand, is the home's hub: `hub start` and `--via-hub` use it rather than start one on its port", async (t) => {
    const home = temporaryHome(t);
    const env = homeEnv(home);
    const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], {
      env,
      stdio: ["ignore", "pipe", "ignore"],
    });
    t.after(() => child.kill("SIGKILL"));
    const first = String((await once(createInterface({ input: child.stdout }), "line"))[0]);
    const url = first.replace(/^listening on /, "");
    assert.ok(existsSync(join(home, "run", "hub.json")), "recorded before `listening on` is printed");
    const status = await runCli(["hub", "status"], { env });
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.stdout.trim(), `hub running at ${url} (pid ${child.pid})`);
    const start = await runCli(["hub", "start"], { env });
    assert.equal(start.code, 0, start.stderr);
    assert.equal(start.stdout.trim(), `hub already running at ${url} (pid ${child.pid})`);

    child.kill("SIGTERM");
    assert.deepEqual(await once(child, "exit"), [0, null]);
    const after = await runCli(["hub", "status"], { env });
    assert.equal(after.code, 3);
    assert.equal(existsSync(join(home, "run", "hub.json")), false, "the record goes with the hub");
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

  it("refuses a --host that does not resolve in one line naming it, not as an internal error", async (t) => {
    const env = homeEnv(temporaryHome(t));
    assert.equal((await runCli(["keys", "create", "--name", "remote"], { env })).code, 0);
    const result = await runCli(["serve", "--host", "no-such-host.invalid", "--port", "0"], { env });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /^ai-orchestrator: no-such-host\.invalid does not resolve to an address \((ENOTFOUND|EAI_AGAIN)\): pick another --host/m,
    );
    assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
  });

  it("refuses an AI_ORCHESTRATOR_REDIS_URL that is not a Redis URL in one line naming the variable", async (t) => {
    const result = await runCli(["serve", "--port", "0"], {
      env: homeEnv(temporaryHome(t), { AI_ORCHESTRATOR_REDIS_URL: "cache.internal:6379" }),
    });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(
      result.stderr,
      "ai-orchestrator: AI_ORCHESTRATOR_REDIS_URL=cache.internal:6379 must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379\n",
    );
  });

  it("names --port and server.port when its port is taken, since `hub start` and launches take no --port", async (t) => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    t.after(() => taken.close());
    const address = taken.address();
    assert.ok(address !== null && typeof address === "object");
    const result = await runCli(["serve", "--port", String(address.port)], {
      env: homeEnv(temporaryHome(t)),
    });
    assert.notEqual(result.code, 0);
    assert.equal(
      result.stderr,
      `ai-orchestrator: port ${address.port} on 127.0.0.1 is already in use: pick another with --port, or server.port in config.yaml for the background hub (0 takes a free one)\n`,
    );
  });

  it("warns of a public address without TLS once it listens there, and not when the address cannot be had", async (t) => {
    const env = homeEnv(temporaryHome(t));
    assert.equal((await runCli(["keys", "create", "--name", "remote"], { env })).code, 0);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "0.0.0.0", resolve));
    const address = taken.address();
    assert.ok(address !== null && typeof address === "object");
    const refused = await runCli(["serve", "--host", "0.0.0.0", "--port", String(address.port)], { env });
    taken.close();
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);
    assert.match(refused.stderr, /already in use/);

    const child = spawn(process.execPath, [BIN, "serve", "--host", "0.0.0.0", "--port", "0"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    t.after(() => child.kill("SIGKILL"));
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const first = String((await once(createInterface({ input: child.stdout }), "line"))[0]);
    assert.match(first, /^listening on http:\/\/0\.0\.0\.0:\d+$/);
    child.kill("SIGTERM");
    assert.deepEqual(await once(child, "exit"), [0, null]);
    const said = stderr.split("\n").filter((line) => line.startsWith("ai-orchestrator:"));
    assert.deepEqual(said, [
      "ai-orchestrator: warning: listening on 0.0.0.0 without TLS, so keys and prompts cross the network in clear: set server.tls (cert, key) or put a TLS reverse proxy in front",
    ]);
  });

  it("rejects a port that is not a port", async (t) => {
    const result = await runCli(["serve", "--port", "70000"], { env: homeEnv(temporaryHome(t)) });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /must be a port number from 0 to 65535/);
  });
});

// The hub's memory stays small and flat only if its node starts with serve's heap limits (they are
// read once, at process start): bin/ and the background hub's start give them, unless a person did.
describe("serve's heap", { skip: process.platform !== "linux" && "reads /proc" }, () => {
  /** `serve` started as a person starts it; resolves once it listens, with the started process. */
  async function startServe(
    t: { after(fn: () => void): void },
    env: NodeJS.ProcessEnv,
    nodeArgs: readonly string[] = [],
  ): Promise<ReturnType<typeof spawn>> {
    const child = spawn(process.execPath, [...nodeArgs, BIN, "serve", "--port", "0"], {
      env,
      stdio: ["ignore", "pipe", "ignore"],
    });
    t.after(() => child.kill("SIGKILL"));
    const [first] = await once(createInterface({ input: child.stdout ?? process.stdin }), "line");
    assert.match(String(first), /^listening on /);
    return child;
  }

  const commandLine = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  const environment = (pid: number): string[] => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");

  it("runs with serve's heap limits and one malloc arena, in the process that was started", async (t) => {
    const env = homeEnv(temporaryHome(t));
    delete env.NODE_OPTIONS;
    delete env.MALLOC_ARENA_MAX;
    const child = await startServe(t, env);
    const pid = child.pid ?? 0;
    const argv = commandLine(pid);
    for (const flag of HUB_NODE_FLAGS)
      assert.equal(argv.filter((word) => word === flag).length, 1, argv.join(" "));
    assert.ok(environment(pid).includes("MALLOC_ARENA_MAX=1"));
    // Same pid as the one started: Ctrl-C reaches the hub itself, and its exit code is the hub's.
    child.kill("SIGINT");
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
  });

  it("leaves a heap flag of the person's own alone, in NODE_OPTIONS or node's arguments", async (t) => {
    const env = homeEnv(temporaryHome(t));
    delete env.MALLOC_ARENA_MAX;
    const viaOptions = await startServe(t, { ...env, NODE_OPTIONS: "--max-old-space-size=300" });
    const fromOptions = commandLine(viaOptions.pid ?? 0);
    assert.ok(!fromOptions.some((word) => word.startsWith("--max-semi-space-size")), fromOptions.join(" "));
    assert.ok(!environment(viaOptions.pid ?? 0).includes("MALLOC_ARENA_MAX=1"));

    delete env.NODE_OPTIONS;
    const viaArgs = await startServe(t, env, ["--max-semi-space-size=16"]);
    const fromArgs = commandLine(viaArgs.pid ?? 0);
    assert.ok(fromArgs.includes("--max-semi-space-size=16"), fromArgs.join(" "));
    assert.ok(!fromArgs.some((word) => word.startsWith("--max-old-space-size")), fromArgs.join(" "));
  });

  it("`hub start` in a home without config.yaml starts the hub on the defaults", async (t) => {
    // The defaults listen on 127.0.0.1:8787, the one fixed port here: elsewhere in use, nothing to learn.
    const probe = createServer();
    const free = await new Promise<boolean>((resolve) => {
      probe.once("error", () => resolve(false));
      probe.listen(8787, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (!free) {
      t.skip("127.0.0.1:8787 is in use");
      return;
    }
    const home = temporaryHome(t);
    const env = homeEnv(home);
    const start = await runCli(["hub", "start"], { env });
    const pid = Number(/\(pid (\d+)/.exec(start.stdout)?.[1]);
    t.after(() => {
      if (pid > 0 && isAlive(pid)) process.kill(pid, "SIGKILL");
    });
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /^hub started at http:\/\/127\.0\.0\.1:8787 /);
    const stop = await runCli(["hub", "stop"], { env });
    assert.equal(stop.stdout, `hub stopped (pid ${pid})\n`);
  });

  it("`hub start` starts the background hub with serve's heap limits", async (t) => {
    const home = temporaryHome(t);
    writeFileSync(join(home, "config.yaml"), "server:\n  port: 0\n");
    const env = homeEnv(home);
    delete env.NODE_OPTIONS;
    const start = await runCli(["hub", "start"], { env });
    assert.equal(start.code, 0, start.stderr);
    const pid = Number(/\(pid (\d+),/.exec(start.stdout)?.[1]);
    // Ended by pid if the test fails before `hub stop`: the home is gone by then.
    t.after(() => {
      if (isAlive(pid)) process.kill(pid, "SIGKILL");
    });
    const argv = commandLine(pid);
    assert.ok(argv.includes("serve"), argv.join(" "));
    for (const flag of HUB_NODE_FLAGS)
      assert.equal(argv.filter((word) => word === flag).length, 1, argv.join(" "));
    assert.ok(environment(pid).includes("MALLOC_ARENA_MAX=1"));
    const stop = await runCli(["hub", "stop"], { env });
    assert.equal(stop.stdout, `hub stopped (pid ${pid})\n`);
  });
});
