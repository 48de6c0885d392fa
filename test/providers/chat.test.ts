// Contract: a plain (non-streaming) chat turn on every provider.
import assert from "node:assert/strict";
import { it } from "node:test";
import { isProviderError } from "../../src/providers/errors.ts";
import { contractSuite } from "./targets.ts";

contractSuite("chat", (target) => {
  it("answers a prompt with text, a stop reason and token usage", async () => {
    const response = await target.client().chat({
      model: target.model,
      system: "Answer in one short sentence.",
      messages: [{ role: "user", content: "Say hello." }],
      maxOutputTokens: 200,
    });
    assert.equal(response.provider, target.api);
    assert.ok(response.text.trim().length > 0, "the answer has text");
    assert.ok(["stop", "length"].includes(response.finishReason), `finishReason ${response.finishReason}`);
    assert.ok(response.usage, "usage is reported");
    assert.ok(response.usage.inputTokens > 0 && response.usage.outputTokens > 0);
    assert.equal(
      response.usage.totalTokens >= response.usage.inputTokens + response.usage.outputTokens,
      true,
    );
  });

  it("rejects a wrong key as auth, not retryable, without echoing the key", async () => {
    const wrongKey = "sk-wrong-key-for-contract-test-000000";
    await assert.rejects(
      target
        .client({ apiKey: wrongKey })
        .chat({ model: target.model, messages: [{ role: "user", content: "hi" }] }),
      (error) => {
        assert.ok(isProviderError(error));
        // Gemini reports a bad key as 400 INVALID_ARGUMENT with reason API_KEY_INVALID.
        assert.equal(error.kind, "auth", error.message);
        assert.equal(error.retryable, false);
        assert.ok(!error.message.includes(wrongKey));
        assert.ok(!JSON.stringify(error).includes(wrongKey));
        return true;
      },
    );
  });

  it("reports a model the provider does not serve as not_found", async () => {
    await assert.rejects(
      target.client().chat({ model: "no-such-model-xyz", messages: [{ role: "user", content: "hi" }] }),
      (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "not_found", error.message);
        return true;
      },
    );
  });
});
