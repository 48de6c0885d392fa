// Breakers shared by every replica through Redis. Each process keeps a local mirror of the shared
// state, refreshed every 500 ms (so a trip elsewhere stops this process within a second) and after
// every write. Counters change only inside Lua scripts (atomic); half-open probing is single-flight
// through a SET NX PX lease that expires if the prober dies, and nothing is locked while a call runs.
// When Redis is unreachable every gate falls back to its own local breaker: no call ever fails or
// waits because of Redis.
import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import { redactText } from "../observability/logger.ts";
import { createRedisClient, type RedisClient } from "../store/redis/client.ts";
import {
  type Admission,
  type BreakerSettings,
  type BreakerSnapshot,
  type BreakerState,
  CircuitBreaker,
  CLOSED_SNAPSHOT,
  type Outcome,
  PROBING_RETRY_AFTER_MS,
  type Refusal,
  refusalAt,
  stateAt,
  type TransitionListener,
} from "./breaker.ts";
import {
  type BreakerGate,
  type BreakerSharing,
  type BreakerStore,
  failureFromColumns,
  type GateOptions,
} from "./breaker-store.ts";
import type { FailureSummary } from "./errors.ts";

export interface RedisBreakerStoreOptions {
  url: string;
  keyPrefix: string;
  logger: Logger;
  now?: () => number;
  /** How often the mirrors are refreshed; below 1 s so that a trip elsewhere is seen within a second. */
  syncIntervalMs?: number;
  /** Longest wait for one Redis command before the store counts Redis as unreachable. */
  commandTimeoutMs?: number;
  /** Called when Redis becomes unreachable (false) or reachable again (true). */
  onHealthChange?: (up: boolean) => void;
}

const WINDOW_SLOTS = 10;

// Shared by the scripts: opening the circuit with the doubling open time, capped, honouring Retry-After.
const OPEN_FUNCTION = `
local function open_circuit(now, open_ms, max_open_ms, retry_after)
  local opens = redis.call('HINCRBY', KEYS[1], 'opens', 1)
  local duration = open_ms * (2 ^ math.min(opens - 1, 30))
  duration = math.min(max_open_ms, math.max(duration, retry_after))
  redis.call('HSET', KEYS[1], 'state', 'open', 'openUntil', string.format('%.0f', now + duration),
    'consecutive', 0, 'changedAt', string.format('%.0f', now))
  redis.call('HINCRBY', KEYS[1], 'generation', 1)
end
local function remember_failure(kind, message, status, now)
  if kind ~= '' then
    redis.call('HSET', KEYS[1], 'lastKind', kind, 'lastMessage', message, 'lastStatus', status,
      'lastAt', string.format('%.0f', now))
  end
end
`;

// KEYS: state hash, window hash. ARGV: outcome, now, bucketMs, consecutive threshold, failure rate,
// minimum calls, openMs, maxOpenMs, retryAfterMs, failure kind, message, status, window TTL.
const RECORD_SCRIPT = `${OPEN_FUNCTION}
local outcome = ARGV[1]
local now = tonumber(ARGV[2])
remember_failure(ARGV[10], ARGV[11], ARGV[12], now)
local state = redis.call('HGET', KEYS[1], 'state')
if outcome == 'neutral' or (state and state ~= 'closed') then
  return redis.call('HGETALL', KEYS[1])
end
if not state then
  redis.call('HSET', KEYS[1], 'state', 'closed', 'openUntil', 0, 'opens', 0, 'consecutive', 0,
    'generation', 0, 'changedAt', ARGV[2])
end
local bucket = math.floor(now / tonumber(ARGV[3]))
local slot = bucket % ${WINDOW_SLOTS}
if tonumber(redis.call('HGET', KEYS[2], slot .. ':id') or '-1') ~= bucket then
  redis.call('HSET', KEYS[2], slot .. ':id', bucket, slot .. ':s', 0, slot .. ':f', 0)
end
redis.call('PEXPIRE', KEYS[2], ARGV[13])
if outcome == 'success' then
  redis.call('HINCRBY', KEYS[2], slot .. ':s', 1)
  if redis.call('HGET', KEYS[1], 'consecutive') ~= '0' then redis.call('HSET', KEYS[1], 'consecutive', 0) end
  return redis.call('HGETALL', KEYS[1])
end
redis.call('HINCRBY', KEYS[2], slot .. ':f', 1)
local consecutive = redis.call('HINCRBY', KEYS[1], 'consecutive', 1)
local threshold = tonumber(ARGV[4])
local trip = threshold > 0 and consecutive >= threshold
local rate = tonumber(ARGV[5])
if not trip and rate > 0 then
  local successes, failures = 0, 0
  for index = 0, ${WINDOW_SLOTS - 1} do
    local id = tonumber(redis.call('HGET', KEYS[2], index .. ':id') or '-1')
    if id > bucket - ${WINDOW_SLOTS} then
      successes = successes + tonumber(redis.call('HGET', KEYS[2], index .. ':s') or '0')
      failures = failures + tonumber(redis.call('HGET', KEYS[2], index .. ':f') or '0')
    end
  end
  local calls = successes + failures
  trip = calls >= tonumber(ARGV[6]) and failures / calls >= rate
end
if trip then
  open_circuit(now, tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]))
  redis.call('DEL', KEYS[2])
end
return redis.call('HGETALL', KEYS[1])
`;

