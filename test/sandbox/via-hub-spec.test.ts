// What a sandbox launched through the hub receives: the hub's URL as its endpoint and a session
// token as its only credential, for each CLI and each kind of provider, with the same pinning.
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveMode } from "../../src/modes/registry.ts";
import { buildSandboxSpec } from "../../src/sandbox/build-spec.ts";
import type { SandboxSpec } from "../../src/sandbox/spec.ts";
import { configFrom, HOSTILE_ENV, sandboxFixture } from "../support/sandbox.ts";

const HUB_URL = "http://127.0.0.1:41234";
const TOKEN = "aio_sessiontokenforthistestonly000000000000";

function hubSpec(t: { after(fn: () => void): void }, mode: string): SandboxSpec {
  const fixture = sandboxFixture(t);
  return buildSandboxSpec(
    resolveMode(configFrom({}), mode),
    { value: TOKEN, source: { kind: "env", name: "hub session token" } },
    {
      args: ["-p", "hi"],
      workspace: fixture.workspace,
      paths: fixture.paths,
      hostEnv: { ...HOSTILE_ENV, PATH: "/usr/bin:/bin" },
      hubUrl: HUB_URL,
    },
  );
}

function assertNoProviderKey(spec: SandboxSpec): void {
  const everything = JSON.stringify(spec);
  for (const [name, value] of Object.entries(HOSTILE_ENV))
    assert.equal(everything.includes(value), false, `${name} in the spec`);
  assert.equal(spec.args.join(" ").includes(TOKEN), false, "the token is on the command line");
}

for (const mode of ["glm", "kimi", "claude"]) {
  test(`${mode} through the hub: a bearer session token to the hub's URL, pinned against workspace settings`, (t) => {
    const spec = hubSpec(t, mode);
    assert.equal(spec.env.ANTHROPIC_AUTH_TOKEN, TOKEN);
    assert.equal(spec.env.ANTHROPIC_API_KEY, "");
    assert.equal(spec.env.ANTHROPIC_BASE_URL, HUB_URL);
    assert.deepEqual(spec.secretEnv, ["ANTHROPIC_AUTH_TOKEN"]);
    const settings = spec.args[spec.args.indexOf("--settings") + 1] ?? "{}";
    assert.equal(JSON.parse(settings).env.ANTHROPIC_BASE_URL, HUB_URL, "the endpoint is pinned to the hub");
    assertNoProviderKey(spec);
  });
}

test("gemini through the hub: the session token as GEMINI_API_KEY and the hub as GOOGLE_GEMINI_BASE_URL", (t) => {
  const spec = hubSpec(t, "gemini");
  assert.equal(spec.env.GEMINI_API_KEY, TOKEN);
  assert.equal(spec.env.GOOGLE_GEMINI_BASE_URL, HUB_URL);
  assert.deepEqual(spec.secretEnv, ["GEMINI_API_KEY"]);
  assertNoProviderKey(spec);
});
