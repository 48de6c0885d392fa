// The gateway's Prometheus metrics, registered on the hub's registry beside the resilience families
// (one server per hub). Labels are bounded sets only: route templates, dialects, status codes and
// provider ids from config, never keys, users or model names.
import { Counter, Histogram, type Registry } from "prom-client";

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const HUB_SECONDS = [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05];

export interface GatewayMetrics {
  readonly requests: Counter<"route" | "dialect" | "status">;
  readonly duration: Histogram<"route" | "dialect">;
  readonly upstreamFirstByte: Histogram<"provider">;
  readonly tokens: Counter<"provider" | "direction">;
  readonly overhead: Histogram<"dialect">;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  return {
    requests: new Counter({
      name: "aio_http_requests_total",
      help: "Requests answered, by route template, dialect and HTTP status.",
      labelNames: ["route", "dialect", "status"] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "aio_http_request_duration_seconds",
      help: "From the request's arrival to its answer's headers (a stream's length is not included).",
      labelNames: ["route", "dialect"] as const,
      buckets: SECONDS,
      registers: [registry],
    }),
    upstreamFirstByte: new Histogram({
      name: "aio_upstream_first_byte_seconds",
      help: "From sending a request to a provider to its answer's headers.",
      labelNames: ["provider"] as const,
      buckets: SECONDS,
      registers: [registry],
    }),
    tokens: new Counter({
      name: "aio_tokens_total",
      help: "Tokens reported in the providers' usage, by direction (in, out).",
      labelNames: ["provider", "direction"] as const,
      registers: [registry],
    }),
    overhead: new Histogram({
      name: "aio_hub_overhead_seconds",
      help: "Time spent in the hub for a request, excluding the provider (also the x-aio-overhead-ms header).",
      labelNames: ["dialect"] as const,
      buckets: HUB_SECONDS,
      registers: [registry],
    }),
  };
}
