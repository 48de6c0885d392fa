// What the clients make of the network misbehaving and of throttling, against the simulators:
// resets, hangs, refused connections, the three kinds of 429, and one provider's pool filling up.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { configSchema } from "../../src/config/schema/index.ts";
import { PROVIDER_APIS, type ProviderApi } from "../../src/config/schema/providers.ts";
import type { AnyProviderClient, CreateProviderClientOptions } from "../../src/providers/clients.ts";
import { createProviderClient } from "../../src/providers/clients.ts";
import { PROVIDER_DEFINITIONS } from "../../src/providers/definitions.ts";
import { isProviderError, type ProviderErrorKind } from "../../src/providers/errors.ts";
import { createMoonshotClient } from "../../src/providers/moonshot/moonshot-client.ts";
import { resolveProvider } from "../../src/providers/registry.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";

const KEY = "sk-transport-test";

describe("transport failures and throttling", () => {
  let simulators: Simulators;
  const clients: AnyProviderClient[] = [];
  const client = (api: ProviderApi, options: CreateProviderClientOptions = {}): AnyProviderClient => {
    const created = createProviderClient(
      { ...resolvedFor(api), baseUrl: simulators.endpoints[api].baseUrl },
      KEY,
      options,
    );
    clients.push(created);
    return created;
  };
  const ask = (api: ProviderApi, target: AnyProviderClient, signal?: AbortSignal) =>
    target.chat({
      model: PROVIDER_DEFINITIONS[api].models.main,
      messages: [{ role: "user", content: "hi" }],
      ...(signal ? { signal } : {}),
    });

  before(async () => {
    simulators = await startSimulators();
  });
  after(async () => {
    simulators.faults.clear();
    await Promise.all(clients.map((each) => each.close()));
    await simulators.close();
  });

  for (const api of PROVIDER_APIS) {
    it(`${api}: a reset connection is a retryable network error`, async () => {
      simulators.faults.inject(api, { kind: "reset", times: 1 });
      await assert.rejects(ask(api, client(api)), (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "network", error.message);
        assert.equal(error.retryable, true);
        return true;
      });
    });

    it(`${api}: no response headers within the first-byte timeout is a retryable timeout`, async () => {
      simulators.faults.inject(api, { kind: "hang", times: 1 });
      await assert.rejects(ask(api, client(api, { timeouts: { firstByteMs: 200 } })), (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "timeout", error.message);
        assert.equal(error.retryable, true);
        return true;
      });
    });

    const throttles: ReadonlyArray<{
      reason: "rate_limit" | "quota" | "overloaded";
      kind: ProviderErrorKind;
      retryable: boolean;
    }> = [
      { reason: "rate_limit", kind: "rate_limit", retryable: true },
      { reason: "quota", kind: "quota", retryable: false },
      { reason: "overloaded", kind: "overloaded", retryable: true },
    ];
    // Out of credit is told by Moonshot's error.type, Z.ai's code 1113, Anthropic's billing_error and
    // Gemini's per-day QuotaFailure, even though all four send a retry delay with it here.
    for (const { reason, kind, retryable } of throttles) {
      it(`${api}: a 429 meaning ${reason} is ${kind}${retryable ? ", retryable" : ", not retryable"}`, async () => {
        simulators.faults.inject(api, {
          kind: "status",
          status: 429,
          reason,
          retryAfterSeconds: 3,
          times: 1,
        });
        await assert.rejects(ask(api, client(api)), (error) => {
          assert.ok(isProviderError(error));
          assert.equal(error.kind, kind, error.message);
          assert.equal(error.retryable, retryable);
          // Z.ai documents no retry hint; the others give one in a header, the message or RetryInfo.
          if (kind === "rate_limit" && api !== "zai") assert.equal(error.retryAfterMs, 3000);
          return true;
        });
      });
    }
  }

  it("anthropic: 529 is overloaded and retryable", async () => {
    simulators.faults.inject("anthropic", { kind: "status", status: 529, times: 1 });
    await assert.rejects(ask("anthropic", client("anthropic")), (error) => {
      assert.ok(isProviderError(error));
      assert.equal(error.kind, "overloaded");
      assert.equal(error.retryable, true);
      assert.match(error.requestId ?? "", /^req_/);
      return true;
    });
  });

  it("a refused connection is a retryable network error", async () => {
    const closedPort = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const address = probe.address();
        if (address === null || typeof address === "string") return reject(new Error("no TCP port"));
        probe.close(() => resolve(address.port));
      });
    });
    const refused = createMoonshotClient({ apiKey: KEY, baseUrl: `http://127.0.0.1:${closedPort}/v1` });
    clients.push(refused);
    await assert.rejects(refused.listModels(), (error) => {
      assert.ok(isProviderError(error));
      assert.equal(error.kind, "network");
      assert.equal(error.retryable, true);
      return true;
    });
  });

  it("one provider's hung pool does not hold another provider's requests", async () => {
    simulators.clearRequests();
    simulators.faults.inject("moonshot", { kind: "hang" });
    const moonshot = client("moonshot", { connections: 2 });
    const zai = client("zai", { connections: 2 });
    const abort = new AbortController();
    // Two requests fill Moonshot's pool; the third waits in its queue.
    const stuck = [1, 2, 3].map(() =>
      ask("moonshot", moonshot, abort.signal).then(
        () => "answered",
        () => "failed",
      ),
    );
    let queuedSettled = false;
    void stuck[2]?.then(() => {
      queuedSettled = true;
    });
    try {
      const answers = await Promise.all([ask("zai", zai), ask("zai", zai), ask("zai", zai)]);
      for (const answer of answers) assert.ok(answer.text.length > 0);
      assert.equal(queuedSettled, false, "the Moonshot request queued behind the hung ones is still waiting");
      const hung = simulators
        .requests()
        .filter((request) => request.provider === "moonshot" && request.path.endsWith("/chat/completions"));
      assert.equal(hung.length, 2, "Moonshot's pool never opened more than its two connections");
    } finally {
      simulators.faults.clear("moonshot");
      abort.abort();
    }
    assert.deepEqual(await Promise.all(stuck), ["failed", "failed", "failed"]);
  });
});

function resolvedFor(api: ProviderApi) {
  return resolveProvider(configSchema.parse({}), api);
}
