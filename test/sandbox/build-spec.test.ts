import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { checkConfig } from "../../src/config/load.ts";
import { resolvePaths } from "../../src/config/paths.ts";
import { isAppError } from "../../src/errors.ts";
import { CANARIES, configFrom, HOSTILE_ENV, sandboxFixture, specFor } from "../support/sandbox.ts";
import { scratchDirectory } from "../support/scratch.ts";

const HOST_ENV = {
  ...HOSTILE_ENV,
  PATH: "/usr/local/bin:/usr/bin:/bin",
  TERM: "xterm-256color",
  LANG: "en_US.UTF-8",
  LC_ALL: "C.UTF-8",
  TZ: "Europe/Paris",
  HOME: "/home/someone",
  USER: "someone",
  NODE_OPTIONS: "--require /tmp/evil.js",
  CLAUDE_CONFIG_DIR: "/home/someone/.claude",
};

test("glm: the Z.ai key as a bearer token to Z.ai's Anthropic endpoint, and nothing else from the shell", (t) => {
  const fixture = sandboxFixture(t);
  const spec = specFor(fixture, "glm", { key: CANARIES.ZAI_API_KEY, hostEnv: HOST_ENV });
  assert.deepEqual(spec.env, {
    PATH: HOST_ENV.PATH,
    TERM: HOST_ENV.TERM,
    LANG: HOST_ENV.LANG,
    LC_ALL: HOST_ENV.LC_ALL,
    TZ: HOST_ENV.TZ,
    API_TIMEOUT_MS: "3000000",
    CLAUDE_CODE_MAX_CONTEXT_TOKENS: "200000",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    CLAUDE_CONFIG_DIR: join(fixture.home, "state", "glm", ".claude"),
    ANTHROPIC_AUTH_TOKEN: CANARIES.ZAI_API_KEY,
    ANTHROPIC_API_KEY: "",
    ANTHROPIC_BASE_URL: "https://api.z.ai/api/anthropic",
    ANTHROPIC_MODEL: "glm-4.6",
    ANTHROPIC_DEFAULT_OPUS_MODEL: "glm-4.6",
    ANTHROPIC_DEFAULT_SONNET_MODEL: "glm-4.6",
    ANTHROPIC_DEFAULT_HAIKU_MODEL: "glm-4.5-air",
    ANTHROPIC_SMALL_FAST_MODEL: "glm-4.5-air",
  });
  assert.deepEqual(spec.secretEnv, ["ANTHROPIC_AUTH_TOKEN"]);
  assert.equal(spec.stateRoot, join(fixture.home, "state", "glm"));
  assert.equal(spec.workspace, fixture.workspace);
});

test("kimi: the Moonshot key as a bearer token to Moonshot's Anthropic endpoint", (t) => {
  const spec = specFor(sandboxFixture(t), "kimi", { key: CANARIES.MOONSHOT_API_KEY, hostEnv: HOST_ENV });
  assert.equal(spec.env.ANTHROPIC_AUTH_TOKEN, CANARIES.MOONSHOT_API_KEY);
  assert.equal(spec.env.ANTHROPIC_API_KEY, "");
  assert.equal(spec.env.ANTHROPIC_BASE_URL, "https://api.moonshot.ai/anthropic");
  assert.equal(spec.env.ANTHROPIC_MODEL, "kimi-k2.5");
  assert.equal(spec.env.ANTHROPIC_DEFAULT_HAIKU_MODEL, "kimi-k2-turbo-preview");
  assertOnlyCanary(spec.env, CANARIES.MOONSHOT_API_KEY);
});

