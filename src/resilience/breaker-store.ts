// Where breaker state lives. A gate is one provider's breaker as the policy sees it; the store decides
// whether that state stays in this process (memory), survives restarts (SQLite, the default) or is
// shared by every replica (Redis, in redis-breaker-store.ts).
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { BreakerStoreKind } from "../config/schema/resilience.ts";
import type { ProviderErrorKind } from "../providers/errors.ts";
import { PROVIDER_ERROR_KINDS } from "../providers/errors.ts";
import {
  type Admission,
  type BreakerSettings,
  type BreakerSnapshot,
  type BreakerState,
  CircuitBreaker,
  type Outcome,
  type Refusal,
  type TransitionListener,
} from "./breaker.ts";
import type { FailureSummary } from "./errors.ts";

/** Where a gate's decisions come from right now. */
export type BreakerSharing = "process" | "file" | "redis" | "process (redis unreachable)";

export interface BreakerGate {
  readonly provider: string;
  /** Synchronous except when a Redis-shared breaker must elect this process as the half-open prober. */
  admit(): Admission | Promise<Admission>;
  /** While the circuit is open: the refusal any call gets now, with no side effect. The fail-fast path. */
  refusal(): Refusal | undefined;
  /** Reports how an admitted call ended; pass back the admission `admit` returned. */
  record(admission: Admission & { admitted: true }, outcome: Outcome): void;
  state(): BreakerState;
  snapshot(): BreakerSnapshot;
  sharing(): BreakerSharing;
  reset(): Promise<void>;
  onTransition(listener: TransitionListener): void;
}

export interface GateOptions {
  /** How long a half-open probe may run before another replica may probe too. */
  probeLeaseMs: number;
}

export interface BreakerStore {
  readonly kind: BreakerStoreKind;
  /** The provider's gate, created on first use; later calls return the same gate. */
  gate(provider: string, settings: BreakerSettings, options: GateOptions): BreakerGate;
  /** The state as stored, including what other processes wrote; undefined when nothing was ever recorded. */
  read(provider: string): Promise<BreakerSnapshot | undefined>;
  /** Closes the provider's circuit everywhere the store reaches (`providers reset`). */
  reset(provider: string): Promise<void>;
  /**
   * Waits (at most `timeoutMs`) until the shared state has been read, for one-shot commands that
   * show it; false when the store could not be reached and gates decide on local state.
   */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** A process-local gate; with `persistence` it writes every change and picks up other processes' writes. */
class LocalGate implements BreakerGate {
  readonly provider: string;
  readonly #breaker: CircuitBreaker;
  readonly #persistence: SnapshotFile | undefined;
  readonly #now: () => number;
  #saved: BreakerSnapshot;
  #generation = 0;
  #refreshedAt = Number.NEGATIVE_INFINITY;

  constructor(
    provider: string,
    breaker: CircuitBreaker,
    persistence: SnapshotFile | undefined,
    now: () => number,
  ) {
    this.provider = provider;
    this.#breaker = breaker;
    this.#persistence = persistence;
    this.#now = now;
    this.#saved = breaker.snapshot();
    this.#refresh(true);
  }

