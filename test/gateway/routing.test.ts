import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configSchema } from "../../src/config/schema/index.ts";
import { AppError } from "../../src/errors.ts";
import { passthroughBaseUrl, resolveRoute, routeForProvider } from "../../src/gateway/routing.ts";

const config = configSchema.parse({
  providers: {
    "zai-china": { extends: "zai", baseUrl: "https://open.bigmodel.cn/api/paas/v4" },
    moonshot: { models: { main: "kimi-k2-0905-preview" } },
  },
  resilience: { fallbacks: { zai: ["moonshot", "anthropic"] } },
  gateway: {
    models: {
      coder: { target: "zai-china/glm-4.6" },
      pinned: { target: "zai/glm-4.5", fallbacks: ["google/gemini-2.5-pro"] },
    },
  },
});

const chain = (asked: string) =>
  resolveRoute(config, asked).targets.map((target) => `${target.provider.id}/${target.model}`);

describe("model routing", () => {
  it("routes well-known prefixes to their provider, with fallbacks mapped by role", () => {
    assert.deepEqual(chain("glm-4.6"), [
      "zai/glm-4.6",
      "moonshot/kimi-k2-0905-preview",
      "anthropic/claude-sonnet-4-5",
    ]);
    // The small model falls back to the next provider's small model, not its main one.
    assert.deepEqual(chain("glm-4.5-air"), [
      "zai/glm-4.5-air",
      "moonshot/kimi-k2-turbo-preview",
      "anthropic/claude-haiku-4-5",
    ]);
    assert.equal(resolveRoute(config, "glm-4.5-air").role, "small");
    assert.deepEqual(chain("claude-haiku-4-5-20251001"), ["anthropic/claude-haiku-4-5-20251001"]);
    assert.equal(resolveRoute(config, "claude-haiku-4-5-20251001").role, "small");
    assert.deepEqual(chain("kimi-k2.5"), ["moonshot/kimi-k2.5"]);
    assert.deepEqual(chain("models/gemini-2.5-flash"), ["google/gemini-2.5-flash"]);
  });

  it("takes an explicit provider/model over any prefix, custom providers included", () => {
    assert.deepEqual(chain("moonshot/glm-lookalike"), ["moonshot/glm-lookalike"]);
    assert.deepEqual(chain("zai-china/glm-4.6"), ["zai-china/glm-4.6"]);
  });

  it("resolves aliases, with their own fallbacks when given", () => {
    assert.deepEqual(chain("coder"), ["zai-china/glm-4.6"]);
    assert.deepEqual(chain("pinned"), ["zai/glm-4.5", "google/gemini-2.5-pro"]);
  });

  it("refuses an unknown model with a usage error that lists what exists", () => {
    for (const asked of ["gpt-4o", "nobody/model", "zai/", ""]) {
      assert.throws(
        () => resolveRoute(config, asked),
        (error: unknown) =>
          error instanceof AppError &&
          error.status === 400 &&
          error.message.includes("zai-china") &&
          error.message.includes("coder, pinned") &&
          error.message.includes("glm-"),
      );
    }
  });

  it("gives a provider's own route for ask and sessions", () => {
    const route = routeForProvider(config, "zai");
    assert.deepEqual(
      route.targets.map((target) => `${target.provider.id}/${target.model}`),
      ["zai/glm-4.6", "moonshot/kimi-k2-0905-preview", "anthropic/claude-sonnet-4-5"],
    );
  });

  it("knows where each provider speaks a dialect unchanged", () => {
    const zai = resolveRoute(config, "glm-4.6").targets[0]!.provider;
    assert.equal(passthroughBaseUrl(zai, "openai"), "https://api.z.ai/api/paas/v4");
    assert.equal(passthroughBaseUrl(zai, "anthropic"), "https://api.z.ai/api/anthropic");
    assert.equal(passthroughBaseUrl(zai, "gemini"), undefined);
    const google = resolveRoute(config, "gemini-2.5-flash").targets[0]!.provider;
    assert.equal(passthroughBaseUrl(google, "gemini"), "https://generativelanguage.googleapis.com");
    assert.equal(passthroughBaseUrl(google, "anthropic"), undefined);
  });
});