// KEYS: state hash, probe lease. ARGV: now, token, leaseMs. Elects this process as the prober when
// the circuit is open and its time is up; returns {elected (0/1), state fields}.
const CLAIM_PROBE_SCRIPT = `
local now = tonumber(ARGV[1])
local elected = 0
if redis.call('HGET', KEYS[1], 'state') == 'open' and tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0') <= now then
  if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then elected = 1 end
end
return {elected, redis.call('HGETALL', KEYS[1])}
`;

// KEYS: state hash, window hash, probe lease. ARGV: outcome, token, now, openMs, maxOpenMs,
// retryAfterMs, failure kind, message, status.
const PROBE_RESULT_SCRIPT = `${OPEN_FUNCTION}
local now = tonumber(ARGV[3])
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
remember_failure(ARGV[7], ARGV[8], ARGV[9], now)
if ARGV[1] == 'failure' then
  open_circuit(now, tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]))
elseif ARGV[1] == 'success' and redis.call('HGET', KEYS[1], 'state') == 'open' then
  redis.call('HSET', KEYS[1], 'state', 'closed', 'openUntil', 0, 'opens', 0, 'consecutive', 0,
    'changedAt', string.format('%.0f', now))
  redis.call('HINCRBY', KEYS[1], 'generation', 1)
  redis.call('DEL', KEYS[2])
end
return redis.call('HGETALL', KEYS[1])
`;

// KEYS: state hash. ARGV: openUntil, now, failure kind, message, status. Publishes a trip this
// process made while Redis was unreachable, never shortening an opening already there.
const FORCE_OPEN_SCRIPT = `
local open_until = tonumber(ARGV[1])
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'open' or tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0') < open_until then
  redis.call('HSET', KEYS[1], 'state', 'open', 'openUntil', ARGV[1], 'consecutive', 0, 'changedAt', ARGV[2])
  if tonumber(redis.call('HGET', KEYS[1], 'opens') or '0') < 1 then redis.call('HSET', KEYS[1], 'opens', 1) end
  if ARGV[3] ~= '' then
    redis.call('HSET', KEYS[1], 'lastKind', ARGV[3], 'lastMessage', ARGV[4], 'lastStatus', ARGV[5], 'lastAt', ARGV[2])
  end
  redis.call('HINCRBY', KEYS[1], 'generation', 1)
end
return redis.call('HGETALL', KEYS[1])
`;

// KEYS: state hash, window hash, probe lease. ARGV: now. Closes the circuit and forgets its failures
// (`providers reset`). The hash is rewritten, not deleted, so that its generation only ever grows and
// no replica mistakes the next trip for an older state than the one it holds.
const RESET_SCRIPT = `
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('HDEL', KEYS[1], 'lastKind', 'lastMessage', 'lastStatus', 'lastAt')
redis.call('HSET', KEYS[1], 'state', 'closed', 'openUntil', 0, 'opens', 0, 'consecutive', 0, 'changedAt', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'generation', 1)
return redis.call('HGETALL', KEYS[1])
`;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

