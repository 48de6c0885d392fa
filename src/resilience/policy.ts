// One provider's policy: retry (jittered backoff, Retry-After honoured, retryable errors only) around
// the circuit breaker, around the bulkhead (cockatiel's), around the per-attempt deadlines. The
// breaker is our own (see breaker.ts) because its state must be persisted and shared, which
// cockatiel's synchronous in-process breaker cannot do. Retry and breaker are a plain loop here
// rather than cockatiel policies composed with wrap(): every hub request runs this, and the
// composed policies cost a layer of promises, context objects and events each.
import { setTimeout as sleep } from "node:timers/promises";
import { BulkheadRejectedError, bulkhead } from "cockatiel";
import type { PolicyConfig } from "../config/schema/resilience.ts";
import { BREAKER_STATE_VALUES, createMetrics, type Metrics } from "../observability/metrics.ts";
import { isProviderError } from "../providers/errors.ts";
import type { BreakerSnapshot, BreakerState, Outcome } from "./breaker.ts";
import type { BreakerGate, BreakerSharing } from "./breaker-store.ts";
import {
  BulkheadFullError,
  CircuitOpenError,
  classifyFailure,
  type FailureSummary,
  failedAfterDelivery,
} from "./errors.ts";
import { type CallContext, runWithTimeouts } from "./timeouts.ts";

export interface PolicyStatus {
  provider: string;
  breaker: BreakerState;
  /** While open: milliseconds until a probe is let through. */
  retryAfterMs: number | undefined;
  consecutiveFailures: number;
  lastFailure: FailureSummary | undefined;
  sharing: BreakerSharing;
  bulkhead: { inFlight: number; maxConcurrent: number; queued: number; maxQueue: number };
}

export interface ExecuteOptions {
  /** The caller giving up: stops the attempt in flight and any further retry. */
  signal?: AbortSignal | undefined;
}

export interface ProviderPolicy {
  readonly provider: string;
  readonly config: PolicyConfig;
  /**
   * Runs `call` under the policy. Throws CircuitOpenError at once while the circuit is open,
   * BulkheadFullError at once when every slot and the queue are taken, else the call's last error.
   */
  execute<T>(call: (context: CallContext) => Promise<T>, options?: ExecuteOptions): Promise<T>;
  /** Whether a call would be let through right now without waiting (closed, or a free probe slot). */
  state(): BreakerState;
  status(): PolicyStatus;
  reset(): Promise<void>;
  /**
   * A call that had succeeded failed afterwards (a stream broken midway): the breaker counts it as
   * a failure of the provider, as it would have counted the same error before the first byte.
   */
  reportFailure(error: unknown): void;
}

export interface ProviderPolicyOptions {
  provider: string;
  config: PolicyConfig;
  gate: BreakerGate;
  now?: () => number;
  /** Random source for backoff jitter; tests fix it. */
  random?: () => number;
  /** The hub's metrics; without them the policy counts into a registry of its own that nobody reads. */
  metrics?: Metrics;
}

/** The delay before retry number `retry` (1 = the first retry): full jitter over an exponential cap, at least what the provider asked. */
export function retryDelay(
  config: PolicyConfig["retry"],
  retryNumber: number,
  error: unknown,
  random: () => number,
): number {
  const ceiling = Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** Math.min(retryNumber - 1, 30));
  const jittered = Math.round(random() * ceiling);
  const asked = isProviderError(error) ? error.retryAfterMs : undefined;
  return asked === undefined ? jittered : Math.max(asked, jittered);
}

/** Worth another attempt on the same provider: retryable, and not asked to wait longer than maxRetryAfterMs. */
export function shouldRetry(config: PolicyConfig["retry"], error: unknown): boolean {
  if (!isProviderError(error) || !error.retryable || failedAfterDelivery(error)) return false;
  return (error.retryAfterMs ?? 0) <= config.maxRetryAfterMs;
}

