// The policy stack against the simulated providers: retries, deadlines, the bulkhead, the breaker
// and fallback, as a caller of `ask` or the hub would notice them.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { configSchema } from "../../src/config/schema/index.ts";
import { policySchema } from "../../src/config/schema/resilience.ts";
import { collectChatStream } from "../../src/providers/chat.ts";
import { type AnyProviderClient, createProviderClient } from "../../src/providers/clients.ts";
import { isProviderError, ProviderError } from "../../src/providers/errors.ts";
import { resolveProvider } from "../../src/providers/registry.ts";
import { MemoryBreakerStore } from "../../src/resilience/breaker-store.ts";
import { BulkheadFullError, CircuitOpenError, FallbackExhaustedError } from "../../src/resilience/errors.ts";
import { executeWithFallback } from "../../src/resilience/fallback.ts";
import { createProviderPolicy, type ProviderPolicy, retryDelay } from "../../src/resilience/policy.ts";
import type { CallContext } from "../../src/resilience/timeouts.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";

let simulators: Simulators;
const clients = new Map<string, AnyProviderClient>();

before(async () => {
  simulators = await startSimulators({ providers: ["zai", "moonshot"] });
  const config = configSchema.parse({
    providers: {
      zai: { baseUrl: simulators.endpoints.zai.baseUrl },
      moonshot: { baseUrl: simulators.endpoints.moonshot.baseUrl },
    },
  });
  for (const id of ["zai", "moonshot"])
    clients.set(id, createProviderClient(resolveProvider(config, id), "sk-test-0001"));
});
after(async () => {
  await Promise.all([...clients.values()].map((client) => client.close()));
  await simulators.close();
});
beforeEach(() => {
  simulators.faults.clear();
  simulators.clearRequests();
});

const MODELS: Record<string, string> = { zai: "glm-4.6", moonshot: "kimi-k2-turbo-preview" };

/** One streamed chat turn, reporting progress to the policy as the events arrive. */
function chat(provider: string, context: CallContext): Promise<string> {
  const client = clients.get(provider);
  assert.ok(client);
  const events = client.streamChat({
    model: MODELS[provider] ?? "",
    messages: [{ role: "user", content: "Say hello." }],
    signal: context.signal,
  });
  return collectChatStream(provider, MODELS[provider] ?? "", events, () => context.progress()).then(
    (response) => response.text,
  );
}

function policyFor(provider: string, overrides: Record<string, unknown> = {}): ProviderPolicy {
  const config = policySchema.parse({
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    timeouts: { firstByteMs: 2_000, idleMs: 2_000 },
    ...overrides,
  });
  const gate = new MemoryBreakerStore().gate(provider, config.breaker, { probeLeaseMs: 1_000 });
  return createProviderPolicy({ provider, config, gate });
}

function requestsTo(provider: string): number {
  return simulators.requests().filter((request) => request.provider === provider).length;
}

