import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli, temporaryHome } from "../support/cli.ts";

test("a usage mistake in a subcommand is one named line and exit 2, like a top-level one", async (t) => {
  const env = { ...process.env, AI_ORCHESTRATOR_HOME: temporaryHome(t) };
  for (const args of [["doctor", "--bogus"], ["login"], ["--runtime", "vm", "glm"]]) {
    const result = await runCli(args, { env });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, /^ai-orchestrator: (unknown option|missing required argument|option)/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  }
});
