// The circuit breaker's state machine for one provider: closed → open → half-open (a limited number
// of probe calls) → closed, tripped by consecutive failures or by the failure rate over a sliding
// window. Synchronous and clock-injected, so it can be persisted, shared and tested with a fake clock.
import type { PolicyConfig } from "../config/schema/resilience.ts";
import type { FailureSummary } from "./errors.ts";

export type BreakerSettings = PolicyConfig["breaker"];
export type BreakerState = "closed" | "open" | "half-open";

/**
 * What survives a restart and what replicas share. Half-open is not stored: it is "open, and the
 * open-until time has passed", so a restored breaker starts a fresh probe trial.
 */
export interface BreakerSnapshot {
  state: "closed" | "open";
  /** Wall-clock milliseconds; 0 while closed. */
  openUntil: number;
  /** Times opened since the circuit last closed: each failed probe doubles the open time. */
  opens: number;
  consecutiveFailures: number;
  lastFailure: FailureSummary | undefined;
  /** Wall-clock milliseconds of the last change of state. */
  changedAt: number;
}

export const CLOSED_SNAPSHOT: BreakerSnapshot = {
  state: "closed",
  openUntil: 0,
  opens: 0,
  consecutiveFailures: 0,
  lastFailure: undefined,
  changedAt: 0,
};

export type Admission =
  | { admitted: true; probe: false }
  /** `trial` tells this half-open trial's probes from those of an earlier one that end late. */
  | { admitted: true; probe: true; trial: number }
  | { admitted: false; retryAfterMs: number; probing: boolean; lastFailure: FailureSummary | undefined };

export type Outcome =
  | { type: "success" }
  /** A failure that says the provider is down or overloaded. */
  | { type: "failure"; failure: FailureSummary; retryAfterMs: number | undefined }
  /** The call ended without telling anything about the provider's health (bad request, bulkhead full, caller abort). */
  | { type: "neutral"; failure?: FailureSummary | undefined };

export type Refusal = Extract<Admission, { admitted: false }>;

export type TransitionListener = (from: BreakerState, to: BreakerState) => void;

/** While half-open with every probe slot taken, callers are told to come back after this. */
export const PROBING_RETRY_AFTER_MS = 1_000;

/** How long the circuit stays open after its `opens`-th opening, honouring the provider's own Retry-After. */
export function openDuration(
  settings: BreakerSettings,
  opens: number,
  retryAfterMs: number | undefined,
): number {
  const doubled = settings.openMs * 2 ** Math.max(0, Math.min(opens - 1, 30));
  return Math.min(settings.maxOpenMs, Math.max(doubled, retryAfterMs ?? 0));
}

/** The state callers see for a stored snapshot at `now`. */
export function stateAt(snapshot: BreakerSnapshot, now: number): BreakerState {
  if (snapshot.state === "closed") return "closed";
  return now >= snapshot.openUntil ? "half-open" : "open";
}

/** The refusal every call gets at `now` while the circuit is open; undefined when closed or half-open. */
export function refusalAt(snapshot: BreakerSnapshot, now: number): Refusal | undefined {
  if (snapshot.state === "closed" || now >= snapshot.openUntil) return undefined;
  return {
    admitted: false,
    retryAfterMs: snapshot.openUntil - now,
    probing: false,
    lastFailure: snapshot.lastFailure,
  };
}

const WINDOW_BUCKETS = 10;

export class CircuitBreaker {
  readonly #settings: BreakerSettings;
  readonly #now: () => number;
  #snapshot: BreakerSnapshot = CLOSED_SNAPSHOT;
  #probesInFlight = 0;
  #probeSuccesses = 0;
  #halfOpenAnnounced = false;
  /** Bumped by every change of state, so a probe admitted before it is recognised when it ends. */
  #trial = 0;
  readonly #listeners: TransitionListener[] = [];
  // Failure-rate window: WINDOW_BUCKETS time buckets, each counting successes and failures.
  readonly #bucketMs: number;
  readonly #bucketIds = new Array<number>(WINDOW_BUCKETS).fill(-1);
  readonly #bucketSuccesses = new Array<number>(WINDOW_BUCKETS).fill(0);
  readonly #bucketFailures = new Array<number>(WINDOW_BUCKETS).fill(0);

