// The informational routes: /v1/providers is exactly `providers --json`, and the model lists show
// what a key may ask for, in each client's list shape.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { homeEnv } from "../cli/home-env.ts";
import { runCli } from "../support/cli.ts";
import { pick, simulatorConfig, startTestHub } from "../support/hub.ts";

describe("informational routes", () => {
  it("GET /v1/providers serves the same JSON as `ai-orchestrator providers --json`", async (t) => {
    const settings = {
      resilience: { store: "memory" },
      gateway: { models: { coder: { target: "zai/glm-4.6" } } },
    };
    const hub = await startTestHub(t, simulatorConfig(undefined, settings));
    const key = await hub.addKey("viewer", ["chat"]);
    const served = await (
      await hub.request("/v1/providers", { headers: { authorization: `Bearer ${key}` } })
    ).json();
    const configFile = join(hub.home, "config.yaml");
    writeFileSync(configFile, stringify(settings));
    const cli = await runCli(["--config", configFile, "providers", "--json"], { env: homeEnv(hub.home) });
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(served, JSON.parse(cli.stdout));
  });

  it("GET /v1/models lists each allowed provider's models and the aliases, in OpenAI's, Anthropic's and Gemini's shapes", async (t) => {
    const hub = await startTestHub(
      t,
      simulatorConfig(undefined, { gateway: { models: { coder: { target: "zai/glm-4.6" } } } }),
    );
    const key = await hub.addKey("glm-only", ["chat"], { providers: ["zai"] });
    const openai = await (
      await hub.request("/v1/models", { headers: { authorization: `Bearer ${key}` } })
    ).json();
    assert.equal(pick(openai, "object"), "list");
    const data = pick(openai, "data");
    assert.ok(Array.isArray(data));
    const ids = data.map((model: unknown) => pick(model, "id"));
    assert.deepEqual(ids, ["zai/glm-4.6", "zai/glm-4.5-air", "coder"]);
    const anthropic = await (
      await hub.request("/v1/models", { headers: { "x-api-key": key, "anthropic-version": "2023-06-01" } })
    ).json();
    assert.equal(pick(anthropic, "data", 0, "type"), "model");
    assert.equal(pick(anthropic, "has_more"), false);
    const gemini = await (await hub.request(`/v1beta/models?key=${key}`)).json();
    assert.equal(pick(gemini, "models", 2, "name"), "models/coder");
  });
});
