// clink runs a mode's assistant CLI through the launcher, from an MCP server whose environment holds
// every provider's key: the glm CLI (Claude Code on Z.ai) must reach only Z.ai with only Z.ai's key,
// and a timed-out or cancelled clink must leave no process of its sandbox behind.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import type { RuntimeName } from "../../src/runtimes/runtime.ts";
import { containersOf, dockerUnavailable } from "../support/docker.ts";
import {
  assertNoForeignKeyIn,
  assertOwnTrafficOnly,
  MODE_EXPECTATIONS,
  runtimeMissing,
} from "../support/isolation.ts";
import { requireService } from "../support/services.ts";
import { type McpWorld, resultText, startMcpWorld, stdioClient } from "./mcp-world.ts";

let world: McpWorld;
let dockerMissing: string | undefined;

before(async () => {
  // Containers join the host's network: the simulators are on 127.0.0.1 (and CI's engine has no bridge).
  world = await startMcpWorld(["docker: { network: host }"]);
  dockerMissing = await dockerUnavailable(world.paths);
});

after(() => world.close());

const RUNTIMES: RuntimeName[] = ["process", "bwrap", "docker"];

/** Skips (or, under CI, fails) when the runtime cannot run here. */
function missing(t: TestContext, runtime: RuntimeName): boolean {
  if (runtime === "docker") return !requireService(t, "docker", dockerMissing);
  return !requireService(t, "bubblewrap", runtimeMissing(runtime));
}

/** What of the glm sandbox is still alive: its processes, or under docker its containers. */
function leftovers(runtime: RuntimeName): number {
  return runtime === "docker" ? containersOf(world.fixture.home).length : sandboxProcesses("glm").length;
}

/** Processes whose environment says they run in this mode's sandbox (HOME is its state root). */
function sandboxProcesses(mode: string): number[] {
  const marker = `HOME=${join(world.fixture.home, "state", mode)}\0`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker)) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or another user's.
    }
  }
  return found;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: clink glm answers from Z.ai with only the Z.ai key, though the server holds every key`, async (t) => {
    if (missing(t, runtime)) return;
    world.simulators.clearRequests();
    const client = await stdioClient(world, "auto", ["--runtime", runtime]);
    try {
      const result = await client.callTool({
        name: "clink",
        arguments: { mode: "glm", prompt: "Say hello from clink" },
      });
      assert.notEqual(result.isError, true, resultText(result));
      assert.match(resultText(result), /Simulated Z\.ai reply to: .*Say hello from clink/);
      assert.equal((result.structuredContent as { runtime: string }).runtime, runtime);
    } finally {
      await client.close();
    }
    assertOwnTrafficOnly(world.simulators.requests(), MODE_EXPECTATIONS.glm!);
    assertNoForeignKeyIn(join(world.fixture.home, "state", "glm"), MODE_EXPECTATIONS.glm!);
  });

  test(`${runtime}: a timed-out clink ends its whole process group and says so`, async (t) => {
    if (missing(t, runtime)) return;
    world.simulators.faults.inject("zai", { kind: "hang", match: "/messages" });
    const client = await stdioClient(world, "auto", ["--runtime", runtime]);
    try {
      const progress: string[] = [];
      const result = await client.callTool(
        { name: "clink", arguments: { mode: "glm", prompt: "never answered", timeout_s: 4 } },
        { onprogress: (update) => progress.push(update.message ?? "") },
      );
      assert.ok(progress.includes(`glm: started under ${runtime}`), progress.join(" | "));
      assert.equal(result.isError, true);
      assert.match(
        resultText(result),
        /clink glm: timed out after 4 s and was stopped \(its whole process group\)/,
      );
      await waitFor(() => leftovers(runtime) === 0, "nothing of the glm sandbox is left");
    } finally {
      world.simulators.faults.clear();
      await client.close();
    }
  });
}

test("cancelling a clink from the client ends its sandbox's processes", async () => {
  world.simulators.faults.inject("zai", { kind: "hang", match: "/messages" });
  const client = await stdioClient(world, "auto", ["--runtime", "process"]);
  try {
    const controller = new AbortController();
    const call = client.callTool(
      { name: "clink", arguments: { mode: "glm", prompt: "cancel me" } },
      { signal: controller.signal },
    );
    await waitFor(() => sandboxProcesses("glm").length > 0, "the glm CLI started");
    controller.abort();
    await assert.rejects(call, /abort/i);
    await waitFor(() => sandboxProcesses("glm").length === 0, "no process of the glm sandbox is left");
  } finally {
    world.simulators.faults.clear();
    await client.close();
  }
});
