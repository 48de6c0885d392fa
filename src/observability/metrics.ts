// The Prometheus registry of one hub and the metric families defined on it, made by createMetrics()
// in the composition root and passed down, so two hubs in one process count apart. Labels are bounded
// sets only (provider ids from config, error kinds, outcomes), never users, keys or messages.
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";

export interface BulkheadUse {
  inFlight: number;
  queued: number;
}

export const BREAKER_STATE_VALUES = { closed: 0, "half-open": 1, open: 2 } as const;

/** Calls, failures, breaker, bulkhead and fallback metrics of the resilience layer. */
export interface ResilienceMetrics {
  calls: Counter<"provider" | "outcome">;
  failures: Counter<"provider" | "kind">;
  retries: Counter<"provider">;
  breakerTransitions: Counter<"provider" | "from" | "to">;
  breakerState: Gauge<"provider">;
  bulkheadRejections: Counter<"provider">;
  bulkheadInFlight: Gauge<"provider">;
  bulkheadQueued: Gauge<"provider">;
  fallbacks: Counter<"from" | "to" | "reason">;
  sharedStoreUp: Gauge;
}

export interface Metrics {
  /** What `GET /metrics` serves; other layers register their own families on it. */
  readonly registry: Registry;
  readonly resilience: ResilienceMetrics;
  /** Bulkhead use per provider, read when Prometheus scrapes rather than updated on every call. */
  observeBulkhead(provider: string, read: () => BulkheadUse): void;
  /** Adds Node's process metrics (CPU, memory, event-loop lag) once; a server calls it at start. */
  collectProcessMetrics(): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const bulkheads = new Map<string, () => BulkheadUse>();
  let processMetricsCollected = false;
  const registers = [registry];
  const resilience: ResilienceMetrics = {
    calls: new Counter({
      name: "aio_provider_calls_total",
      help: "Calls through a provider's policy, by outcome: success, failure (provider-side), error (caller-side), rejected (circuit open or bulkhead full).",
      labelNames: ["provider", "outcome"] as const,
      registers,
    }),
    failures: new Counter({
      name: "aio_provider_failures_total",
      help: "Failed attempts by error kind (rate_limit, overloaded, timeout, …).",
      labelNames: ["provider", "kind"] as const,
      registers,
    }),
    retries: new Counter({
      name: "aio_provider_retries_total",
      help: "Attempts made again after a retryable failure.",
      labelNames: ["provider"] as const,
      registers,
    }),
    breakerTransitions: new Counter({
      name: "aio_breaker_transitions_total",
      help: "Circuit breaker state changes.",
      labelNames: ["provider", "from", "to"] as const,
      registers,
    }),
    breakerState: new Gauge({
      name: "aio_breaker_state",
      help: "Current circuit breaker state: 0 closed, 1 half-open, 2 open.",
      labelNames: ["provider"] as const,
      registers,
    }),
    bulkheadRejections: new Counter({
      name: "aio_bulkhead_rejections_total",
      help: "Calls rejected at once because the provider's bulkhead and its queue were full.",
      labelNames: ["provider"] as const,
      registers,
    }),
    bulkheadInFlight: new Gauge({
      name: "aio_bulkhead_in_flight",
      help: "Calls to the provider running now.",
      labelNames: ["provider"] as const,
      registers,
      collect() {
        for (const [provider, read] of bulkheads) this.set({ provider }, read().inFlight);
      },
    }),
    bulkheadQueued: new Gauge({
      name: "aio_bulkhead_queued",
      help: "Calls waiting for a bulkhead slot.",
      labelNames: ["provider"] as const,
      registers,
      collect() {
        for (const [provider, read] of bulkheads) this.set({ provider }, read().queued);
      },
    }),
    fallbacks: new Counter({
      name: "aio_fallbacks_total",
      help: "Chats moved from one provider to the next in its fallback chain, by the error kind that caused it.",
      labelNames: ["from", "to", "reason"] as const,
      registers,
    }),
    sharedStoreUp: new Gauge({
      name: "aio_breaker_store_up",
      help: "1 while the shared breaker store (Redis) is reachable, 0 while breakers run on local state.",
      registers,
    }),
  };
  return {
    registry,
    resilience,
    observeBulkhead(provider, read) {
      bulkheads.set(provider, read);
    },
    collectProcessMetrics() {
      if (processMetricsCollected) return;
      processMetricsCollected = true;
      collectDefaultMetrics({ register: registry, prefix: "aio_" });
    },
  };
}