describe("retry", () => {
  test("a provider overloaded twice answers on the third attempt", async () => {
    simulators.faults.inject("zai", { kind: "status", status: 503, times: 2 });
    const policy = policyFor("zai");
    const text = await policy.execute((context) => chat("zai", context));
    assert.ok(text.length > 0);
    assert.equal(requestsTo("zai"), 3);
  });

  test("gives up after maxAttempts with the provider's own error", async () => {
    simulators.faults.inject("zai", { kind: "status", status: 500 });
    const policy = policyFor("zai", { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    await assert.rejects(
      policy.execute((context) => chat("zai", context)),
      (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "server");
        return true;
      },
    );
    assert.equal(requestsTo("zai"), 2);
  });

  test("a wrong request or a bad key is not retried", async () => {
    simulators.faults.inject("zai", { kind: "status", status: 401 });
    const policy = policyFor("zai");
    await assert.rejects(
      policy.execute((context) => chat("zai", context)),
      { kind: "auth" },
    );
    assert.equal(requestsTo("zai"), 1);
  });

  test("the caller giving up during the wait before a retry ends it at once, with no further attempt", async () => {
    // Rate-limited, come back in 15 s: the policy waits at least that long before its retry.
    simulators.faults.inject("moonshot", { kind: "status", status: 429, retryAfterSeconds: 15 });
    const policy = policyFor("moonshot");
    const caller = new AbortController();
    const reason = new Error("the client left");
    const started = Date.now();
    const call = policy.execute(
      (context) => {
        // The caller leaves while the policy waits for the retry.
        if (context.attempt === 1) setTimeout(() => caller.abort(reason), 50);
        return chat("moonshot", context);
      },
      { signal: caller.signal },
    );
    await assert.rejects(call, (error) => error === reason);
    assert.ok(Date.now() - started < 5_000, "the wait was cut short");
    assert.equal(requestsTo("moonshot"), 1);
  });

  test("a Retry-After longer than maxRetryAfterMs is not waited for", async () => {
    simulators.faults.inject("moonshot", { kind: "status", status: 429, retryAfterSeconds: 60 });
    const policy = policyFor("moonshot");
    await assert.rejects(
      policy.execute((context) => chat("moonshot", context)),
      (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "rate_limit");
        assert.equal(error.retryAfterMs, 60_000);
        return true;
      },
    );
    assert.equal(requestsTo("moonshot"), 1);
  });

  test("the backoff is jittered under an exponential cap and never shorter than Retry-After", () => {
    const retry = policySchema.parse({ retry: { baseDelayMs: 100, maxDelayMs: 1_000 } }).retry;
    assert.equal(
      retryDelay(retry, 1, undefined, () => 1),
      100,
    );
    assert.equal(
      retryDelay(retry, 3, undefined, () => 1),
      400,
    );
    assert.equal(
      retryDelay(retry, 10, undefined, () => 1),
      1_000,
    );
    assert.equal(
      retryDelay(retry, 3, undefined, () => 0.5),
      200,
    );
    const asked = new ProviderError({
      kind: "rate_limit",
      provider: "zai",
      message: "slow down",
      retryAfterMs: 3_000,
    });
    assert.equal(
      retryDelay(retry, 1, asked, () => 1),
      3_000,
    );
  });
});

describe("deadlines", () => {
  test("a provider that never answers fails as a timeout after firstByteMs", async () => {
    simulators.faults.inject("zai", { kind: "hang" });
    const policy = policyFor("zai", {
      retry: { maxAttempts: 1 },
      timeouts: { firstByteMs: 200, idleMs: 5_000 },
    });
    await assert.rejects(
      policy.execute((context) => chat("zai", context)),
      (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "timeout");
        assert.match(error.message, /did not start answering within 1 s \(firstByteMs\)/);
        return true;
      },
    );
  });

  test("a stream that goes silent midway fails after idleMs, not after firstByteMs", async () => {
    simulators.faults.inject("moonshot", { kind: "stall", afterEvents: 2 });
    const policy = policyFor("moonshot", {
      retry: { maxAttempts: 1 },
      timeouts: { firstByteMs: 30_000, idleMs: 200 },
    });
    await assert.rejects(
      policy.execute((context) => chat("moonshot", context)),
      (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "timeout");
        assert.match(error.message, /went silent .* \(idleMs\)/);
        return true;
      },
    );
  });
});

describe("bulkhead", () => {
  test("rejects at once when every slot and the queue are taken, and lets the others finish", async () => {
    simulators.faults.inject("zai", { kind: "latency", ms: 300 });
    const policy = policyFor("zai", { bulkhead: { maxConcurrent: 1, maxQueue: 1 } });
    const running = policy.execute((context) => chat("zai", context));
    const queued = policy.execute((context) => chat("zai", context));
    await assert.rejects(
      policy.execute((context) => chat("zai", context)),
      (error) => {
        assert.ok(error instanceof BulkheadFullError);
        assert.match(error.message, /provider zai is busy: 1 calls running and 1 waiting/);
        return true;
      },
    );
    assert.deepEqual(policy.status().bulkhead, { inFlight: 1, maxConcurrent: 1, queued: 1, maxQueue: 1 });
    await Promise.all([running, queued]);
    assert.equal(policy.state(), "closed", "a full bulkhead is not the provider failing");
  });
});

