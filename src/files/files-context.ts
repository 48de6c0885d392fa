// Everything the file operations need, passed down from the composition root: the registry and the
// journal, the audit trail, the providers' file clients under their policies, config and metrics.
import { hostname } from "node:os";
import type { JsonValue } from "../audit/canonical-json.ts";
import type { FilesConfig } from "../config/schema/files.ts";
import type { Logger } from "../observability/logger.ts";
import type { FilesClient } from "../providers/files.ts";
import type { ResolvedProvider } from "../providers/registry.ts";
import { CircuitOpenError } from "../resilience/errors.ts";
import type { ProviderPolicy } from "../resilience/policy.ts";
import type { CallContext } from "../resilience/timeouts.ts";
import type { FileJournal, FileRegistry, JournalOwner } from "../store/repositories.ts";
import type { FileMetrics } from "./file-metrics.ts";

/** One file operation as the audit trail records it (AuditTrail.record takes exactly this). */
export interface FileAuditEvent {
  actor: string;
  action: `file.${string}`;
  subject: string;
  outcome: "ok" | "denied" | "failed";
  details?: { [key: string]: JsonValue };
}

export interface FileAudit {
  record(event: FileAuditEvent): Promise<unknown>;
}

/** The named instants of an upload where a test may hold the process to kill it (test-hold.ts). */
export type PipelineStep = "claimed" | "uploading" | "committed";

export interface FileProviders {
  /** Every provider id, built-in and from config. */
  ids(): string[];
  /** The provider's capabilities; throws AppError("config") for an unknown id. */
  describe(provider: string): ResolvedProvider;
  /** Its Files API client; throws AppError("credential") when its key is missing. */
  files(provider: string): FilesClient;
  policy(provider: string): ProviderPolicy;
}

export interface FilesContext {
  registry: FileRegistry;
  journal: FileJournal;
  audit: FileAudit;
  providers: FileProviders;
  config: FilesConfig;
  metrics: FileMetrics;
  logger: Logger;
  /** This process, as the owner of the claims it makes. */
  owner: JournalOwner;
  /** Journal entries this process is working on right now (its other claims are orphans). */
  inFlight: Set<string>;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Test-only: resolves when the pipeline may go on past `step`. */
  hold?: ((step: PipelineStep) => Promise<void>) | undefined;
}

export function processOwner(): JournalOwner {
  return { id: `${process.pid}-${crypto.randomUUID()}`, host: hostname(), pid: process.pid };
}

/** A provider call under its policy (deadlines, bulkhead, breaker, retry); an open circuit is counted. */
export async function callProvider<T>(
  context: FilesContext,
  provider: string,
  call: (callContext: CallContext) => Promise<T>,
): Promise<T> {
  try {
    return await context.providers.policy(provider).execute(call);
  } catch (error) {
    if (error instanceof CircuitOpenError) context.metrics.circuitBreakerTrips.inc({ provider });
    throw error;
  }
}
