// Contract: a streamed chat turn on every provider, and (against the simulators) what a user sees
// when the stream fails midway, stalls, or sends garbage.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { ChatStreamEvent } from "../../src/providers/chat.ts";
import { collectChatStream } from "../../src/providers/chat.ts";
import { isProviderError, type ProviderErrorKind } from "../../src/providers/errors.ts";
import { contractSuite } from "./targets.ts";

/** The kind each provider's mid-stream failure maps to, as the reference describes it. */
const MID_STREAM_FAILURE: Readonly<Record<string, ProviderErrorKind>> = {
  anthropic: "overloaded", // an `error` event with overloaded_error after HTTP 200
  google: "overloaded", // an UNAVAILABLE error chunk
  zai: "server", // finish_reason network_error, no error JSON
  moonshot: "server", // an error object in place of a chunk
};

contractSuite("stream", (target) => {
  it("streams the answer in pieces that add up to the whole, then a finish with usage", async () => {
    const events: ChatStreamEvent[] = [];
    const response = await collectChatStream(
      target.api,
      target.model,
      target.client().streamChat({
        model: target.model,
        messages: [{ role: "user", content: "Count from one to twenty in words, separated by spaces." }],
        maxOutputTokens: 300,
      }),
      (event) => events.push(event),
    );
    const deltas = events.filter((event) => event.type === "text-delta");
    assert.ok(deltas.length >= 2, `expected several text pieces, got ${deltas.length}`);
    assert.equal(deltas.map((event) => event.text).join(""), response.text);
    const last = events.at(-1);
    assert.equal(last?.type, "finish");
    assert.ok(response.usage && response.usage.outputTokens > 0, "usage arrives with the stream");
    assert.ok(["stop", "length"].includes(response.finishReason));
  });

  if (target.kind !== "simulator") return;

  it("turns a failure after HTTP 200 into a retryable error, after the text sent so far", async () => {
    target.simulators().faults.inject(target.api, { kind: "stream-error", times: 1 });
    const seen: string[] = [];
    await assert.rejects(
      collectChatStream(
        target.api,
        target.model,
        target
          .client()
          .streamChat({ model: target.model, messages: [{ role: "user", content: "tell me a long story" }] }),
        (event) => {
          if (event.type === "text-delta") seen.push(event.text);
        },
      ),
      (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, MID_STREAM_FAILURE[target.api], error.message);
        assert.equal(error.retryable, true);
        return true;
      },
    );
    assert.ok(seen.length >= 1, "the text before the failure was delivered");
  });

  it("gives up on a stream that goes silent, as a retryable timeout", async () => {
    target.simulators().faults.inject(target.api, { kind: "stall", afterEvents: 2, times: 1 });
    const client = target.client({ timeouts: { bodyIdleMs: 300 } });
    await assert.rejects(
      collectChatStream(
        target.api,
        target.model,
        client.streamChat({ model: target.model, messages: [{ role: "user", content: "hi" }] }),
      ),
      (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "timeout", error.message);
        assert.equal(error.retryable, true);
        return true;
      },
    );
  });

  it("reports an event that is not JSON as a protocol error", async () => {
    target.simulators().faults.inject(target.api, { kind: "malformed", times: 1 });
    await assert.rejects(
      collectChatStream(
        target.api,
        target.model,
        target.client().streamChat({ model: target.model, messages: [{ role: "user", content: "hi" }] }),
      ),
      (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "protocol", error.message);
        return true;
      },
    );
  });

  if (target.api === "zai" || target.api === "moonshot") {
    it("streams reasoning_content apart from the answer when thinking is on", async () => {
      const events: ChatStreamEvent[] = [];
      const response = await collectChatStream(
        target.api,
        target.model,
        target.client().streamChat({
          model: target.api === "moonshot" ? "kimi-k2-thinking" : target.model,
          thinking: true,
          messages: [{ role: "user", content: "why is the sky blue" }],
        }),
        (event) => events.push(event),
      );
      assert.ok(
        events.some((event) => event.type === "reasoning-delta"),
        "reasoning arrives as its own events",
      );
      assert.ok(response.reasoning && response.reasoning.length > 0);
      assert.ok(!response.text.includes(response.reasoning), "reasoning is not mixed into the answer");
    });
  }
});
