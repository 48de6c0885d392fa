// The real Claude Code and Gemini CLIs (devDependencies) complete a prompt against the simulators:
// proof that the simulated wire formats satisfy the clients that matter most.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ProviderApi } from "../../src/config/schema/index.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { CLAUDE, CLI_PATH, freshCliHome, GEMINI, requireCli } from "../support/assistant-clis.ts";
import { runProgram } from "../support/cli.ts";

describe("real assistant CLIs against the simulators", () => {
  let simulators: Simulators;
  before(async () => {
    simulators = await startSimulators({
      keys: { anthropic: ["sk-ant-sim"], zai: ["zai-sim"], moonshot: ["sk-moon-sim"], google: ["gem-sim"] },
    });
  });
  after(() => simulators.close());

  const claudeCases: { provider: ProviderApi; variable: string; key: string; name: string }[] = [
    { provider: "anthropic", variable: "ANTHROPIC_API_KEY", key: "sk-ant-sim", name: "Anthropic" },
    { provider: "zai", variable: "ANTHROPIC_AUTH_TOKEN", key: "zai-sim", name: "Z.ai" },
    { provider: "moonshot", variable: "ANTHROPIC_AUTH_TOKEN", key: "sk-moon-sim", name: "Moonshot" },
  ];
  for (const { provider, variable, key, name } of claudeCases) {
    test(`Claude Code completes a streamed -p prompt against the ${name} simulator`, async (t) => {
      if (!requireCli(t, "Claude Code")) return;
      const home = freshCliHome(t);
      const before = simulators.requests().length;
      const result = await runProgram(CLAUDE, ["-p", `ping ${provider} simulator`], {
        env: {
          PATH: CLI_PATH,
          HOME: home,
          ANTHROPIC_BASE_URL: simulators.endpoints[provider].anthropicBaseUrl ?? "",
          [variable]: key,
          DISABLE_TELEMETRY: "1",
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        },
        cwd: home,
      });
      assert.equal(result.code, 0, result.stderr || result.stdout);
      assert.match(
        result.stdout,
        new RegExp(`Simulated ${name.replace(".", "\\.")} reply to: ping ${provider} simulator`),
      );
      const calls = simulators
        .requests()
        .slice(before)
        .filter((request) => request.path.includes("/v1/messages"));
      assert.ok(calls.length > 0);
      assert.ok(calls.every((request) => request.provider === provider));
      const sent = calls[0]?.headers;
      assert.equal(
        variable === "ANTHROPIC_API_KEY" ? sent?.["x-api-key"] : sent?.authorization,
        variable === "ANTHROPIC_API_KEY" ? key : `Bearer ${key}`,
      );
      assert.match(calls[0]?.path ?? "", /\?beta=true$/);
      assert.equal(JSON.parse(calls[0]?.body ?? "{}").stream, true);
    });
  }

  test("Gemini CLI completes a -p prompt against the Gemini simulator via streamGenerateContent", async (t) => {
    if (!requireCli(t, "Gemini CLI")) return;
    const home = freshCliHome(t);
    const before = simulators.requests().length;
    const result = await runProgram(GEMINI, ["-m", "gemini-2.5-flash", "-p", "ping gemini simulator"], {
      env: {
        PATH: CLI_PATH,
        HOME: home,
        GEMINI_API_KEY: "gem-sim",
        GOOGLE_GEMINI_BASE_URL: simulators.endpoints.google.baseUrl,
        GEMINI_CLI_TRUST_WORKSPACE: "true",
      },
      cwd: home,
    });
    assert.equal(result.code, 0, result.stderr || result.stdout);
    assert.match(result.stdout, /Simulated Gemini reply to: ping gemini simulator/);
    const calls = simulators
      .requests()
      .slice(before)
      .filter((request) => request.provider === "google");
    const streamed = calls.find(
      (request) => request.path === "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
    assert.ok(streamed, `no streamed call among ${calls.map((request) => request.path).join(", ")}`);
    assert.equal(streamed.headers["x-goog-api-key"], "gem-sim");
  });
});
