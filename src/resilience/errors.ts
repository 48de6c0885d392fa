// The errors the policy layer throws itself: a circuit that is open, a bulkhead that is full, and a
// fallback chain where every provider failed. Same vocabulary as ProviderError (kind, retryable,
// retryAfterMs, provider), with messages a person can act on.
import { OrchestratorError } from "../errors.ts";
import { isProviderError, type ProviderErrorKind } from "../providers/errors.ts";

export type ResilienceErrorKind = "circuit_open" | "bulkhead_full" | "fallback_exhausted";

/** What the breaker remembers of the failure that tripped it (or the latest one). */
export interface FailureSummary {
  kind: ProviderErrorKind | "unknown";
  message: string;
  status?: number | undefined;
  /** Wall-clock milliseconds. */
  at: number;
}

export class CircuitOpenError extends OrchestratorError {
  override readonly name = "CircuitOpenError";
  readonly kind = "circuit_open";
  readonly retryable = false;
  override readonly provider: string;
  /** Time until the circuit lets a probe call through. */
  readonly retryAfterMs: number;
  readonly lastFailure: FailureSummary | undefined;

  constructor(
    provider: string,
    retryAfterMs: number,
    lastFailure: FailureSummary | undefined,
    probing = false,
  ) {
    // A refusal is control flow, thrown thousands of times a second while a provider is down; its
    // stack would always point into the policy, and capturing it costs more than the rest of the refusal.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(circuitOpenMessage(provider, retryAfterMs, lastFailure, probing));
    Error.stackTraceLimit = stackTraceLimit;
    this.provider = provider;
    this.retryAfterMs = retryAfterMs;
    this.lastFailure = lastFailure;
  }
}

function circuitOpenMessage(
  provider: string,
  retryAfterMs: number,
  lastFailure: FailureSummary | undefined,
  probing: boolean,
): string {
  const wait = probing
    ? "another call is probing whether it recovered"
    : `circuit open for ${formatSeconds(retryAfterMs)} more`;
  const last = lastFailure ? ` (last error: ${describeFailure(lastFailure)})` : "";
  return `provider ${provider} is failing: ${wait}${last}; wait, use another provider, or run \`ai-orchestrator providers reset ${provider}\``;
}

export class BulkheadFullError extends OrchestratorError {
  override readonly name = "BulkheadFullError";
  readonly kind = "bulkhead_full";
  readonly retryable = false;
  override readonly provider: string;
  readonly retryAfterMs: number | undefined = undefined;

  constructor(provider: string, maxConcurrent: number, maxQueue: number) {
    super(
      `provider ${provider} is busy: ${maxConcurrent} calls running and ${maxQueue} waiting; retry shortly or raise providers.${provider}.policy.bulkhead.maxConcurrent / maxQueue`,
    );
    this.provider = provider;
  }
}

/** One provider given up on during a fallback chain, and why. */
export interface FallbackAttempt {
  provider: string;
  kind: string;
  message: string;
  retryAfterMs?: number | undefined;
}

export class FallbackExhaustedError extends OrchestratorError {
  override readonly name = "FallbackExhaustedError";
  readonly kind = "fallback_exhausted";
  readonly retryable = false;
  readonly retryAfterMs: number | undefined;
  readonly attempts: readonly FallbackAttempt[];
  /** What the last provider in the chain threw. */
  readonly lastError: unknown;

  constructor(attempts: readonly FallbackAttempt[], lastError: unknown) {
    const each = attempts.map((attempt) => `${attempt.provider}: ${attempt.message}`).join("; ");
    super(`every provider failed (${each})`, { cause: lastError });
    this.attempts = attempts;
    this.lastError = lastError;
    // Only when every provider named a wait is there a time after which trying again makes sense.
    const waits = attempts.map((attempt) => attempt.retryAfterMs);
    this.retryAfterMs =
      waits.length > 0 && waits.every((wait) => wait !== undefined) ? Math.min(...waits) : undefined;
  }
}

export type ResilienceError = CircuitOpenError | BulkheadFullError | FallbackExhaustedError;

export function isResilienceError(value: unknown): value is ResilienceError {
  return (
    value instanceof CircuitOpenError ||
    value instanceof BulkheadFullError ||
    value instanceof FallbackExhaustedError
  );
}

/** "overloaded 529: Z.ai is overloaded" — kind, status, then the message, trimmed to one line. */
export function describeFailure(failure: Pick<FailureSummary, "kind" | "status" | "message">): string {
  const head = failure.status === undefined ? failure.kind : `${failure.kind} ${failure.status}`;
  const message = failure.message.replace(/\s+/g, " ").slice(0, 160);
  return message ? `${head}: ${message}` : head;
}

/** "41 s", "2 min 5 s": rounded up, so a caller told "1 s" never comes back too early. */
export function formatSeconds(milliseconds: number): string {
  const seconds = Math.max(1, Math.ceil(milliseconds / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

// Failures of calls that had already handed part of the answer to the user: trying again (on this
// provider or another) would show that part twice, so neither retry nor fallback touches them.
const afterDelivery = new WeakSet<object>();

export function markFailedAfterDelivery(error: unknown): void {
  if (typeof error === "object" && error !== null) afterDelivery.add(error);
}

export function failedAfterDelivery(error: unknown): boolean {
  return typeof error === "object" && error !== null && afterDelivery.has(error);
}

/** How a thrown value bears on the provider's health. */
export interface FailureClass {
  /** The provider looks down or overloaded: counts toward opening the circuit. */
  countsAsFailure: boolean;
  /** Worth trying the same provider again. */
  retryable: boolean;
  retryAfterMs: number | undefined;
  summary: Omit<FailureSummary, "at">;
}

// Kinds that mean the provider itself is not serving: a bad request, a missing key or an exhausted
// quota is the caller's problem, and opening the circuit for it would hide the real error.
const PROVIDER_SIDE_KINDS: ReadonlySet<string> = new Set([
  "rate_limit",
  "overloaded",
  "server",
  "timeout",
  "network",
  "protocol",
]);

export function classifyFailure(error: unknown): FailureClass {
  if (isProviderError(error)) {
    return {
      countsAsFailure: PROVIDER_SIDE_KINDS.has(error.kind),
      retryable: error.retryable,
      retryAfterMs: error.retryAfterMs,
      summary: { kind: error.kind, message: error.message, status: error.status },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    countsAsFailure: false,
    retryable: false,
    retryAfterMs: undefined,
    summary: { kind: "unknown", message },
  };
}