const SCRIPTS = {
  record: script(RECORD_SCRIPT),
  claimProbe: script(CLAIM_PROBE_SCRIPT),
  probeResult: script(PROBE_RESULT_SCRIPT),
  forceOpen: script(FORCE_OPEN_SCRIPT),
};

export class RedisBreakerStore implements BreakerStore {
  readonly kind = "redis";
  readonly #client: RedisClient;
  readonly #gates = new Map<string, RedisGate>();
  readonly #logger: Logger;
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  readonly #onHealthChange: (up: boolean) => void;
  readonly #where: string;
  readonly #commandTimeoutMs: number;
  #up = false;
  #outageLogged = false;
  #closed = false;
  #syncing = false;

  constructor(options: RedisBreakerStoreOptions) {
    this.#logger = options.logger;
    this.#prefix = options.keyPrefix;
    this.#now = options.now ?? Date.now;
    this.#onHealthChange = options.onHealthChange ?? (() => {});
    this.#where = redactText(options.url);
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 250;
    this.#client = createRedisClient(options.url, this.#commandTimeoutMs);
    this.#client.on("error", (error: unknown) => this.#down(error));
    this.#client.on("ready", () => {
      void this.#resync();
    });
    this.#client.connect().catch((error: unknown) => this.#down(error));
    this.#timer = setInterval(() => void this.#sync(), options.syncIntervalMs ?? 500);
    this.#timer.unref();
  }

  /** True while Redis answers; otherwise every gate decides on its local breaker. */
  get up(): boolean {
    return this.#up;
  }

  gate(provider: string, settings: BreakerSettings, options: GateOptions): BreakerGate {
    let gate = this.#gates.get(provider);
    if (gate === undefined) {
      gate = new RedisGate(this, provider, settings, options.probeLeaseMs, this.#now);
      this.#gates.set(provider, gate);
      if (this.#up) void this.refresh(gate);
    }
    return gate;
  }

  async read(provider: string): Promise<BreakerSnapshot | undefined> {
    const reply = await this.#command(
      ["HGETALL", this.key(provider)],
      `read the shared circuit of ${provider}`,
    );
    const fields = toFields(reply);
    return fields.size === 0 ? undefined : snapshotFromFields(fields);
  }

  async reset(provider: string): Promise<void> {
    const keys = [this.key(provider), this.key(provider, "window"), this.key(provider, "probe")];
    const reply = await this.#command(
      ["EVAL", RESET_SCRIPT, String(keys.length), ...keys, String(this.#now())],
      `reset the shared circuit of ${provider}`,
    );
    this.#gates.get(provider)?.resetLocal(toFields(reply));
  }

  // For commands a person asked for: an unreachable Redis is their problem to fix, said in one line.
  async #command(args: string[], purpose: string): Promise<unknown> {
    try {
      return await this.#client.sendCommand(args);
    } catch (error) {
      throw new AppError(
        "unavailable",
        `cannot reach redis at ${this.#where} to ${purpose} (${error instanceof Error ? error.message : String(error)}); check that it runs and redis.url (or resilience.redisUrl)`,
        { cause: error },
      );
    }
  }

  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // Stops waiting at the first failed connection attempt: a refused connection will not heal in a second.
    while (!this.#up && !this.#outageLogged && !this.#closed && Date.now() < deadline) await sleep(25);
    if (this.#up) await Promise.all([...this.#gates.values()].map((gate) => this.refresh(gate)));
    return this.#up;
  }

  /** Where the store points, password redacted. */
  get where(): string {
    return this.#where;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#client.removeAllListeners("error");
    this.#client.on("error", () => {});
    this.#client.destroy();
  }

  key(provider: string, part?: "window" | "probe"): string {
    return `${this.#prefix}breaker:${provider}${part ? `:${part}` : ""}`;
  }

  /** Runs a script; any Redis failure marks the store down and resolves to undefined. */
  async run(which: keyof typeof SCRIPTS, keys: string[], args: (string | number)[]): Promise<unknown> {
    if (!this.#up) return undefined;
    const { sha, source } = SCRIPTS[which];
    const argv = args.map(String);
    try {
      try {
        return await this.#client.sendCommand(["EVALSHA", sha, String(keys.length), ...keys, ...argv]);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return await this.#client.sendCommand(["EVAL", source, String(keys.length), ...keys, ...argv]);
      }
    } catch (error) {
      this.#down(error);
      return undefined;
    }
  }

  async refresh(gate: RedisGate): Promise<void> {
    if (!this.#up) return;
    try {
      gate.adopt(toFields(await this.#client.sendCommand(["HGETALL", this.key(gate.provider)])));
    } catch (error) {
      this.#down(error);
    }
  }

  async #sync(): Promise<void> {
    if (this.#closed || this.#syncing) return;
    this.#syncing = true;
    try {
      if (this.#up) await Promise.all([...this.#gates.values()].map((gate) => this.refresh(gate)));
      else if (this.#client.isReady) {
        // Connected again after a command timed out: check Redis answers before trusting it.
        await this.#client.sendCommand(["PING"]);
        await this.#resync();
      }
    } catch (error) {
      this.#down(error);
    } finally {
      this.#syncing = false;
    }
  }

  // Back after an outage: read the shared state, and publish any trip a gate made on its own meanwhile.
  async #resync(): Promise<void> {
    if (this.#closed || this.#up) return;
    this.#up = true;
    for (const gate of this.#gates.values()) {
      await this.refresh(gate);
      await gate.publishLocalTrip();
    }
    if (!this.#up) return;
    if (this.#outageLogged) {
      this.#logger.info({ redis: this.#where }, "redis reachable again: circuit breakers are shared again");
    }
    this.#outageLogged = false;
    this.#onHealthChange(true);
    for (const gate of this.#gates.values()) gate.announce();
  }

  #down(error: unknown): void {
    if (this.#closed) return;
    const wasUp = this.#up;
    this.#up = false;
    if (!this.#outageLogged) {
      this.#outageLogged = true;
      this.#logger.warn(
        { redis: this.#where, error: error instanceof Error ? error.message : String(error) },
        "redis unreachable: each process falls back to its own circuit breakers until it is back",
      );
    }
    if (wasUp) {
      this.#onHealthChange(false);
      for (const gate of this.#gates.values()) gate.announce();
    }
  }
}

interface ProbeSession {
  token: string;
  /** Probe calls this process may still start. */
  permits: number;
  inFlight: number;
  successes: number;
}

class RedisGate implements BreakerGate {
  readonly provider: string;
  readonly #store: RedisBreakerStore;
  readonly #settings: BreakerSettings;
  readonly #leaseMs: number;
  readonly #now: () => number;
  /** Decides while Redis is unreachable; fed every outcome meanwhile so it is warm when needed. */
  readonly #local: CircuitBreaker;
  readonly #listeners: TransitionListener[] = [];
  #mirror: BreakerSnapshot = CLOSED_SNAPSHOT;
  #mirrorGeneration = -1;
  #probe: ProbeSession | undefined;
  #claiming = false;
  #announced: BreakerState = "closed";
  /** The local breaker opened while Redis was unreachable: the others learn of it when Redis is back. */
  #tripWhileDown = false;

  constructor(
    store: RedisBreakerStore,
    provider: string,
    settings: BreakerSettings,
    leaseMs: number,
    now: () => number,
  ) {
    this.#store = store;
    this.provider = provider;
    this.#settings = settings;
    this.#leaseMs = leaseMs;
    this.#now = now;
    this.#local = new CircuitBreaker(settings, now);
    this.#local.onTransition((_from, to) => {
      if (this.#store.up) return;
      if (to === "open") this.#tripWhileDown = true;
      this.announce();
    });
  }

  admit(): Admission | Promise<Admission> {
    if (!this.#store.up) return this.#local.admit();
    const mirror = this.#mirror;
    if (mirror.state === "closed") return SHARED_CALL;
    const refused = refusalAt(mirror, this.#now());
    if (refused) return refused;
    const probe = this.#probe;
    if (probe && probe.permits > 0) {
      probe.permits -= 1;
      probe.inFlight += 1;
      return SHARED_PROBE;
    }
    if (probe || this.#claiming) return this.#probing();
    return this.#claim();
  }

  refusal(): Refusal | undefined {
    return this.#store.up ? refusalAt(this.#mirror, this.#now()) : this.#local.refusal();
  }

  record(admission: Admission & { admitted: true }, outcome: Outcome): void {
    const viaRedis = admission === SHARED_CALL || admission === SHARED_PROBE;
    // The local breaker sees every outcome; shared admissions count as its ordinary calls.
    this.#local.record(viaRedis ? LOCAL_CALL : admission, outcome);
    if (!viaRedis) return;
    if (admission === SHARED_PROBE) this.#recordProbe(outcome);
    else this.#recordCall(outcome);
  }

  state(): BreakerState {
    return this.#store.up ? stateAt(this.#mirror, this.#now()) : this.#local.state();
  }

  snapshot(): BreakerSnapshot {
    return this.#store.up ? this.#mirror : this.#local.snapshot();
  }

  sharing(): BreakerSharing {
    return this.#store.up ? "redis" : "process (redis unreachable)";
  }

  async reset(): Promise<void> {
    await this.#store.reset(this.provider);
  }

  resetLocal(fields: Map<string, string>): void {
    this.#local.reset();
    this.#tripWhileDown = false;
    this.adopt(fields);
  }

  onTransition(listener: TransitionListener): void {
    this.#listeners.push(listener);
  }

  /** Takes the state read from Redis, unless an older read arrives after a newer one. */
  adopt(fields: Map<string, string>): void {
    const generation = Number(fields.get("generation") ?? 0);
    if (fields.size === 0) {
      // Deleted (`providers reset`, or never written): closed.
      this.#mirror = CLOSED_SNAPSHOT;
      this.#mirrorGeneration = -1;
      this.#probe = undefined;
    } else if (generation >= this.#mirrorGeneration) {
      this.#mirror = snapshotFromFields(fields);
      // Opened or closed anew (by anyone): a probe session of the previous opening is void.
      if (generation > this.#mirrorGeneration) this.#probe = undefined;
      this.#mirrorGeneration = generation;
    }
    this.#followMirror();
    this.announce();
  }

  // The local breaker takes over whenever Redis goes away, so it must start from what everyone
  // agreed, not from an opening of its own that the shared circuit has long closed. Its closed-state
  // counts stay its own; only a trip it made while alone and newer than the shared state is kept.
  #followMirror(): void {
    const local = this.#local.snapshot();
    const mirror = this.#mirror;
    if (local.state === mirror.state && local.openUntil === mirror.openUntil) return;
    if (this.#tripWhileDown && local.changedAt > mirror.changedAt) return;
    this.#tripWhileDown = false;
    this.#local.restore(mirror);
  }

  async publishLocalTrip(): Promise<void> {
    if (!this.#tripWhileDown) return;
    this.#tripWhileDown = false;
    const local = this.#local.snapshot();
    if (local.state !== "open" || local.openUntil <= Math.max(this.#now(), this.#mirror.openUntil)) return;
    const reply = await this.#store.run(
      "forceOpen",
      [this.#store.key(this.provider)],
      [local.openUntil, this.#now(), ...failureArgs(local.lastFailure)],
    );
    if (reply !== undefined) this.adopt(toFields(reply));
  }

  /** Tells listeners about a change of the state callers see (shared or local, whichever decides now). */
  announce(): void {
    const current = this.state();
    if (current === this.#announced) return;
    const previous = this.#announced;
    this.#announced = current;
    for (const listener of this.#listeners) listener(previous, current);
  }

  #probing(): Admission {
    return {
      admitted: false,
      retryAfterMs: PROBING_RETRY_AFTER_MS,
      probing: true,
      lastFailure: this.#mirror.lastFailure,
    };
  }

  async #claim(): Promise<Admission> {
    this.#claiming = true;
    try {
      const token = randomUUID();
      const reply = await this.#store.run(
        "claimProbe",
        [this.#store.key(this.provider), this.#store.key(this.provider, "probe")],
        [this.#now(), token, this.#leaseMs],
      );
      if (reply === undefined) return this.#local.admit();
      const [elected, fields] = Array.isArray(reply) ? reply : [0, []];
      this.adopt(toFields(fields));
      if (elected !== 1) return this.state() === "closed" ? SHARED_CALL : this.#probing();
      this.#probe = { token, permits: this.#settings.halfOpenProbes - 1, inFlight: 1, successes: 0 };
      this.announce();
      return SHARED_PROBE;
    } finally {
      this.#claiming = false;
    }
  }

  #recordCall(outcome: Outcome): void {
    const failure = outcome.type === "success" ? undefined : outcome.failure;
    void this.#store
      .run(
        "record",
        [this.#store.key(this.provider), this.#store.key(this.provider, "window")],
        [
          outcome.type,
          this.#now(),
          Math.max(1, Math.ceil(this.#settings.windowMs / WINDOW_SLOTS)),
          this.#settings.consecutiveFailures,
          this.#settings.failureRate,
          this.#settings.minimumCalls,
          this.#settings.openMs,
          this.#settings.maxOpenMs,
          outcome.type === "failure" ? (outcome.retryAfterMs ?? 0) : 0,
          ...failureArgs(failure),
          this.#settings.windowMs * 2,
        ],
      )
      .then((reply) => {
        if (reply !== undefined) this.adopt(toFields(reply));
      });
  }

  #recordProbe(outcome: Outcome): void {
    const probe = this.#probe;
    if (probe === undefined) {
      this.#recordCall(outcome);
      return;
    }
    probe.inFlight -= 1;
    if (outcome.type === "success") {
      probe.successes += 1;
      if (probe.successes < this.#settings.halfOpenProbes) return;
    } else if (outcome.type === "neutral") {
      // The probe told nothing about the provider: its slot goes back; with nothing learnt and
      // nothing running, the lease is released so that any replica may probe next.
      probe.permits += 1;
      if (probe.inFlight > 0 || probe.successes > 0) return;
    }
    this.#probe = undefined;
    const failure = outcome.type === "success" ? undefined : outcome.failure;
    void this.#store
      .run(
        "probeResult",
        [
          this.#store.key(this.provider),
          this.#store.key(this.provider, "window"),
          this.#store.key(this.provider, "probe"),
        ],
        [
          outcome.type,
          probe.token,
          this.#now(),
          this.#settings.openMs,
          this.#settings.maxOpenMs,
          outcome.type === "failure" ? (outcome.retryAfterMs ?? 0) : 0,
          ...failureArgs(failure),
        ],
      )
      .then((reply) => {
        if (reply !== undefined) this.adopt(toFields(reply));
      });
  }
}

type Admitted = Admission & { admitted: true };
// Told apart from the local breaker's admissions by identity; the shared trial is the probe lease.
const SHARED_CALL: Admitted = { admitted: true, probe: false };
const SHARED_PROBE: Admitted = { admitted: true, probe: true, trial: 0 };
const LOCAL_CALL: Admitted = { admitted: true, probe: false };

/** A failure as the scripts take it: kind, message, status; empty strings when there is none. */
function failureArgs(failure: FailureSummary | undefined): [string, string, string | number] {
  return [failure?.kind ?? "", failure?.message ?? "", failure?.status ?? ""];
}

/** A HGETALL reply (flat array under RESP2, a map under RESP3) as a Map of strings. */
function toFields(reply: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  if (Array.isArray(reply)) {
    for (let index = 0; index + 1 < reply.length; index += 2)
      fields.set(String(reply[index]), String(reply[index + 1]));
  } else if (reply instanceof Map) {
    for (const [key, value] of reply) fields.set(String(key), String(value));
  } else if (reply !== null && typeof reply === "object") {
    for (const [key, value] of Object.entries(reply)) fields.set(key, String(value));
  }
  return fields;
}

function snapshotFromFields(fields: Map<string, string>): BreakerSnapshot {
  return {
    state: fields.get("state") === "open" ? "open" : "closed",
    openUntil: Number(fields.get("openUntil") ?? 0),
    opens: Number(fields.get("opens") ?? 0),
    consecutiveFailures: Number(fields.get("consecutive") ?? 0),
    lastFailure: failureFromColumns(
      fields.get("lastKind"),
      fields.get("lastMessage"),
      fields.get("lastStatus"),
      fields.get("lastAt"),
    ),
    changedAt: Number(fields.get("changedAt") ?? 0),
  };
}
