// The process's one Prometheus registry and the metric families defined on it. Labels are bounded
// sets only (provider ids from config, error kinds, outcomes), never users, keys or messages.
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";

export const metricsRegistry = new Registry();

let defaultsCollected = false;

/** Adds Node's process metrics (CPU, memory, event-loop lag); the hub calls this once at start. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: "aio_" });
}

export interface BulkheadUse {
  inFlight: number;
  queued: number;
}

/** Bulkhead use per provider, read when Prometheus scrapes rather than updated on every call. */
const bulkheads = new Map<string, () => BulkheadUse>();

export function observeBulkhead(provider: string, read: () => BulkheadUse): void {
  bulkheads.set(provider, read);
}

export const BREAKER_STATE_VALUES = { closed: 0, "half-open": 1, open: 2 } as const;

/** Calls, failures, breaker, bulkhead and fallback metrics of the resilience layer. */
export const resilienceMetrics = {
  calls: new Counter({
    name: "aio_provider_calls_total",
    help: "Calls through a provider's policy, by outcome: success, failure (provider-side), error (caller-side), rejected (circuit open or bulkhead full).",
    labelNames: ["provider", "outcome"] as const,
    registers: [metricsRegistry],
  }),
  failures: new Counter({
    name: "aio_provider_failures_total",
    help: "Failed attempts by error kind (rate_limit, overloaded, timeout, …).",
    labelNames: ["provider", "kind"] as const,
    registers: [metricsRegistry],
  }),
  retries: new Counter({
    name: "aio_provider_retries_total",
    help: "Attempts made again after a retryable failure.",
    labelNames: ["provider"] as const,
    registers: [metricsRegistry],
  }),
  breakerTransitions: new Counter({
    name: "aio_breaker_transitions_total",
    help: "Circuit breaker state changes.",
    labelNames: ["provider", "from", "to"] as const,
    registers: [metricsRegistry],
  }),
  breakerState: new Gauge({
    name: "aio_breaker_state",
    help: "Current circuit breaker state: 0 closed, 1 half-open, 2 open.",
    labelNames: ["provider"] as const,
    registers: [metricsRegistry],
  }),
  bulkheadRejections: new Counter({
    name: "aio_bulkhead_rejections_total",
    help: "Calls rejected at once because the provider's bulkhead and its queue were full.",
    labelNames: ["provider"] as const,
    registers: [metricsRegistry],
  }),
  bulkheadInFlight: new Gauge({
    name: "aio_bulkhead_in_flight",
    help: "Calls to the provider running now.",
    labelNames: ["provider"] as const,
    registers: [metricsRegistry],
    collect() {
      for (const [provider, read] of bulkheads) this.set({ provider }, read().inFlight);
    },
  }),
  bulkheadQueued: new Gauge({
    name: "aio_bulkhead_queued",
    help: "Calls waiting for a bulkhead slot.",
    labelNames: ["provider"] as const,
    registers: [metricsRegistry],
    collect() {
      for (const [provider, read] of bulkheads) this.set({ provider }, read().queued);
    },
  }),
  fallbacks: new Counter({
    name: "aio_fallbacks_total",
    help: "Chats moved from one provider to the next in its fallback chain, by the error kind that caused it.",
    labelNames: ["from", "to", "reason"] as const,
    registers: [metricsRegistry],
  }),
  sharedStoreUp: new Gauge({
    name: "aio_breaker_store_up",
    help: "1 while the shared breaker store (Redis) is reachable, 0 while breakers run on local state.",
    registers: [metricsRegistry],
  }),
};
