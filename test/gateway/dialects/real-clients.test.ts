// The real Claude Code and Gemini CLI complete a prompt whose model is served by a provider of
// another dialect: Claude Code (Anthropic Messages, with adaptive thinking, output_config, context
// management, deferred tools and mid-conversation system messages) answered by the Gemini simulator,
// and Gemini CLI (generateContent) answered by the Z.ai simulator, both through the translation.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AnyProviderClient } from "../../../src/providers/clients.ts";
import { type Simulators, startSimulators } from "../../../src/simulators/index.ts";
import { CLAUDE, CLI_PATH, freshCliHome, GEMINI, requireCli } from "../../support/assistant-clis.ts";
import { runProgram } from "../../support/cli.ts";
import {
  SIMULATOR_KEY,
  simulatorClient,
  startTranslatingServer,
  type TranslatingServer,
} from "./translating-server.ts";

describe("real assistant CLIs through translation", () => {
  let simulators: Simulators;
  const clients: AnyProviderClient[] = [];
  const servers: TranslatingServer[] = [];
  before(async () => {
    simulators = await startSimulators({ keys: { google: [SIMULATOR_KEY], zai: [SIMULATOR_KEY] } });
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(clients.map((client) => client.close()));
    await simulators.close();
  });
  const serve = async (api: "google" | "zai", model: string): Promise<string> => {
    const client = simulatorClient(simulators, api);
    clients.push(client);
    const server = await startTranslatingServer({ client, model });
    servers.push(server);
    return server.url;
  };

  test("Claude Code completes -p with its model served by Gemini", async (t) => {
    if (!requireCli(t, "Claude Code")) return;
    const home = freshCliHome(t);
    const before = simulators.requests().length;
    const result = await runProgram(CLAUDE, ["-p", "ping gemini through the hub"], {
      env: {
        PATH: CLI_PATH,
        HOME: home,
        ANTHROPIC_BASE_URL: await serve("google", "gemini-2.5-flash"),
        ANTHROPIC_AUTH_TOKEN: "hub-key",
        DISABLE_TELEMETRY: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      },
      cwd: home,
    });
    assert.equal(result.code, 0, result.stderr || result.stdout);
    assert.match(result.stdout, /Simulated Gemini reply to: ping gemini through the hub/);
    const calls = simulators.requests().slice(before);
    assert.ok(
      calls.some((call) => call.path === "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"),
    );
  });

  test("Gemini CLI completes -p with its model served by Z.ai", async (t) => {
    if (!requireCli(t, "Gemini CLI")) return;
    const home = freshCliHome(t);
    const before = simulators.requests().length;
    const result = await runProgram(GEMINI, ["-m", "gemini-2.5-flash", "-p", "ping glm through the hub"], {
      env: {
        PATH: CLI_PATH,
        HOME: home,
        GEMINI_API_KEY: "hub-key",
        GOOGLE_GEMINI_BASE_URL: await serve("zai", "glm-4.6"),
        GEMINI_CLI_TRUST_WORKSPACE: "true",
      },
      cwd: home,
    });
    assert.equal(result.code, 0, result.stderr || result.stdout);
    // Gemini CLI puts its session context and the prompt in one turn, which Z.ai gets as one text.
    assert.match(result.stdout, /^Simulated Z\.ai reply to: <session_context>/);
    const call = simulators
      .requests()
      .slice(before)
      .find((request) => request.provider === "zai" && request.path.endsWith("/chat/completions"));
    assert.ok(call, "Z.ai was not called");
    const sent = JSON.parse(call.body);
    assert.equal(sent.model, "glm-4.6");
    assert.match(JSON.stringify(sent.messages.at(-1)), /ping glm through the hub/);
  });
});