describe("circuit breaker", () => {
  test("after the threshold, calls fail at once with an actionable message and never reach the provider", async () => {
    simulators.faults.inject("zai", { kind: "status", status: 503 });
    const policy = policyFor("zai", {
      retry: { maxAttempts: 1 },
      breaker: { consecutiveFailures: 2, openMs: 41_000 },
    });
    for (let index = 0; index < 2; index += 1) {
      await assert.rejects(
        policy.execute((context) => chat("zai", context)),
        { kind: "overloaded" },
      );
    }
    simulators.clearRequests();
    await assert.rejects(
      policy.execute((context) => chat("zai", context)),
      (error) => {
        assert.ok(error instanceof CircuitOpenError);
        assert.match(
          error.message,
          /^provider zai is failing: circuit open for 41 s more \(last error: overloaded 503/,
        );
        assert.ok(error.retryAfterMs > 40_000 && error.retryAfterMs <= 41_000);
        return true;
      },
    );
    assert.equal(requestsTo("zai"), 0);
    assert.equal(policy.status().breaker, "open");
  });

  test("retries stop as soon as the circuit opens", async () => {
    simulators.faults.inject("zai", { kind: "status", status: 500 });
    const policy = policyFor("zai", {
      retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 },
      breaker: { consecutiveFailures: 2 },
    });
    await assert.rejects(
      policy.execute((context) => chat("zai", context)),
      CircuitOpenError,
    );
    assert.equal(requestsTo("zai"), 2);
  });
});

describe("fallback", () => {
  test("moves to the next provider and records why", async () => {
    simulators.faults.inject("zai", { kind: "status", status: 503 });
    const chain = [policyFor("zai", { retry: { maxAttempts: 1 } }), policyFor("moonshot")];
    const moves: string[] = [];
    const result = await executeWithFallback(chain, chat, {
      onFallback: (attempt, next) => moves.push(`${attempt.provider}->${next}: ${attempt.kind}`),
    });
    assert.equal(result.provider, "moonshot");
    assert.ok(result.value.length > 0);
    assert.equal(result.fallbacks.length, 1);
    assert.equal(result.fallbacks[0]?.provider, "zai");
    assert.equal(result.fallbacks[0]?.kind, "overloaded");
    assert.deepEqual(moves, ["zai->moonshot: overloaded"]);
  });

  test("skips a provider whose circuit is open without calling it", async () => {
    simulators.faults.inject("zai", { kind: "status", status: 503, times: 1 });
    const zai = policyFor("zai", { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1 } });
    await assert.rejects(zai.execute((context) => chat("zai", context)));
    simulators.clearRequests();
    const result = await executeWithFallback([zai, policyFor("moonshot")], chat);
    assert.equal(result.provider, "moonshot");
    assert.equal(result.fallbacks[0]?.kind, "circuit_open");
    assert.equal(requestsTo("zai"), 0);
  });

  test("a malformed request is not handed to the next provider", async () => {
    simulators.faults.inject("zai", { kind: "status", status: 400 });
    await assert.rejects(executeWithFallback([policyFor("zai"), policyFor("moonshot")], chat), {
      kind: "invalid_request",
    });
    assert.equal(requestsTo("moonshot"), 0);
  });

  test("an answer that broke after part of it was shown is neither retried nor handed on", async () => {
    simulators.faults.inject("zai", { kind: "stream-error" });
    const shownTwice = (provider: string, context: CallContext) => {
      const client = clients.get(provider);
      assert.ok(client);
      const events = client.streamChat({
        model: MODELS[provider] ?? "",
        messages: [{ role: "user", content: "hi" }],
      });
      return collectChatStream(provider, "", events, (event) => {
        if (event.type === "text-delta") context.delivered();
      });
    };
    await assert.rejects(executeWithFallback([policyFor("zai"), policyFor("moonshot")], shownTwice));
    assert.equal(requestsTo("zai"), 1);
    assert.equal(requestsTo("moonshot"), 0);
  });

  test("when every provider fails, one error names each with its reason", async () => {
    simulators.faults.inject("zai", { kind: "status", status: 503 });
    simulators.faults.inject("moonshot", { kind: "status", status: 500 });
    const chain = [
      policyFor("zai", { retry: { maxAttempts: 1 } }),
      policyFor("moonshot", { retry: { maxAttempts: 1 } }),
    ];
    await assert.rejects(executeWithFallback(chain, chat), (error) => {
      assert.ok(error instanceof FallbackExhaustedError);
      assert.deepEqual(
        error.attempts.map((attempt) => [attempt.provider, attempt.kind]),
        [
          ["zai", "overloaded"],
          ["moonshot", "server"],
        ],
      );
      assert.match(error.message, /^every provider failed \(zai: .*; moonshot: .*\)$/);
      return true;
    });
  });
});
