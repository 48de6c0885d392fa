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
  assert.match(result.stderr, /config\.yaml:7: modes\.odd\.provider: unknown provider "nowhere"/);
});

// Each of these validated clean and then failed in whichever command first used the reference.
const BROKEN_REFERENCES: { name: string; yaml: string[]; line: RegExp }[] = [
  {
    name: "a fallback chain naming an unknown provider",
    yaml: ["resilience:", "  fallbacks:", "    zai: [nope]"],
    line: /config\.yaml:3: resilience\.fallbacks\.zai\.0: unknown provider "nope"; known providers: anthropic, google, zai, moonshot/,
  },
  {
    name: "a gateway alias whose target names an unknown provider",
    yaml: ["gateway:", "  models:", "    coder:", '      target: "nope/x"'],
    line: /config\.yaml:4: gateway\.models\.coder\.target: unknown provider "nope"/,
  },
  {
    name: "a gateway alias whose fallback names an unknown provider",
    yaml: [
      "gateway:",
      "  models:",
      "    coder:",
      "      target: zai/glm-4.6",
      "      fallbacks: [zai/glm-4.5-air, nope/y]",
    ],
    line: /config\.yaml:5: gateway\.models\.coder\.fallbacks\.1: unknown provider "nope"/,
  },
  {
    name: "a store URL of another database",
    yaml: ["store:", "  url: mysql://admin:hunter2@db.example/aio"],
    line: /config\.yaml:2: store\.url: is neither a file path nor a postgres:\/\/ URL; give a SQLite file path/,
  },
  {
    name: "a mode whose CLI cannot talk to its provider",
    yaml: ["modes:", "  odd:", "    cli: gemini", "    provider: zai"],
    line: /config\.yaml:2: modes\.odd: the gemini CLI only speaks to a google provider, not zai/,
  },
];

for (const broken of BROKEN_REFERENCES) {
  test(`config check, doctor and every command refuse ${broken.name}, with its line`, async (t) => {
    const home = temporaryHome(t);
    const env = { ...process.env, AI_ORCHESTRATOR_HOME: home, ZAI_API_KEY: "" };
    writeFileSync(join(home, "config.yaml"), `${broken.yaml.join("\n")}\n`);
    const check = await runCli(["config", "check"], { env });
    assert.equal(check.code, 2, check.stdout);
    assert.match(check.stderr, broken.line);
    const doctor = await runCli(["doctor"], { env });
    assert.notEqual(doctor.code, 0);
    assert.match(doctor.stdout, new RegExp(`FAIL +config: .*${broken.line.source}`));
    for (const args of [
      ["keys", "list"],
      ["files", "list"],
      ["ask", "--model", "glm-4.6", "hello"],
    ]) {
      const used = await runCli(args, { env });
      assert.equal(used.code, 2, `${args.join(" ")}: ${used.stderr}`);
      assert.match(used.stderr, broken.line, args.join(" "));
      assert.equal(used.stderr.trim().split("\n").length, 1, args.join(" "));
    }
    assert.doesNotMatch(check.stderr + doctor.stdout, /hunter2/, "a password in a URL is never shown");
  });
}

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

test("config show prints the session tokens' lifetimes: settings named after tokens, not tokens", async (t) => {
  const home = temporaryHome(t);
  writeFileSync(join(home, "config.yaml"), "sessionTokenTtlSeconds: 300\n");
  const result = await runCli(["config", "show", "--json"], {
    env: { ...process.env, AI_ORCHESTRATOR_HOME: home },
  });
  assert.equal(result.code, 0, result.stderr);
  const shown = JSON.parse(result.stdout);
  assert.equal(shown.sessionTokenTtlSeconds, 300);
  assert.equal(shown.persistentSessionTokenTtlSeconds, 43200);
});

test("config check and doctor refuse an AI_ORCHESTRATOR_REDIS_URL that is no Redis URL, naming the variable", async (t) => {
  const home = temporaryHome(t);
  const env = {
    ...process.env,
    AI_ORCHESTRATOR_HOME: home,
    AI_ORCHESTRATOR_REDIS_URL: "redis.internal:6379",
  };
  const line = "AI_ORCHESTRATOR_REDIS_URL=redis.internal:6379 must be a redis:// or rediss:// URL";
  const check = await runCli(["config", "check"], { env });
  assert.equal(check.code, 2);
  assert.ok(check.stderr.includes(line), check.stderr);
  const doctor = await runCli(["doctor"], { env });
  assert.match(doctor.stdout, /^\s+FAIL\s+config: .*AI_ORCHESTRATOR_REDIS_URL=redis\.internal:6379 must be/m);
});