export function createProviderPolicy(options: ProviderPolicyOptions): ProviderPolicy {
  const { provider, config, gate } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const limiter = bulkhead(config.bulkhead.maxConcurrent, config.bulkhead.maxQueue);

  const observed = options.metrics ?? createMetrics();
  const resilienceMetrics = observed.resilience;
  const metrics = {
    success: resilienceMetrics.calls.labels(provider, "success"),
    failure: resilienceMetrics.calls.labels(provider, "failure"),
    error: resilienceMetrics.calls.labels(provider, "error"),
    rejected: resilienceMetrics.calls.labels(provider, "rejected"),
    retries: resilienceMetrics.retries.labels(provider),
    bulkheadRejections: resilienceMetrics.bulkheadRejections.labels(provider),
    state: resilienceMetrics.breakerState.labels(provider),
  };
  metrics.state.set(BREAKER_STATE_VALUES[gate.state()]);
  gate.onTransition((from, to) => {
    resilienceMetrics.breakerTransitions.inc({ provider, from, to });
    metrics.state.set(BREAKER_STATE_VALUES[to]);
  });

  const bulkheadUse = () => ({
    inFlight: config.bulkhead.maxConcurrent - limiter.executionSlots,
    maxConcurrent: config.bulkhead.maxConcurrent,
    queued: config.bulkhead.maxQueue - limiter.queueSlots,
    maxQueue: config.bulkhead.maxQueue,
  });
  observed.observeBulkhead(provider, bulkheadUse);

  /** One attempt through the breaker and the bulkhead, under the deadlines. */
  const attempt = async <T>(
    number: number,
    call: (context: CallContext) => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> => {
    const pending = gate.admit();
    const admission = pending instanceof Promise ? await pending : pending;
    if (!admission.admitted) {
      throw new CircuitOpenError(provider, admission.retryAfterMs, admission.lastFailure, admission.probing);
    }
    try {
      const value = await limiter.execute(
        () => runWithTimeouts(provider, number, config.timeouts, signal, call),
        signal,
      );
      gate.record(admission, SUCCESS);
      return value;
    } catch (error) {
      const outcome = outcomeOf(error, signal, now());
      gate.record(admission, outcome);
      if (outcome.type === "failure")
        resilienceMetrics.failures.inc({ provider, kind: outcome.failure.kind });
      throw error;
    }
  };

  return {
    provider,
    config,
    async execute<T>(
      call: (context: CallContext) => Promise<T>,
      executeOptions: ExecuteOptions = {},
    ): Promise<T> {
      const signal = executeOptions.signal;
      // Fail fast: an open circuit refuses before any retry, bulkhead or timer is set up.
      const refusal = gate.refusal();
      if (refusal !== undefined) {
        metrics.rejected.inc();
        throw new CircuitOpenError(provider, refusal.retryAfterMs, refusal.lastFailure);
      }
      try {
        for (let number = 1; ; number += 1) {
          try {
            const value = await attempt(number, call, signal);
            metrics.success.inc();
            return value;
          } catch (error) {
            const again =
              number < config.retry.maxAttempts &&
              signal?.aborted !== true &&
              shouldRetry(config.retry, error);
            if (!again) throw error;
            metrics.retries.inc();
            await backoff(retryDelay(config.retry, number, error, random), signal);
          }
        }
      } catch (error) {
        if (error instanceof BulkheadRejectedError) {
          metrics.rejected.inc();
          metrics.bulkheadRejections.inc();
          throw new BulkheadFullError(provider, config.bulkhead.maxConcurrent, config.bulkhead.maxQueue);
        }
        if (error instanceof CircuitOpenError) metrics.rejected.inc();
        else if (classifyFailure(error).countsAsFailure) metrics.failure.inc();
        else metrics.error.inc();
        throw error;
      }
    },
    state: () => gate.state(),
    status(): PolicyStatus {
      const snapshot: BreakerSnapshot = gate.snapshot();
      const state = gate.state();
      return {
        provider,
        breaker: state,
        retryAfterMs: state === "open" ? Math.max(0, snapshot.openUntil - now()) : undefined,
        consecutiveFailures: snapshot.consecutiveFailures,
        lastFailure: snapshot.lastFailure,
        sharing: gate.sharing(),
        bulkhead: bulkheadUse(),
      };
    },
    reset: () => gate.reset(),
    reportFailure(error) {
      const outcome = outcomeOf(error, undefined, now());
      if (outcome.type !== "failure") return;
      gate.record(LATE_FAILURE, outcome);
      resilienceMetrics.failures.inc({ provider, kind: outcome.failure.kind });
    },
  };
}

/** Waits before a retry; the caller giving up ends the wait with its reason, as it ends an attempt. */
async function backoff(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(delayMs, undefined, { signal });
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}

/** The admission a late failure is recorded under: an ordinary call, whatever it was let in as. */
const LATE_FAILURE = { admitted: true, probe: false } as const;

const SUCCESS: Outcome = { type: "success" };

function outcomeOf(error: unknown, signal: AbortSignal | undefined, at: number): Outcome {
  // The caller giving up, or our own bulkhead, says nothing about the provider.
  if (signal?.aborted || error instanceof BulkheadRejectedError) return { type: "neutral" };
  const failure = classifyFailure(error);
  const summary: FailureSummary = { ...failure.summary, at };
  return failure.countsAsFailure
    ? { type: "failure", failure: summary, retryAfterMs: failure.retryAfterMs }
    : {
        type: "neutral",
        failure: isProviderError(error) && !CALLER_MISTAKES.has(error.kind) ? summary : undefined,
      };
}

// A provider refusing the caller's request says nothing about the provider: not even its last error.
const CALLER_MISTAKES: ReadonlySet<string> = new Set(["invalid_request", "not_found", "too_large"]);
