// `status` without a container engine: what it can tell (the home's hub) is still shown, in JSON
// too, and the containers' problem follows in one line with a non-zero exit.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, temporaryHome } from "../support/cli.ts";
import { homeEnv } from "./home-env.ts";

test("status --json with no container engine still prints its document, then says why containers are missing", async (t) => {
  const home = temporaryHome(t);
  // No engine client on PATH (node runs by its own path): the engine cannot be asked, wherever the test runs.
  const result = await runCli(["status", "--json"], { env: homeEnv(home, { PATH: join(home, "empty") }) });
  assert.equal(result.code, 1, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { hub: null, hubSessions: [], containers: [] });
  assert.match(result.stderr, /^ai-orchestrator: no sandbox containers to list: .+\n$/);
});