test("claude: the Anthropic key as x-api-key, the bearer blanked, no base URL unless moved", (t) => {
  const fixture = sandboxFixture(t);
  const spec = specFor(fixture, "claude", { key: CANARIES.ANTHROPIC_API_KEY, hostEnv: HOST_ENV });
  assert.equal(spec.env.ANTHROPIC_API_KEY, CANARIES.ANTHROPIC_API_KEY);
  assert.equal(spec.env.ANTHROPIC_AUTH_TOKEN, "");
  assert.equal("ANTHROPIC_BASE_URL" in spec.env, false, "the parent's bogus base URL does not cross");
  assert.deepEqual(spec.secretEnv, ["ANTHROPIC_API_KEY"]);
  assertOnlyCanary(spec.env, CANARIES.ANTHROPIC_API_KEY);

  const local = configFrom({ providers: { anthropic: { baseUrl: "http://127.0.0.1:8080" } } });
  const moved = specFor(fixture, "claude", { config: local, key: "k" });
  assert.equal(moved.env.ANTHROPIC_BASE_URL, "http://127.0.0.1:8080");
});

test("gemini: the Gemini key, its own CLI home, a trusted workspace, the endpoint named and no proxy", (t) => {
  const fixture = sandboxFixture(t);
  const spec = specFor(fixture, "gemini", { key: CANARIES.GEMINI_API_KEY, hostEnv: HOST_ENV });
  assert.equal(spec.env.GEMINI_API_KEY, CANARIES.GEMINI_API_KEY);
  assert.equal(spec.env.GEMINI_CLI_HOME, join(fixture.home, "state", "gemini"));
  assert.equal(spec.env.GEMINI_CLI_TRUST_WORKSPACE, "true");
  assert.equal(spec.env.GEMINI_MODEL, "gemini-2.5-flash");
  // Named even at its default and proxies set empty: Gemini CLI's .env loading fills in only unset variables.
  assert.equal(spec.env.GOOGLE_GEMINI_BASE_URL, "https://generativelanguage.googleapis.com");
  assert.equal(spec.env.HTTPS_PROXY, "");
  assert.equal(spec.env.http_proxy, "");
  assert.equal("GOOGLE_API_KEY" in spec.env, false);
  assert.deepEqual(spec.secretEnv, ["GEMINI_API_KEY"]);
  assertOnlyCanary(spec.env, CANARIES.GEMINI_API_KEY);

  const local = configFrom({ providers: { google: { baseUrl: "http://127.0.0.1:9090" } } });
  assert.equal(
    specFor(fixture, "gemini", { config: local }).env.GOOGLE_GEMINI_BASE_URL,
    "http://127.0.0.1:9090",
  );
});

test("a custom mode on a custom provider gets its endpoint, its model mapping and its own env", (t) => {
  const config = configFrom({
    providers: {
      "glm-china": { extends: "zai", anthropicBaseUrl: "https://open.bigmodel.cn/api/anthropic" },
    },
    modes: {
      glmcn: { cli: "claude", provider: "glm-china", model: "glm-5.1", env: { API_TIMEOUT_MS: "60000" } },
    },
  });
  const spec = specFor(sandboxFixture(t), "glmcn", { config, key: "china-key" });
  assert.equal(spec.env.ANTHROPIC_BASE_URL, "https://open.bigmodel.cn/api/anthropic");
  assert.equal(spec.env.ANTHROPIC_AUTH_TOKEN, "china-key");
  assert.equal(
    spec.env.ANTHROPIC_DEFAULT_HAIKU_MODEL,
    "glm-5.1",
    "without a small model the main one serves",
  );
  assert.equal(spec.env.API_TIMEOUT_MS, "60000");
});

test("the assistant's arguments pass through untouched, after Claude Code's pinned settings", (t) => {
  const args = ["-p", "two words", "--", "start", "$HOME", "--model=x"];
  const fixture = sandboxFixture(t);
  assert.deepEqual(specFor(fixture, "glm", { args }).args.slice(2), args);
  assert.deepEqual(specFor(fixture, "gemini", { args }).args, args);
});

