import assert from "node:assert/strict";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isAppError } from "../../src/errors.ts";
import { importUserSettings, seedState } from "../../src/sandbox/seed-state.ts";
import { CANARIES, sandboxFixture, specFor } from "../support/sandbox.ts";

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8"));
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

test("claude: onboarding done, workspace trusted and the key approved by its last 20 characters, privately", (t) => {
  const fixture = sandboxFixture(t);
  const spec = specFor(fixture, "claude", { key: CANARIES.ANTHROPIC_API_KEY });
  seedState(spec);
  for (const file of [
    join(spec.stateRoot, ".claude", ".claude.json"),
    join(spec.stateRoot, ".claude.json"),
  ]) {
    const state = readJson(file);
    assert.equal(state.hasCompletedOnboarding, true);
    assert.deepEqual(state.projects, { [fixture.workspace]: { hasTrustDialogAccepted: true } });
    assert.deepEqual(state.customApiKeyResponses, {
      approved: [CANARIES.ANTHROPIC_API_KEY.slice(-20)],
      rejected: [],
    });
    assert.equal(
      readFileSync(file, "utf8").includes(CANARIES.ANTHROPIC_API_KEY),
      false,
      "never the whole key",
    );
    assert.equal(mode(file), 0o600);
  }
  assert.equal(mode(spec.stateRoot), 0o700);
  assert.equal(mode(join(spec.stateRoot, ".claude")), 0o700);
});

test("glm: a bearer-token mode needs no key approval, so no fragment of the key is written", (t) => {
  const spec = specFor(sandboxFixture(t), "glm", { key: CANARIES.ZAI_API_KEY });
  seedState(spec);
  const state = readJson(join(spec.stateRoot, ".claude", ".claude.json"));
  assert.equal(state.customApiKeyResponses, undefined);
  assert.equal(JSON.stringify(state).includes(CANARIES.ZAI_API_KEY.slice(-8)), false);
});

test("seeding merges into what the assistant wrote, and a rotated key replaces the old approval", (t) => {
  const fixture = sandboxFixture(t);
  const first = specFor(fixture, "claude", { key: "sk-ant-old-key-0123456789abcdefghijkl" });
  seedState(first);
  const file = join(first.stateRoot, ".claude", ".claude.json");
  const written = readJson(file);
  writeFileSync(
    file,
    JSON.stringify({
      ...written,
      theme: "dark",
      numStartups: 4,
      projects: { "/elsewhere": { allowedTools: ["Bash"] } },
    }),
  );
  const rotated = specFor(fixture, "claude", { key: "sk-ant-new-key-9876543210zyxwvutsrqpo" });
  seedState(rotated);
  const state = readJson(file);
  assert.equal(state.theme, "dark");
  assert.equal(state.numStartups, 4);
  assert.deepEqual(state.projects, {
    "/elsewhere": { allowedTools: ["Bash"] },
    [fixture.workspace]: { hasTrustDialogAccepted: true },
  });
  assert.deepEqual(state.customApiKeyResponses, {
    approved: ["9876543210zyxwvutsrqpo".slice(-20)],
    rejected: [],
  });
});

test("gemini: API-key auth selected and the workspace trusted, the person's other settings kept", (t) => {
  const fixture = sandboxFixture(t);
  const spec = specFor(fixture, "gemini", { key: CANARIES.GEMINI_API_KEY });
  mkdirSync(join(spec.stateRoot, ".gemini"), { recursive: true });
  writeFileSync(
    join(spec.stateRoot, ".gemini", "settings.json"),
    JSON.stringify({ ui: { theme: "GitHub" } }),
  );
  seedState(spec);
  assert.deepEqual(readJson(join(spec.stateRoot, ".gemini", "settings.json")), {
    ui: { theme: "GitHub" },
    security: { auth: { selectedType: "gemini-api-key" } },
  });
  assert.deepEqual(readJson(join(spec.stateRoot, ".gemini", "trustedFolders.json")), {
    [fixture.workspace]: "TRUST_FOLDER",
  });
  const everything = readFileSync(join(spec.stateRoot, ".gemini", "settings.json"), "utf8");
  assert.equal(everything.includes(CANARIES.GEMINI_API_KEY), false);
});

test("a state file that is not JSON stops the launch with one line instead of being overwritten", (t) => {
  const spec = specFor(sandboxFixture(t), "glm");
  mkdirSync(join(spec.stateRoot, ".claude"), { recursive: true });
  writeFileSync(join(spec.stateRoot, ".claude", ".claude.json"), "{ broken");
  assert.throws(
    () => seedState(spec),
    (error) => isAppError(error) && /\.claude\.json is not valid JSON/.test(error.message),
  );
  assert.equal(readFileSync(join(spec.stateRoot, ".claude", ".claude.json"), "utf8"), "{ broken");
});

test("import brings the person's Claude settings and memory, without env blocks, helpers or keys", (t) => {
  const fixture = sandboxFixture(t);
  const userHome = join(fixture.workspace, "user-home");
  mkdirSync(join(userHome, ".claude"), { recursive: true });
  writeFileSync(join(userHome, ".claude", "CLAUDE.md"), "Prefer small commits.\n");
  writeFileSync(
    join(userHome, ".claude", "settings.json"),
    JSON.stringify({
      permissions: { allow: ["Bash(npm test)"] },
      statusLine: { type: "command", command: "echo hi" },
      env: { ANTHROPIC_BASE_URL: "https://proxy", ANTHROPIC_AUTH_TOKEN: "secret-1" },
      apiKeyHelper: "cat ~/.key",
      mcpServers: { search: { headers: { Authorization: "Bearer sk-live-1" }, url: "https://mcp" } },
    }),
  );
  const stateRoot = join(fixture.home, "state", "claude");
  const report = importUserSettings("claude", stateRoot, userHome);
  assert.equal(readFileSync(join(stateRoot, ".claude", "CLAUDE.md"), "utf8"), "Prefer small commits.\n");
  const settings = readJson(join(stateRoot, ".claude", "settings.json"));
  assert.deepEqual(settings, {
    permissions: { allow: ["Bash(npm test)"] },
    statusLine: { type: "command", command: "echo hi" },
    mcpServers: { search: { headers: {}, url: "https://mcp" } },
  });
  assert.equal(JSON.stringify(settings).includes("sk-live-1"), false);
  assert.ok(report.skipped.some((line) => line.includes("mcpServers.search.headers.Authorization")));
});

test("import brings Gemini settings without their auth choice, keeping the seeded one", (t) => {
  const fixture = sandboxFixture(t);
  const userHome = join(fixture.workspace, "user-home");
  mkdirSync(join(userHome, ".gemini"), { recursive: true });
  writeFileSync(
    join(userHome, ".gemini", "settings.json"),
    JSON.stringify({ ui: { theme: "Dracula" }, security: { auth: { selectedType: "oauth-personal" } } }),
  );
  const spec = specFor(fixture, "gemini");
  seedState(spec);
  importUserSettings("gemini", spec.stateRoot, userHome);
  assert.deepEqual(readJson(join(spec.stateRoot, ".gemini", "settings.json")), {
    ui: { theme: "Dracula" },
    security: { auth: { selectedType: "gemini-api-key" } },
  });
});
