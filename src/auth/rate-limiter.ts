// Per-key request rates. The algorithm is GCRA (a leaky bucket kept as one "theoretical arrival time"
// per key): N requests a minute may arrive in one burst, then one every 60/N s. The in-memory limiter
// counts in this process; redis-rate-limiter.ts counts across replicas with the same arithmetic.

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface RateLimiter {
  /** Counts one request of the key against `perMinute`; says when to retry if it is over. */
  take(keyId: string, perMinute: number): Promise<RateDecision>;
  close(): Promise<void>;
}

export const RATE_WINDOW_MS = 60_000;

/** One GCRA step: the decision and the key's next arrival time (unchanged when refused). */
export function gcra(
  arrival: number | undefined,
  now: number,
  perMinute: number,
): { decision: RateDecision; arrival: number } {
  const start = Math.max(arrival ?? now, now);
  const next = start + RATE_WINDOW_MS / perMinute;
  if (next - now > RATE_WINDOW_MS) {
    return {
      decision: { allowed: false, retryAfterMs: Math.ceil(next - RATE_WINDOW_MS - now) },
      arrival: start,
    };
  }
  return { decision: { allowed: true }, arrival: next };
}

export class MemoryRateLimiter implements RateLimiter {
  readonly #arrivals = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async take(keyId: string, perMinute: number): Promise<RateDecision> {
    return this.takeNow(keyId, perMinute);
  }

  takeNow(keyId: string, perMinute: number): RateDecision {
    const now = this.#now();
    const step = gcra(this.#arrivals.get(keyId), now, perMinute);
    this.#arrivals.set(keyId, step.arrival);
    if (this.#arrivals.size > 10_000) this.#forgetIdle(now);
    return step.decision;
  }

  async close(): Promise<void> {
    this.#arrivals.clear();
  }

  // A key whose arrival time has passed has a full bucket again: forgetting it changes nothing.
  #forgetIdle(now: number): void {
    for (const [keyId, arrival] of this.#arrivals) if (arrival <= now) this.#arrivals.delete(keyId);
  }
}