  admit(): Admission {
    if (this.#persistence) this.#refresh(false);
    return this.#breaker.admit();
  }

  refusal(): Refusal | undefined {
    if (this.#persistence) this.#refresh(false);
    return this.#breaker.refusal();
  }

  record(admission: Admission & { admitted: true }, outcome: Outcome): void {
    this.#breaker.record(admission, outcome);
    if (this.#persistence && this.#breaker.snapshot() !== this.#saved) this.#save();
  }

  state(): BreakerState {
    return this.#breaker.state();
  }

  snapshot(): BreakerSnapshot {
    return this.#breaker.snapshot();
  }

  sharing(): BreakerSharing {
    return this.#persistence ? "file" : "process";
  }

  async reset(): Promise<void> {
    this.#breaker.reset();
    if (this.#persistence) this.#save();
  }

  onTransition(listener: TransitionListener): void {
    this.#breaker.onTransition(listener);
  }

  #save(): void {
    const snapshot = this.#breaker.snapshot();
    this.#generation = this.#persistence?.save(this.provider, snapshot) ?? this.#generation;
    // Even when the write failed: the next change writes the whole state again.
    this.#saved = snapshot;
  }

  // Another process (a second hub, or `providers reset`) may have written the row: adopt it, at
  // most once a second, so the hot path costs one indexed read per second, not one per call.
  #refresh(force: boolean): void {
    const now = this.#now();
    if (!force && now - this.#refreshedAt < REFRESH_INTERVAL_MS) return;
    this.#refreshedAt = now;
    const row = this.#persistence?.load(this.provider);
    if (row === undefined || row.generation <= this.#generation) return;
    this.#generation = row.generation;
    this.#breaker.restore(row.snapshot);
    this.#saved = this.#breaker.snapshot();
  }
}

/** How often a gate re-reads state other processes may have written. */
export const REFRESH_INTERVAL_MS = 1_000;

interface StoredRow {
  snapshot: BreakerSnapshot;
  generation: number;
}

interface SnapshotFile {
  /** Undefined when nothing is stored or the file cannot be read now. */
  load(provider: string): StoredRow | undefined;
  /** Returns the row's new generation; undefined when the file cannot be written now. */
  save(provider: string, snapshot: BreakerSnapshot): number | undefined;
}

export class MemoryBreakerStore implements BreakerStore {
  readonly kind = "memory";
  readonly #gates = new Map<string, LocalGate>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  gate(provider: string, settings: BreakerSettings, _options?: GateOptions): BreakerGate {
    let gate = this.#gates.get(provider);
    if (gate === undefined) {
      gate = new LocalGate(provider, new CircuitBreaker(settings, this.#now), undefined, this.#now);
      this.#gates.set(provider, gate);
    }
    return gate;
  }

  async read(provider: string): Promise<BreakerSnapshot | undefined> {
    return this.#gates.get(provider)?.snapshot();
  }

  async reset(provider: string): Promise<void> {
    await this.#gates.get(provider)?.reset();
  }

  async ready(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}

/** Breaker state in orchestrator.db: it survives restarts with its wall-clock open-until time. */
export class SqliteBreakerStore implements BreakerStore, SnapshotFile {
  readonly kind = "sqlite";
  readonly #gates = new Map<string, LocalGate>();
  readonly #now: () => number;
  readonly #select: StatementSync;
  readonly #upsert: StatementSync;
  readonly #delete: StatementSync;
  readonly #onClose: () => void;
  readonly #onError: (error: unknown) => void;
  #failing = false;

  /**
   * `onClose` runs on close(), e.g. to close a database the store opened itself. `onError` is told
   * once when the file stops answering (locked past the busy timeout, disk full, read-only); the
   * breakers then decide on this process's state alone until it answers again.
   */
  constructor(
    database: DatabaseSync,
    now: () => number = Date.now,
    onClose: () => void = () => {},
    onError: (error: unknown) => void = () => {},
  ) {
    this.#now = now;
    this.#onClose = onClose;
    this.#onError = onError;
    this.#select = database.prepare("SELECT * FROM breaker_state WHERE provider = ?");
    this.#upsert = database.prepare(`
      INSERT INTO breaker_state (provider, state, open_until, opens, consecutive_failures, last_failure_kind,
        last_failure_message, last_failure_status, last_failure_at, changed_at, generation)
      VALUES (:provider, :state, :openUntil, :opens, :consecutive, :kind, :message, :status, :at, :changedAt, 1)
      ON CONFLICT (provider) DO UPDATE SET state = excluded.state, open_until = excluded.open_until,
        opens = excluded.opens, consecutive_failures = excluded.consecutive_failures,
        last_failure_kind = excluded.last_failure_kind, last_failure_message = excluded.last_failure_message,
        last_failure_status = excluded.last_failure_status, last_failure_at = excluded.last_failure_at,
        changed_at = excluded.changed_at, generation = breaker_state.generation + 1
      RETURNING generation`);
    this.#delete = database.prepare("DELETE FROM breaker_state WHERE provider = ?");
  }

  gate(provider: string, settings: BreakerSettings, _options?: GateOptions): BreakerGate {
    let gate = this.#gates.get(provider);
    if (gate === undefined) {
      gate = new LocalGate(provider, new CircuitBreaker(settings, this.#now), this, this.#now);
      this.#gates.set(provider, gate);
    }
    return gate;
  }

  async read(provider: string): Promise<BreakerSnapshot | undefined> {
    return this.load(provider)?.snapshot;
  }

  async reset(provider: string): Promise<void> {
    const gate = this.#gates.get(provider);
    if (gate) await gate.reset();
    else this.#delete.run(provider);
  }

  async ready(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.#gates.clear();
    this.#onClose();
  }

  load(provider: string): StoredRow | undefined {
    const row = this.#guard(() => this.#select.get(provider));
    if (row === undefined) return undefined;
    return {
      generation: Number(row.generation),
      snapshot: {
        state: row.state === "open" ? "open" : "closed",
        openUntil: Number(row.open_until),
        opens: Number(row.opens),
        consecutiveFailures: Number(row.consecutive_failures),
        lastFailure: failureFromColumns(
          row.last_failure_kind,
          row.last_failure_message,
          row.last_failure_status,
          row.last_failure_at,
        ),
        changedAt: Number(row.changed_at),
      },
    };
  }

  save(provider: string, snapshot: BreakerSnapshot): number | undefined {
    const failure = snapshot.lastFailure;
    const result = this.#guard(() =>
      this.#upsert.get({
        provider,
        state: snapshot.state,
        openUntil: snapshot.openUntil,
        opens: snapshot.opens,
        consecutive: snapshot.consecutiveFailures,
        kind: failure?.kind ?? null,
        message: failure?.message ?? null,
        status: failure?.status ?? null,
        at: failure?.at ?? null,
        changedAt: snapshot.changedAt,
      }),
    );
    return result === undefined ? undefined : Number(result.generation ?? 0);
  }

  // A call must never fail, nor its outcome be lost, because the state file could not be written.
  #guard<T>(operation: () => T): T | undefined {
    try {
      const result = operation();
      this.#failing = false;
      return result;
    } catch (error) {
      if (!this.#failing) this.#onError(error);
      this.#failing = true;
      return undefined;
    }
  }
}

/** Rebuilds a stored failure from loose columns or hash fields; undefined when none was recorded. */
export function failureFromColumns(
  kind: unknown,
  message: unknown,
  status: unknown,
  at: unknown,
): FailureSummary | undefined {
  if (typeof kind !== "string" || kind === "") return undefined;
  const statusNumber = status === null || status === undefined || status === "" ? undefined : Number(status);
  return {
    kind: isProviderErrorKind(kind) ? kind : "unknown",
    message: typeof message === "string" ? message : "",
    status: Number.isFinite(statusNumber) ? statusNumber : undefined,
    at: Number(at ?? 0),
  };
}

function isProviderErrorKind(value: string): value is ProviderErrorKind {
  return PROVIDER_ERROR_KINDS.some((kind) => kind === value);
}
