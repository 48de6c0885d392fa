// One provider's policy: retry (jittered backoff, Retry-After honoured, retryable errors only) around
// the circuit breaker, around the bulkhead, around the per-attempt deadlines. Composed with
// cockatiel's wrap(); the breaker is our own (see breaker.ts) because its state must be persisted
// and shared, which cockatiel's synchronous in-process breaker cannot do.
import {
  BulkheadRejectedError,
  bulkhead,
  DelegateBackoff,
  EventEmitter,
  handleWhen,
  type IDefaultPolicyContext,
  type IFailureEvent,
  type IPolicy,
  type IRetryBackoffContext,
  type ISuccessEvent,
  retry,
  wrap,
} from "cockatiel";
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
  const breaker = new BreakerPolicy(gate, now);
  const retrier = retry(
    handleWhen((error) => shouldRetry(config.retry, error)),
    {
      maxAttempts: config.retry.maxAttempts - 1,
      backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) =>
        retryDelay(
          config.retry,
          context.attempt,
          "error" in context.result ? context.result.error : undefined,
          random,
        ),
      ),
    },
  );
  const pipeline = wrap(retrier, breaker, limiter);

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
  retrier.onRetry(() => metrics.retries.inc());
  breaker.onFailedAttempt((failure) => resilienceMetrics.failures.inc({ provider, kind: failure.kind }));
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
        const value = await pipeline.execute(
          (context) => runWithTimeouts(provider, attemptOf(context) + 1, config.timeouts, signal, call),
          signal,
        );
        metrics.success.inc();
        return value;
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

/** The admission a late failure is recorded under: an ordinary call, whatever it was let in as. */
const LATE_FAILURE = { admitted: true, probe: false } as const;

function attemptOf(context: IDefaultPolicyContext): number {
  return "attempt" in context && typeof context.attempt === "number" ? context.attempt : 0;
}

/** The breaker gate as a cockatiel policy, so that it composes with wrap(). */
class BreakerPolicy implements IPolicy {
  declare readonly _altReturn: never;
  readonly #gate: BreakerGate;
  readonly #now: () => number;
  readonly #successes = new EventEmitter<ISuccessEvent>();
  readonly #failures = new EventEmitter<IFailureEvent>();
  readonly #failedAttempts = new EventEmitter<FailureSummary>();
  readonly onSuccess = this.#successes.addListener;
  readonly onFailure = this.#failures.addListener;
  /** Every attempt that failed for a provider-side reason. */
  readonly onFailedAttempt = this.#failedAttempts.addListener;

  constructor(gate: BreakerGate, now: () => number) {
    this.#gate = gate;
    this.#now = now;
  }

  async execute<T>(
    fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T,
    signal?: AbortSignal,
  ): Promise<T> {
    const pending = this.#gate.admit();
    const admission = pending instanceof Promise ? await pending : pending;
    if (!admission.admitted) {
      throw new CircuitOpenError(
        this.#gate.provider,
        admission.retryAfterMs,
        admission.lastFailure,
        admission.probing,
      );
    }
    const context: IDefaultPolicyContext = { signal: signal ?? NEVER_ABORTED };
    try {
      const value = await fn(context);
      this.#gate.record(admission, SUCCESS);
      return value;
    } catch (error) {
      const outcome = outcomeOf(error, signal, this.#now());
      this.#gate.record(admission, outcome);
      if (outcome.type === "failure") this.#failedAttempts.emit(outcome.failure);
      throw error;
    }
  }
}

const SUCCESS: Outcome = { type: "success" };
const NEVER_ABORTED = new AbortController().signal;

function outcomeOf(error: unknown, signal: AbortSignal | undefined, at: number): Outcome {
  // The caller giving up, or our own bulkhead, says nothing about the provider.
  if (signal?.aborted || error instanceof BulkheadRejectedError) return { type: "neutral" };
  const failure = classifyFailure(error);
  const summary: FailureSummary = { ...failure.summary, at };
  return failure.countsAsFailure
    ? { type: "failure", failure: summary, retryAfterMs: failure.retryAfterMs }
    : { type: "neutral", failure: isProviderError(error) ? summary : undefined };
}