  constructor(settings: BreakerSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
    this.#bucketMs = Math.max(1, Math.ceil(settings.windowMs / WINDOW_BUCKETS));
  }

  get settings(): BreakerSettings {
    return this.#settings;
  }

  onTransition(listener: TransitionListener): void {
    this.#listeners.push(listener);
  }

  state(): BreakerState {
    return stateAt(this.#snapshot, this.#now());
  }

  snapshot(): BreakerSnapshot {
    return this.#snapshot;
  }

  /** Adopts state persisted earlier or written by another process; probes of this process are forgotten. */
  restore(snapshot: BreakerSnapshot): void {
    const before = this.state();
    this.#snapshot = snapshot;
    this.#newTrial();
    if (snapshot.state === "closed" && snapshot.consecutiveFailures === 0) this.#clearWindow();
    const after = this.state();
    if (after !== before) this.#emit(before, after);
  }

  /** The refusal a call would get now while the circuit is open, without admitting anything; else undefined. */
  refusal(): Refusal | undefined {
    return refusalAt(this.#snapshot, this.#now());
  }

  /** Decides whether a call may go out now. A probe admission must be followed by exactly one `record`. */
  admit(): Admission {
    const snapshot = this.#snapshot;
    if (snapshot.state === "closed") return ADMIT_CALL;
    const refused = refusalAt(snapshot, this.#now());
    if (refused) return refused;
    if (this.#probesInFlight + this.#probeSuccesses >= this.#settings.halfOpenProbes) {
      return {
        admitted: false,
        retryAfterMs: PROBING_RETRY_AFTER_MS,
        probing: true,
        lastFailure: snapshot.lastFailure,
      };
    }
    if (!this.#halfOpenAnnounced) {
      this.#halfOpenAnnounced = true;
      this.#emit("open", "half-open");
    }
    this.#probesInFlight += 1;
    return { admitted: true, probe: true, trial: this.#trial };
  }

  record(admission: Admission & { admitted: true }, outcome: Outcome): void {
    if (admission.probe) this.#recordProbe(admission.trial, outcome);
    else this.#recordCall(outcome);
  }

  /** Closes the circuit and forgets every failure (`providers reset`). */
  reset(): void {
    const before = this.state();
    this.#snapshot = { ...CLOSED_SNAPSHOT, changedAt: this.#now() };
    this.#newTrial();
    this.#clearWindow();
    if (before !== "closed") this.#emit(before, "closed");
  }

  /** Opens the circuit until `openUntil` unless it is already open longer (a replica's trip, seen late). */
  forceOpen(openUntil: number, lastFailure: FailureSummary | undefined): void {
    const snapshot = this.#snapshot;
    if (snapshot.state === "open" && snapshot.openUntil >= openUntil) return;
    const before = this.state();
    this.#snapshot = {
      ...snapshot,
      state: "open",
      openUntil,
      opens: Math.max(1, snapshot.opens),
      lastFailure: lastFailure ?? snapshot.lastFailure,
      changedAt: this.#now(),
    };
    this.#newTrial();
    if (before !== "open") this.#emit(before, "open");
  }

  #recordCall(outcome: Outcome): void {
    const snapshot = this.#snapshot;
    if (outcome.type === "neutral") {
      if (outcome.failure) this.#snapshot = { ...snapshot, lastFailure: outcome.failure };
      return;
    }
    if (outcome.type === "success") {
      // A call let in while closed may finish after the circuit opened; it proves nothing about now.
      if (snapshot.state !== "closed") return;
      this.#count(true);
      if (snapshot.consecutiveFailures !== 0) this.#snapshot = { ...snapshot, consecutiveFailures: 0 };
      return;
    }
    if (snapshot.state !== "closed") {
      this.#snapshot = { ...snapshot, lastFailure: outcome.failure };
      return;
    }
    this.#count(false);
    const consecutiveFailures = snapshot.consecutiveFailures + 1;
    this.#snapshot = { ...snapshot, consecutiveFailures, lastFailure: outcome.failure };
    if (this.#shouldTrip(consecutiveFailures)) this.#open(outcome.failure, outcome.retryAfterMs);
  }

  #recordProbe(trial: number, outcome: Outcome): void {
    if (trial !== this.#trial) {
      // The circuit changed while the probe ran (another probe failed, a reset, a restore): once
      // closed, its result is an ordinary call's; while open, it must neither count toward this
      // trial nor open the circuit a second time for the same outage.
      if (this.#snapshot.state === "closed") this.#recordCall(outcome);
      else if (outcome.type !== "success" && outcome.failure)
        this.#snapshot = { ...this.#snapshot, lastFailure: outcome.failure };
      return;
    }
    this.#probesInFlight = Math.max(0, this.#probesInFlight - 1);
    if (outcome.type === "neutral") {
      if (outcome.failure) this.#snapshot = { ...this.#snapshot, lastFailure: outcome.failure };
      return;
    }
    if (outcome.type === "failure") {
      this.#open(outcome.failure, outcome.retryAfterMs);
      return;
    }
    this.#probeSuccesses += 1;
    if (this.#probeSuccesses >= this.#settings.halfOpenProbes) this.#close();
  }

  #shouldTrip(consecutiveFailures: number): boolean {
    const { consecutiveFailures: threshold, failureRate, minimumCalls } = this.#settings;
    if (threshold > 0 && consecutiveFailures >= threshold) return true;
    if (failureRate <= 0) return false;
    const { successes, failures } = this.#windowTotals();
    const calls = successes + failures;
    return calls >= minimumCalls && failures / calls >= failureRate;
  }

  #open(failure: FailureSummary, retryAfterMs: number | undefined): void {
    const before = this.state();
    const now = this.#now();
    const opens = this.#snapshot.opens + 1;
    this.#snapshot = {
      state: "open",
      openUntil: now + openDuration(this.#settings, opens, retryAfterMs),
      opens,
      consecutiveFailures: 0,
      lastFailure: failure,
      changedAt: now,
    };
    this.#newTrial();
    this.#clearWindow();
    this.#emit(before, "open");
  }

  #close(): void {
    const before = this.state();
    this.#snapshot = { ...CLOSED_SNAPSHOT, lastFailure: this.#snapshot.lastFailure, changedAt: this.#now() };
    this.#newTrial();
    this.#clearWindow();
    this.#emit(before, "closed");
  }

  #newTrial(): void {
    this.#trial += 1;
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    this.#halfOpenAnnounced = false;
  }

