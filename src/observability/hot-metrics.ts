// Counters and histograms for the hub's request path. prom-client turns the label object of every
// observation into a string key (checking each label, then looking the key up as a property), which
// made the metrics the costliest step of the hub's own handling of a request; these keep one child
// per label values, found with Map lookups, and give /metrics the same families, names and values.
import { Counter, type CounterConfiguration, Histogram, type HistogramConfiguration } from "prom-client";

/** Children by label values, one nested Map per label (no key string is built per observation). */
class Children<C> {
  readonly #root: Level<C> = { next: new Map(), child: undefined };
  readonly #create: (values: readonly string[]) => C;
  readonly all: C[] = [];

  constructor(create: (values: readonly string[]) => C) {
    this.#create = create;
  }

  get(values: readonly string[]): C {
    let level = this.#root;
    for (const value of values) {
      let next = level.next.get(value);
      if (next === undefined) {
        next = { next: new Map(), child: undefined };
        level.next.set(value, next);
      }
      level = next;
    }
    if (level.child === undefined) {
      level.child = this.#create(values);
      this.all.push(level.child);
    }
    return level.child;
  }

  clear(): void {
    this.#root.next.clear();
    this.all.length = 0;
  }
}

interface Level<C> {
  next: Map<string, Level<C>>;
  child: C | undefined;
}

function labelsOf<T extends string>(names: readonly T[], values: readonly string[]): Labels<T> {
  const labels: Labels<T> = {};
  names.forEach((name, index) => {
    labels[name] = values[index]!;
  });
  return labels;
}

type Labels<T extends string> = Partial<Record<T, string>>;

interface CounterChild<T extends string> {
  labels: Labels<T>;
  /** Counted since /metrics last read the family. */
  pending: number;
}

/** A labelled counter: `child(...values).inc(n)` adds up in place; prom-client is told when /metrics reads it. */
export class HotCounter<T extends string> extends Counter<T> {
  readonly #children: Children<CounterChild<T> & { inc(amount?: number): void }>;

  constructor(configuration: CounterConfiguration<T> & { labelNames: readonly T[] }) {
    super({
      ...configuration,
      collect() {
        if (this instanceof HotCounter) this.#flush();
      },
    });
    const names = configuration.labelNames;
    this.#children = new Children((values) => {
      const child = {
        labels: labelsOf(names, values),
        pending: 0,
        inc(amount = 1) {
          child.pending += amount;
        },
      };
      return child;
    });
  }

  /** The counter of these label values, in the order of `labelNames`. */
  child(...values: string[]): { inc(amount?: number): void } {
    return this.#children.get(values);
  }

  override reset(): void {
    super.reset();
    // Also called by prom-client's constructor, before this class's fields exist.
    if (#children in this) for (const child of this.#children.all) child.pending = 0;
  }

  #flush(): void {
    for (const child of this.#children.all) {
      if (child.pending === 0) continue;
      this.inc(child.labels, child.pending);
      child.pending = 0;
    }
  }
}

interface HistogramChild<T extends string> {
  labels: Labels<T>;
  /** Observations per bucket, not cumulative; the last one is +Inf. */
  counts: number[];
  sum: number;
  count: number;
  observe(value: number): void;
}

/** A labelled histogram: `child(...values).observe(v)` is a bucket search and three additions. */
export class HotHistogram<T extends string> extends Histogram<T> {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #children: Children<HistogramChild<T>>;

  constructor(
    configuration: HistogramConfiguration<T> & { labelNames: readonly T[]; buckets: readonly number[] },
  ) {
    super({ ...configuration, buckets: [...configuration.buckets] });
    this.#name = configuration.name;
    this.#help = configuration.help;
    // prom-client sets `observe` on the instance, not the prototype: replaced here, like labels().
    this.observe = () => refuse(configuration.name);
    const bounds = [...configuration.buckets].sort((a, b) => a - b);
    this.#bounds = bounds;
    const names = configuration.labelNames;
    this.#children = new Children((values) => {
      const child: HistogramChild<T> = {
        labels: labelsOf(names, values),
        counts: new Array<number>(bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
        observe(value) {
          let bucket = 0;
          while (bucket < bounds.length && value > bounds[bucket]!) bucket += 1;
          child.counts[bucket]! += 1;
          child.sum += value;
          child.count += 1;
        },
      };
      return child;
    });
  }

  /** The histogram of these label values, in the order of `labelNames`. */
  child(...values: string[]): { observe(value: number): void } {
    return this.#children.get(values);
  }

  // prom-client's own way in would count where /metrics no longer reads: refused, not lost.
  override labels(): never {
    return refuse(this.#name);
  }

  override reset(): void {
    super.reset();
    // Also called by prom-client's constructor, before this class's fields exist.
    if (#children in this) this.#children.clear();
  }

  // What the registry formats for /metrics (and get() returns, labels merged), in prom-client's own
  // form: each child's cumulative buckets, then +Inf, sum and count.
  async getForPromString(): Promise<PromSeries> {
    const values: PromSeries["values"] = [];
    const bucket = `${this.#name}_bucket`;
    for (const child of this.#children.all) {
      let cumulative = 0;
      this.#bounds.forEach((bound, index) => {
        cumulative += child.counts[index]!;
        values.push({
          labels: { le: bound },
          sharedLabels: child.labels,
          value: cumulative,
          metricName: bucket,
          exemplar: null,
        });
      });
      values.push(
        {
          labels: { le: "+Inf" },
          sharedLabels: child.labels,
          value: child.count,
          metricName: bucket,
          exemplar: null,
        },
        {
          labels: {},
          sharedLabels: child.labels,
          value: child.sum,
          metricName: `${this.#name}_sum`,
          exemplar: undefined,
        },
        {
          labels: {},
          sharedLabels: child.labels,
          value: child.count,
          metricName: `${this.#name}_count`,
          exemplar: undefined,
        },
      );
    }
    return { name: this.#name, help: this.#help, type: "histogram", values, aggregator: "sum" };
  }
}

function refuse(name: string): never {
  throw new Error(`${name} is observed through child(...label values)`);
}

/** A histogram family as prom-client's registry reads it. */
interface PromSeries {
  name: string;
  help: string;
  type: "histogram";
  values: {
    labels: Record<string, string | number>;
    sharedLabels: Labels<string>;
    value: number;
    metricName: string;
    /** Exemplars are off: prom-client's own buckets say null, its sum and count undefined. */
    exemplar: null | undefined;
  }[];
  aggregator: "sum";
}
