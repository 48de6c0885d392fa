// An aborted run without a terminal (a clink timing out, an MCP cancellation) ends the child's whole
// process group: a grandchild that ignores SIGTERM is killed too, and nothing is left behind.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { runChild } from "../../src/runtimes/child.ts";
import { scratchDirectory } from "../support/scratch.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("aborting a piped run kills its whole process group, a SIGTERM-ignoring grandchild included", async (t) => {
  const directory = scratchDirectory(t, "aio-abort-");
  const pidFile = join(directory, "grandchild.pid");
  // The grandchild ignores SIGTERM and outlives its parent unless the group is killed.
  const script = `trap '' TERM; (trap '' TERM; sleep 60) & echo $! > ${pidFile}; wait`;
  const controller = new AbortController();
  const run = runChild(
    { executable: "/bin/sh", args: ["-c", script], env: { PATH: "/usr/bin:/bin" }, cwd: directory },
    { stdio: "pipe", signal: controller.signal },
  );
  while (!existsSync(pidFile) || readFileSync(pidFile, "utf8").trim() === "") await delay(20);
  const grandchild = Number(readFileSync(pidFile, "utf8").trim());
  assert.ok(alive(grandchild));
  controller.abort();
  const result = await run;
  assert.notEqual(result.exitCode, 0);
  for (let waited = 0; alive(grandchild) && waited < 5000; waited += 50) await delay(50);
  assert.equal(alive(grandchild), false, "the grandchild is gone");
});