  #count(success: boolean): void {
    const bucketId = Math.floor(this.#now() / this.#bucketMs);
    const index = bucketId % WINDOW_BUCKETS;
    if (this.#bucketIds[index] !== bucketId) {
      this.#bucketIds[index] = bucketId;
      this.#bucketSuccesses[index] = 0;
      this.#bucketFailures[index] = 0;
    }
    if (success) this.#bucketSuccesses[index] = (this.#bucketSuccesses[index] ?? 0) + 1;
    else this.#bucketFailures[index] = (this.#bucketFailures[index] ?? 0) + 1;
  }

  #windowTotals(): { successes: number; failures: number } {
    const oldest = Math.floor(this.#now() / this.#bucketMs) - WINDOW_BUCKETS + 1;
    let successes = 0;
    let failures = 0;
    for (let index = 0; index < WINDOW_BUCKETS; index += 1) {
      if ((this.#bucketIds[index] ?? -1) < oldest) continue;
      successes += this.#bucketSuccesses[index] ?? 0;
      failures += this.#bucketFailures[index] ?? 0;
    }
    return { successes, failures };
  }

  #clearWindow(): void {
    this.#bucketIds.fill(-1);
    this.#bucketSuccesses.fill(0);
    this.#bucketFailures.fill(0);
  }

  #emit(from: BreakerState, to: BreakerState): void {
    if (from === to) return;
    for (const listener of this.#listeners) listener(from, to);
  }
}

const ADMIT_CALL: Admission = { admitted: true, probe: false };
