import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { runCli, temporaryHome } from "../support/cli.ts";
import { homeEnv } from "./home-env.ts";

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

test("init creates a 0700 home, a commented config that passes `config check`, and seeded state roots", async (t) => {
  const home = join(temporaryHome(t), "aio");
  const env = homeEnv(home);
  const result = await runCli(["init"], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(mode(home), 0o700);
  const config = readFileSync(join(home, "config.yaml"), "utf8");
  assert.match(config, /^# runtime: auto$/m, "settings are there, commented out");
  assert.match(config, /^# {3}glm-cn:$/m, "the example modes are there to uncomment");
  assert.equal(parse(config), null, "nothing is set: the defaults apply");
  assert.equal((await runCli(["config", "check"], { env })).code, 0);
  for (const name of ["claude", "glm", "kimi"]) {
    const seeded = JSON.parse(readFileSync(join(home, "state", name, ".claude", ".claude.json"), "utf8"));
    assert.equal(seeded.hasCompletedOnboarding, true, `${name} never meets Claude Code's onboarding`);
    assert.equal(mode(join(home, "state", name)), 0o700);
  }
  const gemini = JSON.parse(readFileSync(join(home, "state", "gemini", ".gemini", "settings.json"), "utf8"));
  assert.equal(gemini.security.auth.selectedType, "gemini-api-key");
  assert.match(result.stdout, /Next steps:[\s\S]*ai-orchestrator login/);
});

test("init never overwrites an existing config, and a second run changes nothing", async (t) => {
  const home = temporaryHome(t);
  const env = homeEnv(home);
  writeFileSync(join(home, "config.yaml"), "runtime: process\n");
  const first = await runCli(["init"], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /kept .*config\.yaml/);
  assert.equal(readFileSync(join(home, "config.yaml"), "utf8"), "runtime: process\n");
  writeFileSync(join(home, "state", "glm", "history.txt"), "mine\n");
  const second = await runCli(["init"], { env });
  assert.equal(second.code, 0);
  assert.equal(readFileSync(join(home, "state", "glm", "history.txt"), "utf8"), "mine\n");
});

test("init --import brings the person's own Claude Code settings in, without their env block", async (t) => {
  const home = temporaryHome(t);
  const userHome = temporaryHome(t);
  mkdirSync(join(userHome, ".claude"));
  writeFileSync(
    join(userHome, ".claude", "settings.json"),
    JSON.stringify({ theme: "dark", env: { ANTHROPIC_AUTH_TOKEN: "sk-canary-import" } }),
  );
  const result = await runCli(["init", "--import"], { env: homeEnv(home, { HOME: userHome }) });
  assert.equal(result.code, 0, result.stderr);
  const imported = JSON.parse(readFileSync(join(home, "state", "glm", ".claude", "settings.json"), "utf8"));
  assert.equal(imported.theme, "dark");
  assert.equal(imported.env, undefined, "an env block never crosses into a state root");
  assert.match(result.stdout, /imported .*state\/glm\/\.claude\/settings\.json/);
  assert.ok(!result.stdout.includes("sk-canary-import"));
});

test("reset backs up the state root with its content and modes, then wipes and re-seeds it; restore brings it back", async (t) => {
  const home = temporaryHome(t);
  const env = homeEnv(home);
  assert.equal((await runCli(["init"], { env })).code, 0);
  const state = join(home, "state", "glm");
  mkdirSync(join(state, "private"), { mode: 0o700 });
  writeFileSync(join(state, "private", "session.json"), '{"mine":true}\n', { mode: 0o600 });
  writeFileSync(join(home, "state", "kimi", "kimi.txt"), "untouched\n");

  const reset = await runCli(["reset", "glm"], { env });
  assert.equal(reset.code, 0, reset.stderr);
  const backups = readdirSync(join(home, "backups", "glm"));
  assert.equal(backups.length, 1);
  const backup = join(home, "backups", "glm", backups[0] ?? "");
  assert.match(backups[0] ?? "", /^\d{8}T\d{6}\.\d{3}Z$/, "named by its UTC time");
  assert.equal(readFileSync(join(backup, "private", "session.json"), "utf8"), '{"mine":true}\n');
  assert.equal(mode(join(backup, "private")), 0o700, "a private folder stays private in the backup");
  assert.equal(mode(join(backup, "private", "session.json")), 0o600);
  assert.ok(!existsSync(join(state, "private")), "the state root was wiped");
  const reseeded = JSON.parse(readFileSync(join(state, ".claude", ".claude.json"), "utf8"));
  assert.equal(reseeded.hasCompletedOnboarding, true, "and seeded again");
  assert.equal(
    readFileSync(join(home, "state", "kimi", "kimi.txt"), "utf8"),
    "untouched\n",
    "other modes untouched",
  );
  assert.match(reset.stdout, new RegExp(`undo with: ai-orchestrator restore glm ${backups[0]}`));

  const restore = await runCli(["restore", "glm"], { env });
  assert.equal(restore.code, 0, restore.stderr);
  assert.equal(readFileSync(join(state, "private", "session.json"), "utf8"), '{"mine":true}\n');
  assert.equal(mode(join(state, "private")), 0o700);
  // The state just before the restore was itself backed up: the restore can be undone.
  assert.equal(readdirSync(join(home, "backups", "glm")).length, 2);
  assert.match(restore.stdout, /backed up the current state to .*\nrestored .*state\/glm from /);

  const undo = await runCli(["restore", "glm"], { env });
  assert.equal(undo.code, 0);
  assert.ok(!existsSync(join(state, "private")), "restoring the latest backup undid the restore");
});

test("restore lists the backups when the name is wrong; unknown modes and broken configs are one line", async (t) => {
  const home = temporaryHome(t);
  const env = homeEnv(home);
  const none = await runCli(["restore", "glm"], { env });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^ai-orchestrator: mode glm has no backups in .*backups\/glm\n$/);

  mkdirSync(join(home, "state", "glm"), { recursive: true });
  writeFileSync(join(home, "state", "glm", "a.txt"), "a\n");
  assert.equal((await runCli(["reset", "glm"], { env })).code, 0);
  const [name] = readdirSync(join(home, "backups", "glm"));
  const wrong = await runCli(["restore", "glm", "yesterday"], { env });
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stderr, `ai-orchestrator: mode glm has no backup "yesterday"; available: ${name}\n`);
  const listed = await runCli(["restore", "glm", "--list"], { env });
  assert.match(listed.stdout, new RegExp(`^${name?.replace(".", "\\.")}  `));

  for (const args of [
    ["reset", "glmm"],
    ["restore", "nope"],
  ]) {
    const result = await runCli(args, { env });
    assert.equal(result.code, 2, args.join(" "));
    assert.match(
      result.stderr,
      /^ai-orchestrator: unknown mode "(glmm|nope)": known modes are claude, gemini, glm, kimi/,
    );
    assert.equal(result.stderr.split("\n").length, 2, "one line");
  }

  writeFileSync(join(home, "config.yaml"), "runtime: sometimes\n");
  const broken = await runCli(["reset", "glm"], { env });
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /config\.yaml:1: runtime: must be one of auto, process, bwrap, docker/);
  assert.equal(broken.stderr.split("\n").length, 2);
  assert.ok(existsSync(join(home, "state", "glm")), "nothing was touched");
});
