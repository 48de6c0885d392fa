// A bounded in-memory record of the hub's recent requests, for the dashboard: the last N requests as
// they were answered, and per provider the requests and errors per time bucket and the latency of the
// last minutes. Recording is one call per request on the hot path: it writes into preallocated slots
// and typed arrays (a fixed-size ring), so a busy hub neither grows it nor churns the heap; the work of
// filtering, sorting and summing happens when the dashboard reads.

/** Which provider was passed over for a request, and why (the `x-aio-fallbacks` pairs). */
export interface TrafficFallback {
  readonly provider: string;
  /** The error kind that made the hub move on: overloaded, circuit_open, timeout, … */
  readonly kind: string;
}

/** One answered request, as the server reports it. */
export interface TrafficRecord {
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  /** The hub key's name; empty when the request was refused before a key was known. */
  key: string;
  /** The API the client spoke: anthropic, openai, gemini, mcp, files. */
  dialect: string;
  /** The model the client asked for. */
  model: string;
  /** The provider that answered (or that failed last); empty when none was reached. */
  provider: string;
  /** Providers passed over before `provider`, in order. */
  fallbacks: readonly TrafficFallback[];
  /** The HTTP status the client got. */
  status: number;
  latencyMs: number;
  tokensIn: number;
  tokensOut: number;
}

/** A request as the dashboard reads it back; `seq` orders them and grows by one per request. */
export interface TrafficEntry extends Omit<TrafficRecord, "fallbacks"> {
  seq: number;
  fallbacks: TrafficFallback[];
}

export interface TrafficFilter {
  provider?: string | undefined;
  key?: string | undefined;
  model?: string | undefined;
  dialect?: string | undefined;
  /** "ok" (below 400), "error" (400 and above), or one status code. */
  status?: string | undefined;
  /** Only entries with a greater seq (what a live view has not shown yet). */
  afterSeq?: number | undefined;
  limit?: number | undefined;
}

/** Requests and errors of one provider per bucket, oldest bucket first. */
export interface ProviderSeries {
  provider: string;
  requests: number[];
  errors: number[];
}

export interface TrafficSeries {
  bucketMs: number;
  /** Start of the oldest bucket, milliseconds since the epoch. */
  start: number;
  providers: ProviderSeries[];
}

/** One provider's numbers over the window. */
export interface ProviderTraffic {
  provider: string;
  requests: number;
  errors: number;
  /** errors / requests; 0 without requests. */
  errorRate: number;
  /** Undefined without answered requests in the window. */
  p50Ms: number | undefined;
  p95Ms: number | undefined;
}

export interface TrafficOptions {
  /** Requests remembered; the oldest is overwritten. Default 500. */
  capacity?: number;
  /** Width of a time bucket. Default 10 s. */
  bucketMs?: number;
  /** Buckets kept per provider. Default 30 (5 minutes of 10 s). */
  buckets?: number;
  /** Latency samples kept per provider. Default 512. */
  latencySamples?: number;
  /** Distinct providers tracked; later ones are counted under "other". Default 32. */
  maxProviders?: number;
  now?: () => number;
}

export interface Traffic {
  /** Records one request. Cheap enough to call on every request. */
  record(request: TrafficRecord): void;
  /** Grows by one per request: a reader compares it to know whether anything happened. */
  readonly version: number;
  /** Newest first. */
  recent(filter?: TrafficFilter): TrafficEntry[];
  /** Requests and errors per provider per bucket over the window, ending with the current bucket. */
  series(): TrafficSeries;
  /** Each provider's requests, error rate and latency percentiles over the window. */
  providers(): ProviderTraffic[];
  /** Numbers of one provider (zeros when it had no traffic). */
  provider(id: string): ProviderTraffic;
  /** The distinct values seen in the remembered requests, for filter menus. */
  seen(): { providers: string[]; keys: string[]; models: string[]; dialects: string[] };
  readonly windowMs: number;
  /** Width of one time bucket of `series()`. */
  readonly bucketMs: number;
}

