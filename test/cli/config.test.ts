import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, temporaryHome } from "../support/cli.ts";

test("with no config file, config check passes on defaults", async (t) => {
  const home = temporaryHome(t);
  const result = await runCli(["config", "check"], { env: { ...process.env, AI_ORCHESTRATOR_HOME: home } });
  assert.equal(result.code, 0);
  assert.match(result.stdout, /not found; defaults apply/);
});

test("config check names every problem by path and line, and exits non-zero", async (t) => {
  const home = temporaryHome(t);
  writeFileSync(
    join(home, "config.yaml"),
    [
      "providers:",
      "  zai:",
      "    anthropicBaseUrl: ftp://example",
      "modes:",
      "  glm:",
      "    modle: glm-4.6",
      "",
    ].join("\n"),
  );
  const result = await runCli(["config", "check"], { env: { ...process.env, AI_ORCHESTRATOR_HOME: home } });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /config\.yaml:3: providers\.zai\.anthropicBaseUrl: must be an http\(s\) URL/);
  assert.match(result.stderr, /config\.yaml:6: modes\.glm\.modle: is not a known setting/);
  assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, "no stack trace for a user mistake");
});

test("broken YAML is reported with its line, not a stack trace", async (t) => {
  const home = temporaryHome(t);
  writeFileSync(join(home, "config.yaml"), "providers:\n  zai: [unclosed\n");
  const result = await runCli(["config", "show"], { env: { ...process.env, AI_ORCHESTRATOR_HOME: home } });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /config\.yaml:\d+: is not valid YAML/);
  assert.equal(result.stderr.trim().split("\n").length, 1);
});

test("--config and AI_ORCHESTRATOR_CONFIG point elsewhere, --config winning", async (t) => {
  const home = temporaryHome(t);
  const env = {
    ...process.env,
    AI_ORCHESTRATOR_HOME: home,
    AI_ORCHESTRATOR_CONFIG: join(home, "from-env.yaml"),
  };
  assert.equal((await runCli(["config", "path"], { env })).stdout.trim(), join(home, "from-env.yaml"));
  const flagged = await runCli(["--config", join(home, "flag.yaml"), "config", "path"], { env });
  assert.equal(flagged.stdout.trim(), join(home, "flag.yaml"));
});

test("config schema prints a JSON Schema that names the provider URLs", async () => {
  const result = await runCli(["config", "schema"]);
  assert.equal(result.code, 0);
  const schema = JSON.parse(result.stdout);
  assert.equal(schema.type, "object");
  const provider = schema.properties.providers.additionalProperties.properties;
  for (const url of ["baseUrl", "anthropicBaseUrl"]) {
    assert.equal(provider[url].type, "string", url);
    assert.match(provider[url].description, /Base URL/, url);
  }
  assert.deepEqual(provider.extends.enum, ["anthropic", "google", "zai", "moonshot"]);
});

test("config check catches a mode that names an unknown provider and a custom provider without extends", async (t) => {
  const home = temporaryHome(t);
  writeFileSync(
    join(home, "config.yaml"),
    [
      "providers:",
      "  mystery:",
      "    baseUrl: http://127.0.0.1:9",
      "modes:",
      "  odd:",
      "    cli: claude",
      "    provider: nowhere",
      "",
    ].join("\n"),
  );
  const result = await runCli(["config", "check"], { env: { ...process.env, AI_ORCHESTRATOR_HOME: home } });
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /providers\.mystery: a custom provider needs `extends: anthropic\|google\|zai\|moonshot`/,
  );
  assert.match(result.stderr, /modes\.odd: unknown provider "nowhere"/);
});

test("config check catches breakers on Redis with no Redis named, and passes once redis.url names one", async (t) => {
  const home = temporaryHome(t);
  const env = { ...process.env, AI_ORCHESTRATOR_HOME: home, AI_ORCHESTRATOR_REDIS_URL: "" };
  writeFileSync(join(home, "config.yaml"), "resilience:\n  store: redis\n");
  const missing = await runCli(["config", "check"], { env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /resilience\.store: is redis but no Redis is named; set redis\.url/);
  writeFileSync(
    join(home, "config.yaml"),
    "resilience:\n  store: redis\nredis:\n  url: redis://127.0.0.1:6379\n",
  );
  const named = await runCli(["config", "check"], { env });
  assert.equal(named.code, 0, named.stderr);
});

test("config show redacts secret-looking values and keeps variable names", async (t) => {
  const home = temporaryHome(t);
  writeFileSync(
    join(home, "config.yaml"),
    [
      "providers:",
      "  kimi-code:",
      "    extends: moonshot",
      "    apiKeyEnv: KIMI_CODE_API_KEY",
      "    baseUrl: https://user:hunter2@example.com/v1",
      "",
    ].join("\n"),
  );
  const result = await runCli(["config", "show", "--json"], {
    env: { ...process.env, AI_ORCHESTRATOR_HOME: home },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stdout, /hunter2/);
  assert.match(result.stdout, /KIMI_CODE_API_KEY/);
});
