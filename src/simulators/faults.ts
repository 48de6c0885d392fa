// Faults a simulator can be told to produce: error statuses with each provider's exact body, slow,
// hung, reset, malformed, stalled or lost responses. One schema serves code, HTTP and the CLI flag.
import { z } from "zod";
import { PROVIDER_APIS, type ProviderApi } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";

const scope = {
  /** Apply to this many matching requests, then disappear. Absent: until cleared. */
  times: z.number().int().positive().optional(),
  /** Apply only to requests whose path (with query) contains this text. */
  match: z.string().min(1).optional(),
  /** Apply only to requests of this method (an upload's POST, not the listing's GET on the same path). */
  method: z.enum(["GET", "POST", "DELETE"]).optional(),
};

export const faultSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("status"),
    status: z.number().int().min(400).max(599),
    /** 429 only: rate limit (default), out of credit, or overloaded; each provider words them differently. */
    reason: z.enum(["rate_limit", "quota", "overloaded"]).optional(),
    /** Seconds the provider tells the caller to wait, in that provider's own way (header, text or RetryInfo). */
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    ...scope,
  }),
  z.strictObject({ kind: z.literal("latency"), ms: z.number().int().nonnegative().max(600_000), ...scope }),
  z.strictObject({ kind: z.literal("hang"), ...scope }),
  z.strictObject({ kind: z.literal("reset"), ...scope }),
  z.strictObject({ kind: z.literal("malformed"), ...scope }),
  z.strictObject({
    kind: z.literal("stall"),
    /** Events (or, for a plain body, half of it) sent before going silent; default: half of them. */
    afterEvents: z.number().int().nonnegative().optional(),
    ...scope,
  }),
  z.strictObject({ kind: z.literal("lost-response"), ...scope }),
  /** The work is done (a file stored), then the answer waits `ms`: a crash in that window loses it. */
  z.strictObject({
    kind: z.literal("slow-response"),
    ms: z.number().int().nonnegative().max(600_000),
    ...scope,
  }),
  z.strictObject({ kind: z.literal("stream-error"), ...scope }),
]);

export type Fault = z.infer<typeof faultSchema>;
export type FaultKind = Fault["kind"];

export interface FaultController {
  /** Adds a fault; faults are tried in the order injected, the first one matching a request wins. */
  inject(provider: ProviderApi, fault: Fault): void;
  /** Removes the faults of one provider, or of all. */
  clear(provider?: ProviderApi): void;
  /** The faults still armed, in order. */
  list(provider: ProviderApi): Fault[];
}

interface ArmedFault {
  fault: Fault;
  remaining: number;
}

/** Holds armed faults per provider and hands each request the one it should suffer, if any. */
export class FaultBook implements FaultController {
  readonly #armed = new Map<ProviderApi, ArmedFault[]>();

  inject(provider: ProviderApi, fault: Fault): void {
    const parsed = faultSchema.parse(fault);
    const list = this.#armed.get(provider) ?? [];
    list.push({ fault: parsed, remaining: parsed.times ?? Number.POSITIVE_INFINITY });
    this.#armed.set(provider, list);
  }

  clear(provider?: ProviderApi): void {
    if (provider === undefined) this.#armed.clear();
    else this.#armed.delete(provider);
  }

  list(provider: ProviderApi): Fault[] {
    return (this.#armed.get(provider) ?? []).map((armed) => armed.fault);
  }

  /** Takes the first fault matching this path, counting it against its `times`. */
  take(provider: ProviderApi, pathWithQuery: string, method = "GET"): Fault | undefined {
    const list = this.#armed.get(provider);
    if (!list) return undefined;
    const index = list.findIndex(
      (armed) =>
        (armed.fault.match === undefined || pathWithQuery.includes(armed.fault.match)) &&
        (armed.fault.method === undefined || armed.fault.method === method),
    );
    if (index < 0) return undefined;
    const armed = list[index]!;
    armed.remaining -= 1;
    if (armed.remaining <= 0) list.splice(index, 1);
    return armed.fault;
  }
}

const NUMBER_OPTIONS = new Set(["times", "status", "ms", "afterEvents", "retryAfterSeconds"]);

/**
 * Parses the CLI form `provider:kind[=value][,option=value…]`, e.g. `moonshot:status=429,retryAfterSeconds=3,times=2`,
 * `google:latency=500`, `zai:hang,match=/chat`, or `provider:{json}`.
 */
export function parseFaultSpec(spec: string): { provider: ProviderApi; fault: Fault } {
  const colon = spec.indexOf(":");
  const providerText = colon < 0 ? spec : spec.slice(0, colon);
  const provider = PROVIDER_APIS.find((id) => id === providerText);
  if (!provider || colon < 0) {
    throw new AppError(
      "usage",
      `fault ${JSON.stringify(spec)}: expected <provider>:<fault> with provider one of ${PROVIDER_APIS.join(", ")}, e.g. anthropic:status=529`,
    );
  }
  const body = spec.slice(colon + 1).trim();
  let candidate: unknown;
  if (body.startsWith("{")) {
    try {
      candidate = JSON.parse(body);
    } catch {
      throw new AppError(
        "usage",
        `fault ${JSON.stringify(spec)}: the fault after "${provider}:" is not valid JSON`,
      );
    }
  } else {
    const [head = "", ...options] = body.split(",");
    const [kind, value] = splitPair(head);
    const record: Record<string, string | number> = { kind };
    if (value !== undefined) {
      const key =
        kind === "status"
          ? "status"
          : kind === "latency" || kind === "slow-response"
            ? "ms"
            : kind === "stall"
              ? "afterEvents"
              : kind;
      record[key] = Number(value);
    }
    for (const option of options) {
      const [key, optionValue = ""] = splitPair(option);
      record[key] = NUMBER_OPTIONS.has(key) ? Number(optionValue) : optionValue;
    }
    candidate = record;
  }
  const parsed = faultSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new AppError(
      "usage",
      `fault ${JSON.stringify(spec)}: ${where}${issue?.message ?? "invalid"}; kinds are status=<code>, latency=<ms>, slow-response=<ms>, hang, reset, malformed, stall[=<events>], lost-response, stream-error`,
    );
  }
  return { provider, fault: parsed.data };
}

function splitPair(text: string): [string, string | undefined] {
  const equals = text.indexOf("=");
  return equals < 0
    ? [text.trim(), undefined]
    : [text.slice(0, equals).trim(), text.slice(equals + 1).trim()];
}
