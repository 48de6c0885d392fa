import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTraffic, type TrafficRecord } from "../../src/observability/traffic.ts";

const request = (overrides: Partial<TrafficRecord> = {}): TrafficRecord => ({
  at: 1_000_000,
  key: "ci",
  dialect: "anthropic",
  model: "glm-4.6",
  provider: "zai",
  fallbacks: [],
  status: 200,
  latencyMs: 40,
  tokensIn: 10,
  tokensOut: 5,
  ...overrides,
});

describe("traffic record", () => {
  it("keeps the last requests newest first and forgets the oldest beyond its capacity", () => {
    const traffic = createTraffic({ capacity: 3, now: () => 1_000_000 });
    for (let index = 1; index <= 5; index += 1) traffic.record(request({ model: `m${index}` }));
    const recent = traffic.recent();
    assert.deepEqual(
      recent.map((entry) => [entry.seq, entry.model]),
      [
        [5, "m5"],
        [4, "m4"],
        [3, "m3"],
      ],
    );
    assert.equal(traffic.version, 5);
    assert.deepEqual(
      traffic.recent({ afterSeq: 4 }).map((entry) => entry.model),
      ["m5"],
    );
  });

  it("filters by provider (answering or passed over), key, model and status class", () => {
    const traffic = createTraffic({ now: () => 1_000_000 });
    traffic.record(request({ key: "alice", provider: "zai" }));
    traffic.record(
      request({ key: "bob", provider: "moonshot", fallbacks: [{ provider: "zai", kind: "overloaded" }] }),
    );
    traffic.record(request({ key: "bob", provider: "anthropic", model: "claude-x", status: 503 }));
    assert.deepEqual(
      traffic.recent({ provider: "zai" }).map((entry) => entry.key),
      ["bob", "alice"],
    );
    assert.deepEqual(
      traffic.recent({ key: "bob", status: "error" }).map((entry) => entry.model),
      ["claude-x"],
    );
    assert.deepEqual(
      traffic.recent({ status: "ok", model: "glm-4.6" }).map((entry) => entry.provider),
      ["moonshot", "zai"],
    );
    assert.deepEqual(traffic.seen(), {
      providers: ["anthropic", "moonshot", "zai"],
      keys: ["alice", "bob"],
      models: ["claude-x", "glm-4.6"],
      dialects: ["anthropic"],
    });
  });

  it("counts requests and errors per provider per bucket, a fallback counting as an error of the skipped provider", () => {
    let clock = 100_000;
    const traffic = createTraffic({ bucketMs: 10_000, buckets: 3, now: () => clock });
    traffic.record(request({ at: 80_000, provider: "zai" }));
    traffic.record(request({ at: 95_000, provider: "zai", status: 500 }));
    traffic.record(
      request({ at: 101_000, provider: "moonshot", fallbacks: [{ provider: "zai", kind: "circuit_open" }] }),
    );
    traffic.record(request({ at: 102_000, provider: "zai", status: 400 }));
    const series = traffic.series();
    assert.equal(series.start, 80_000);
    const zai = series.providers.find((line) => line.provider === "zai");
    assert.deepEqual(zai, { provider: "zai", requests: [1, 1, 2], errors: [0, 1, 1] });
    assert.deepEqual(traffic.provider("zai").errors, 2);
    assert.equal(traffic.provider("zai").requests, 4);
    assert.equal(traffic.provider("moonshot").errorRate, 0);
    // Three buckets later the old counts have left the window.
    clock = 131_000;
    assert.deepEqual(traffic.provider("zai").requests, 0);
    assert.deepEqual(traffic.series().providers.find((line) => line.provider === "zai")?.requests, [0, 0, 0]);
  });

  it("gives latency percentiles over the window from the answering provider's requests", () => {
    let clock = 1_000_000;
    const traffic = createTraffic({ bucketMs: 1_000, buckets: 60, now: () => clock });
    for (let latency = 1; latency <= 100; latency += 1) {
      traffic.record(request({ at: clock, provider: "google", latencyMs: latency }));
    }
    const google = traffic.provider("google");
    assert.equal(google.p50Ms, 50);
    assert.equal(google.p95Ms, 95);
    assert.equal(traffic.provider("nobody").p50Ms, undefined);
    clock += 61_000;
    assert.equal(traffic.provider("google").p95Ms, undefined);
  });

  it("stays bounded: a flood of requests from many providers keeps its size", () => {
    const traffic = createTraffic({ capacity: 10, maxProviders: 4, now: () => 1_000_000 });
    for (let index = 0; index < 10_000; index += 1) {
      traffic.record(request({ provider: `p${index % 50}` }));
    }
    assert.equal(traffic.recent().length, 10);
    const ids = traffic.providers().map((line) => line.provider);
    assert.equal(ids.length, 5);
    assert.ok(ids.includes("other"));
  });
});
