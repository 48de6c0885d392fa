import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, temporaryHome } from "../support/cli.ts";
import { homeEnv } from "./home-env.ts";

const ENV_CANARY = "sk-canary-env-77a1c3";
const FILE_CANARY = "sk-canary-file-90be42";

test("modes shows each mode's CLI, provider, runtime and credential source, never a key", async (t) => {
  const home = temporaryHome(t);
  mkdirSync(join(home, "secrets"), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "secrets", "moonshot"), `${FILE_CANARY}\n`, { mode: 0o600 });
  writeFileSync(join(home, "config.yaml"), "runtime: process\nmodes:\n  gemini:\n    runtime: bwrap\n");
  const env = homeEnv(home, { ZAI_API_KEY: ENV_CANARY });

  const table = await runCli(["modes"], { env });
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split("\n");
  assert.match(lines[0] ?? "", /^MODE\s+CLI\s+PROVIDER\s+RUNTIME\s+KEY SET\s+CREDENTIAL SOURCE$/);
  const row = (mode: string) => lines.find((line) => line.startsWith(`${mode} `)) ?? "";
  assert.match(row("glm"), /^glm\s+claude\s+zai\s+process\s+yes\s+env ZAI_API_KEY$/);
  assert.match(
    row("kimi"),
    new RegExp(`^kimi\\s+claude\\s+moonshot\\s+process\\s+yes\\s+file ${join(home, "secrets", "moonshot")}$`),
  );
  assert.match(
    row("gemini"),
    /^gemini\s+gemini\s+google\s+bwrap\s+no\s+env GEMINI_API_KEY or env GOOGLE_API_KEY or file /,
  );
  assert.match(row("claude"), /^claude\s+claude\s+anthropic\s+process\s+no\s+/);

  const json = await runCli(["modes", "--json"], { env });
  assert.equal(json.code, 0);
  const rows = JSON.parse(json.stdout);
  assert.deepEqual(
    rows.find((entry: { mode: string }) => entry.mode === "glm"),
    {
      mode: "glm",
      cli: "claude",
      provider: "zai",
      runtime: "process",
      credential: { source: "env ZAI_API_KEY", set: true },
    },
  );

  for (const output of [table.stdout, table.stderr, json.stdout, json.stderr]) {
    assert.ok(!output.includes(ENV_CANARY) && !output.includes(FILE_CANARY), "no key value is ever printed");
  }
});

test("modes lists user-defined modes, and a broken config is one line and exit 2", async (t) => {
  const home = temporaryHome(t);
  writeFileSync(
    join(home, "config.yaml"),
    "providers:\n  zai-cn:\n    extends: zai\n    anthropicBaseUrl: https://open.bigmodel.cn/api/anthropic\n    apiKeyEnv: ZHIPU_API_KEY\n" +
      "modes:\n  glm-cn:\n    cli: claude\n    provider: zai-cn\n",
  );
  const listed = await runCli(["modes"], { env: homeEnv(home) });
  assert.match(
    listed.stdout,
    /^glm-cn\s+claude\s+zai-cn\s+auto\s+no\s+env ZHIPU_API_KEY or file .*secrets\/zai-cn$/m,
  );

  writeFileSync(join(home, "config.yaml"), "modes:\n  glm:\n    modle: glm-5\n");
  const broken = await runCli(["modes"], { env: homeEnv(home) });
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /modes\.glm\.modle: is not a known setting/);
  assert.equal(broken.stderr.trim().split("\n").length, 1);
});
