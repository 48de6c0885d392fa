import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli, temporaryHome } from "../support/cli.ts";

test("a usage mistake in a subcommand is one named line and exit 2, like a top-level one", async (t) => {
  const env = { ...process.env, AI_ORCHESTRATOR_HOME: temporaryHome(t) };
  for (const args of [["doctor", "--bogus"], ["login"], ["--runtime", "vm", "glm"]]) {
    const result = await runCli(args, { env });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(
      result.stderr,
      /^ai-orchestrator: (unknown option|missing required argument|option)[^\n]* \(add --help for usage\)\n$/,
      "one line, ending with where the usage is",
    );
  }
});

test("help names an unknown command in one line and exits 2, and still helps with commands and modes", async (t) => {
  const env = { ...process.env, AI_ORCHESTRATOR_HOME: temporaryHome(t) };
  for (const args of [
    ["help", "nosuch"],
    ["help", "files", "nosuch"],
  ]) {
    const result = await runCli(args, { env });
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(result.stdout, "", `${args.join(" ")}: no help text instead of the error`);
    assert.equal(
      result.stderr,
      `ai-orchestrator: unknown command "${args.slice(1).join(" ")}": run \`ai-orchestrator help\` for the commands, \`ai-orchestrator modes\` for the modes\n`,
    );
  }
  // A command group's own `help` says the same, pointing at the group's commands.
  const inGroup = await runCli(["files", "help", "nosuch"], { env });
  assert.equal(inGroup.code, 2);
  assert.equal(inGroup.stdout, "");
  assert.equal(
    inGroup.stderr,
    'ai-orchestrator: unknown command "files nosuch": run `ai-orchestrator help files` for its commands\n',
  );
  const upload = await runCli(["keys", "help", "create"], { env });
  assert.equal(upload.code, 0);
  assert.match(upload.stdout, /^Usage: ai-orchestrator keys create/);
  const files = await runCli(["help", "files", "list"], { env });
  assert.equal(files.code, 0);
  assert.match(files.stdout, /^Usage: ai-orchestrator files list/);
  const mode = await runCli(["help", "glm"], { env });
  assert.equal(mode.code, 0);
  assert.match(mode.stdout, /Launching a mode:/);
  const all = await runCli(["help"], { env });
  assert.equal(all.code, 0);
  assert.match(all.stdout, /help \[command\.\.\.\] +show help for a command/);
});