test("Claude Code modes pin endpoint, models and no proxy in a --settings layer that outranks the workspace's", (t) => {
  const fixture = sandboxFixture(t);
  for (const [mode, endpoint] of [
    ["glm", "https://api.z.ai/api/anthropic"],
    ["kimi", "https://api.moonshot.ai/anthropic"],
    ["claude", "https://api.anthropic.com"],
  ] as const) {
    const spec = specFor(fixture, mode, { key: "sk-pinned-secret" });
    assert.equal(spec.args[0], "--settings");
    const settings: { env: Record<string, string> } = JSON.parse(spec.args[1] ?? "");
    assert.equal(settings.env.ANTHROPIC_BASE_URL, endpoint);
    assert.equal(settings.env.HTTPS_PROXY, "");
    assert.equal(settings.env.http_proxy, "");
    assert.equal(settings.env.DISABLE_TELEMETRY, "1");
    assert.ok(!spec.args.join(" ").includes("sk-pinned-secret"), "the key never goes on the command line");
    if (mode === "glm") assert.equal(settings.env.ANTHROPIC_MODEL, "glm-4.6");
  }
  // A version or help query sends nothing, and Claude Code answers it at once only alone.
  assert.deepEqual(specFor(fixture, "glm", { args: ["--version"] }).args, ["--version"]);
  assert.equal(specFor(fixture, "glm", { args: ["--version", "-p", "x"] }).args[0], "--settings");
});

test("a mode's env may not carry a key or an endpoint: config check names it", (t) => {
  const fixture = sandboxFixture(t);
  const file = join(fixture.home, "config.yaml");
  for (const name of [
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ZAI_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "MY_TOKEN",
  ]) {
    const result = checkConfigText(file, `modes:\n  glm:\n    env:\n      ${name}: x\n`);
    assert.equal(result.ok, false, name);
    if (!result.ok) assert.equal(result.problems[0]?.path, `modes.glm.env.${name}`);
  }
  assert.equal(checkConfigText(file, "modes:\n  glm:\n    env:\n      API_TIMEOUT_MS: '1'\n").ok, true);
});

test("a workspace that is the filesystem's root, or lies inside ai-orchestrator's home, is refused", (t) => {
  const fixture = sandboxFixture(t);
  for (const workspace of ["/", fixture.home, join(fixture.home, "state", "glm")]) {
    assert.throws(
      () => specFor({ ...fixture, workspace }, "glm"),
      (error) => isAppError(error) && /run from a project directory/.test(error.message),
    );
  }
});

test("a workspace that holds the home, even through a symlinked path, runs with the home's real path hidden", (t) => {
  const fixture = sandboxFixture(t);
  const base = scratchDirectory(t, "aio-links-");
  // The workspace is a real path; the home is named through links elsewhere, as with a dotfiles repo.
  const project = join(base, "project");
  mkdirSync(join(project, "aio-home"), { recursive: true });
  mkdirSync(join(base, "links"));
  symlinkSync(join(project, "aio-home"), join(base, "links", "home"));
  symlinkSync(project, join(base, "links", "project"));
  const linkedHomes = [
    join(base, "links", "home"),
    join(base, "links", "project", "aio-home"),
    join(base, "links", "project", "not-created-yet"),
  ];
  const realHomes = [join(project, "aio-home"), join(project, "aio-home"), join(project, "not-created-yet")];
  linkedHomes.forEach((home, index) => {
    const paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: home } });
    assert.deepEqual(
      specFor({ ...fixture, paths, workspace: project }, "glm").hidden,
      [realHomes[index]],
      home,
    );
  });
  assert.deepEqual(specFor(fixture, "glm").hidden, [], "a project apart from the home hides nothing");
});

function assertOnlyCanary(env: Readonly<Record<string, string>>, allowed: string): void {
  const values = Object.values(env).join("\n");
  for (const value of [...Object.values(HOSTILE_ENV), HOST_ENV.NODE_OPTIONS, HOST_ENV.HOME]) {
    if (value === allowed) continue;
    assert.equal(values.includes(value), false, `${value} crossed into the sandbox`);
  }
}

function checkConfigText(file: string, text: string): ReturnType<typeof checkConfig> {
  writeFileSync(file, text);
  return checkConfig(file);
}