/** A place in the ring, overwritten in place by each new request. */
interface Slot extends TrafficRecord {
  seq: number;
}

/** Per provider: counts per bucket (a ring indexed by bucket number) and a ring of latency samples. */
interface ProviderCounters {
  id: string;
  bucketIds: Float64Array;
  requests: Uint32Array;
  errors: Uint32Array;
  latencyAt: Float64Array;
  latencyMs: Float64Array;
  latencyNext: number;
}

const OTHER_PROVIDER = "other";

export function createTraffic(options: TrafficOptions = {}): Traffic {
  const capacity = options.capacity ?? 500;
  const bucketMs = options.bucketMs ?? 10_000;
  const bucketCount = options.buckets ?? 30;
  const sampleCount = options.latencySamples ?? 512;
  const maxProviders = options.maxProviders ?? 32;
  const now = options.now ?? Date.now;
  const windowMs = bucketMs * bucketCount;

  const slots: Slot[] = Array.from({ length: capacity }, () => ({
    seq: 0,
    at: 0,
    key: "",
    dialect: "",
    model: "",
    provider: "",
    fallbacks: [],
    status: 0,
    latencyMs: 0,
    tokensIn: 0,
    tokensOut: 0,
  }));
  let written = 0;
  const counters = new Map<string, ProviderCounters>();

  const countersOf = (provider: string): ProviderCounters => {
    const existing = counters.get(provider);
    if (existing !== undefined) return existing;
    // The one spare place beyond the limit is "other", so a flood of made-up names stays bounded.
    if (counters.size >= maxProviders && provider !== OTHER_PROVIDER) return countersOf(OTHER_PROVIDER);
    const created: ProviderCounters = {
      id: provider,
      bucketIds: new Float64Array(bucketCount).fill(-1),
      requests: new Uint32Array(bucketCount),
      errors: new Uint32Array(bucketCount),
      latencyAt: new Float64Array(sampleCount).fill(Number.NEGATIVE_INFINITY),
      latencyMs: new Float64Array(sampleCount),
      latencyNext: 0,
    };
    counters.set(provider, created);
    return created;
  };

  const count = (provider: string, at: number, failed: boolean): ProviderCounters => {
    const providerCounters = countersOf(provider);
    const bucket = Math.floor(at / bucketMs);
    const index = bucket % bucketCount;
    if (providerCounters.bucketIds[index] !== bucket) {
      providerCounters.bucketIds[index] = bucket;
      providerCounters.requests[index] = 0;
      providerCounters.errors[index] = 0;
    }
    providerCounters.requests[index]! += 1;
    if (failed) providerCounters.errors[index]! += 1;
    return providerCounters;
  };

  const record = (request: TrafficRecord): void => {
    const slot = slots[written % capacity]!;
    written += 1;
    slot.seq = written;
    slot.at = request.at;
    slot.key = request.key;
    slot.dialect = request.dialect;
    slot.model = request.model;
    slot.provider = request.provider;
    slot.fallbacks = request.fallbacks;
    slot.status = request.status;
    slot.latencyMs = request.latencyMs;
    slot.tokensIn = request.tokensIn;
    slot.tokensOut = request.tokensOut;
    // Every provider passed over failed this request once; the one that answered is judged by status
    // (a client's own mistake, a 4xx other than 429, is not the provider's error).
    for (const fallback of request.fallbacks) count(fallback.provider, request.at, true);
    if (request.provider === "") return;
    const providerCounters = count(
      request.provider,
      request.at,
      request.status >= 500 || request.status === 429,
    );
    const sample = providerCounters.latencyNext;
    providerCounters.latencyAt[sample] = request.at;
    providerCounters.latencyMs[sample] = request.latencyMs;
    providerCounters.latencyNext = (sample + 1) % sampleCount;
  };

  const entries = function* (): Generator<Slot> {
    const oldest = Math.max(0, written - capacity);
    for (let seq = written; seq > oldest; seq -= 1) yield slots[(seq - 1) % capacity]!;
  };

  const recent = (filter: TrafficFilter = {}): TrafficEntry[] => {
    const limit = filter.limit ?? capacity;
    const found: TrafficEntry[] = [];
    for (const slot of entries()) {
      if (found.length >= limit) break;
      if (filter.afterSeq !== undefined && slot.seq <= filter.afterSeq) break;
      if (!matches(slot, filter)) continue;
      found.push({ ...slot, fallbacks: [...slot.fallbacks] });
    }
    return found;
  };

  const summary = (providerCounters: ProviderCounters | undefined, id: string): ProviderTraffic => {
    if (providerCounters === undefined) {
      return { provider: id, requests: 0, errors: 0, errorRate: 0, p50Ms: undefined, p95Ms: undefined };
    }
    const current = Math.floor(now() / bucketMs);
    let requests = 0;
    let errors = 0;
    for (let index = 0; index < bucketCount; index += 1) {
      const bucket = providerCounters.bucketIds[index]!;
      if (bucket > current - bucketCount && bucket <= current) {
        requests += providerCounters.requests[index]!;
        errors += providerCounters.errors[index]!;
      }
    }
    const since = now() - windowMs;
    const latencies: number[] = [];
    for (let index = 0; index < sampleCount; index += 1) {
      if (providerCounters.latencyAt[index]! > since) latencies.push(providerCounters.latencyMs[index]!);
    }
    latencies.sort((a, b) => a - b);
    return {
      provider: id,
      requests,
      errors,
      errorRate: requests === 0 ? 0 : errors / requests,
      p50Ms: percentile(latencies, 0.5),
      p95Ms: percentile(latencies, 0.95),
    };
  };

  return {
    record,
    get version() {
      return written;
    },
    windowMs,
    bucketMs,
    recent,
    series() {
      const current = Math.floor(now() / bucketMs);
      const first = current - bucketCount + 1;
      const providers = [...counters.values()].map((providerCounters) => {
        const requests = new Array<number>(bucketCount).fill(0);
        const errors = new Array<number>(bucketCount).fill(0);
        for (let index = 0; index < bucketCount; index += 1) {
          const bucket = providerCounters.bucketIds[index]!;
          if (bucket < first || bucket > current) continue;
          requests[bucket - first] = providerCounters.requests[index]!;
          errors[bucket - first] = providerCounters.errors[index]!;
        }
        return { provider: providerCounters.id, requests, errors };
      });
      return { bucketMs, start: first * bucketMs, providers };
    },
    providers: () =>
      [...counters.values()].map((providerCounters) => summary(providerCounters, providerCounters.id)),
    provider: (id) => summary(counters.get(id), id),
    seen() {
      const providers = new Set<string>();
      const keys = new Set<string>();
      const models = new Set<string>();
      const dialects = new Set<string>();
      for (const slot of entries()) {
        if (slot.provider !== "") providers.add(slot.provider);
        for (const fallback of slot.fallbacks) providers.add(fallback.provider);
        if (slot.key !== "") keys.add(slot.key);
        if (slot.model !== "") models.add(slot.model);
        dialects.add(slot.dialect);
      }
      const sorted = (values: Set<string>): string[] => [...values].sort();
      return {
        providers: sorted(providers),
        keys: sorted(keys),
        models: sorted(models),
        dialects: sorted(dialects),
      };
    },
  };
}

function matches(slot: Slot, filter: TrafficFilter): boolean {
  if (filter.provider && slot.provider !== filter.provider) {
    if (!slot.fallbacks.some((fallback) => fallback.provider === filter.provider)) return false;
  }
  if (filter.key && slot.key !== filter.key) return false;
  if (filter.model && slot.model !== filter.model) return false;
  if (filter.dialect && slot.dialect !== filter.dialect) return false;
  if (filter.status === "ok") return slot.status < 400;
  if (filter.status === "error") return slot.status >= 400;
  if (filter.status) return String(slot.status) === filter.status;
  return true;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], fraction: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil(fraction * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}
