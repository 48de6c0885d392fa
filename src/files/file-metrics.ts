// The seven file metrics of the server this project replaces, under their exact names, so existing
// dashboards keep working. Labels are bounded: provider ids from config, a status, a reason.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type DeletionReason = "user" | "retention" | "duplicate" | "mismatched";

export interface FileMetrics {
  uploadAttempts: Counter<"provider">;
  uploadBytes: Counter<"provider" | "status">;
  uploadDuration: Histogram<"provider">;
  activeUploads: Gauge;
  deduplicationHits: Counter;
  circuitBreakerTrips: Counter<"provider">;
  deletions: Counter<"provider" | "reason">;
}

/** Registers the metrics on `registry`, or returns the ones a previous hub on it registered. */
export function fileMetrics(registry: Registry): FileMetrics {
  const registers = [registry];
  return {
    uploadAttempts:
      existing(registry, "mcp_file_upload_attempts_total", Counter) ??
      new Counter({
        name: "mcp_file_upload_attempts_total",
        help: "Uploads sent to a provider (dedup hits send nothing and are not counted).",
        labelNames: ["provider"] as const,
        registers,
      }),
    uploadBytes:
      existing(registry, "mcp_file_upload_bytes_total", Counter) ??
      new Counter({
        name: "mcp_file_upload_bytes_total",
        help: "Bytes of uploads by outcome: success or failure.",
        labelNames: ["provider", "status"] as const,
        registers,
      }),
    uploadDuration:
      existing(registry, "mcp_file_upload_duration_seconds", Histogram) ??
      new Histogram({
        name: "mcp_file_upload_duration_seconds",
        help: "Time from the first byte sent to the provider's answer.",
        labelNames: ["provider"] as const,
        buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
        registers,
      }),
    activeUploads:
      existing(registry, "mcp_file_active_uploads", Gauge) ??
      new Gauge({ name: "mcp_file_active_uploads", help: "Uploads in progress in this process.", registers }),
    deduplicationHits:
      existing(registry, "mcp_file_deduplication_hits_total", Counter) ??
      new Counter({
        name: "mcp_file_deduplication_hits_total",
        help: "Uploads answered from the registry: the provider already held the content.",
        registers,
      }),
    circuitBreakerTrips:
      existing(registry, "mcp_file_circuit_breaker_trips_total", Counter) ??
      new Counter({
        name: "mcp_file_circuit_breaker_trips_total",
        help: "File operations refused at once because the provider's circuit was open.",
        labelNames: ["provider"] as const,
        registers,
      }),
    deletions:
      existing(registry, "mcp_file_deletions_total", Counter) ??
      new Counter({
        name: "mcp_file_deletions_total",
        help: "Remote copies deleted, by reason: user, retention, duplicate, mismatched.",
        labelNames: ["provider", "reason"] as const,
        registers,
      }),
  };
}

function existing<T>(
  registry: Registry,
  name: string,
  kind: abstract new (...args: never[]) => T,
): T | undefined {
  const metric = registry.getSingleMetric(name);
  return metric instanceof kind ? metric : undefined;
}
