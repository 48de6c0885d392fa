// The resilience metrics as Prometheus scrapes them: bounded labels, breaker state and bulkhead use.
import assert from "node:assert/strict";
import { test } from "node:test";
import { policySchema } from "../../src/config/schema/resilience.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { ProviderError } from "../../src/providers/errors.ts";
import { MemoryBreakerStore } from "../../src/resilience/breaker-store.ts";
import { createProviderPolicy } from "../../src/resilience/policy.ts";

test("calls, failures by kind, transitions, state and bulkhead use are exposed per provider", async () => {
  const config = policySchema.parse({
    retry: { maxAttempts: 1 },
    breaker: { consecutiveFailures: 2, failureRate: 0 },
  });
  const provider = "metrics-test";
  const gate = new MemoryBreakerStore().gate(provider, config.breaker, { probeLeaseMs: 1_000 });
  const metrics = createMetrics();
  const policy = createProviderPolicy({ provider, config, gate, metrics });
  const overloaded = () =>
    Promise.reject(new ProviderError({ kind: "overloaded", provider, status: 529, message: "busy" }));

  await policy.execute(async () => "ok");
  let release: () => void = () => {};
  const held = policy.execute(() => new Promise<string>((resolve) => (release = () => resolve("late"))));
  const whileHeld = await metrics.registry.metrics();
  assert.match(whileHeld, new RegExp(`aio_bulkhead_in_flight\\{provider="${provider}"\\} 1`));
  release();
  await held;
  await assert.rejects(policy.execute(overloaded));
  await assert.rejects(policy.execute(overloaded));
  await assert.rejects(policy.execute(overloaded));

  const text = await metrics.registry.metrics();
  const value = (pattern: string) => Number(new RegExp(`${pattern} (\\d+)`).exec(text)?.[1]);
  assert.equal(value(`aio_provider_calls_total\\{provider="${provider}",outcome="success"\\}`), 2);
  assert.equal(value(`aio_provider_calls_total\\{provider="${provider}",outcome="failure"\\}`), 2);
  assert.equal(value(`aio_provider_calls_total\\{provider="${provider}",outcome="rejected"\\}`), 1);
  assert.equal(value(`aio_provider_failures_total\\{provider="${provider}",kind="overloaded"\\}`), 2);
  assert.equal(value(`aio_breaker_transitions_total\\{provider="${provider}",from="closed",to="open"\\}`), 1);
  assert.equal(value(`aio_breaker_state\\{provider="${provider}"\\}`), 2);
  assert.equal(value(`aio_bulkhead_in_flight\\{provider="${provider}"\\}`), 0);
  // No label carries a message, a user or a key.
  assert.doesNotMatch(text, /busy/);
});
