// Builds the hub's FileService from its parts: the provider clients and policies, config, metrics and
// logger of the hub, and the store's file registry, upload journal and audit trail.
import { setTimeout as sleep } from "node:timers/promises";
import { AuditTrail } from "../audit/audit-trail.ts";
import type { Hub } from "../hub/hub.ts";
import { resolveProvider } from "../providers/registry.ts";
import { openDatabase } from "../store/database.ts";
import type { FileJournal, FileRegistry } from "../store/file-repositories.ts";
import { SqliteAuditLog } from "../store/sqlite/audit-log.ts";
import { SqliteFileJournal } from "../store/sqlite/file-journal.ts";
import { SqliteFileRegistry } from "../store/sqlite/file-registry.ts";
import { fileMetrics } from "./file-metrics.ts";
import { FileService } from "./file-service.ts";
import { type FileAudit, type PipelineStep, processOwner } from "./files-context.ts";
import { holdFromEnvironment } from "./test-hold.ts";

export interface FileStore {
  registry: FileRegistry;
  journal: FileJournal;
  audit: FileAudit;
  close(): Promise<void>;
}

/** The file repositories and the audit trail over orchestrator.db. */
export function openSqliteFileStore(file: string): FileStore & { trail: AuditTrail } {
  const database = openDatabase(file);
  const trail = new AuditTrail({ log: new SqliteAuditLog(database) });
  return {
    registry: new SqliteFileRegistry(database),
    journal: new SqliteFileJournal(database),
    audit: trail,
    trail,
    async close() {
      database.close();
    },
  };
}

export interface FileServiceOptions {
  hub: Hub;
  store: Omit<FileStore, "close">;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  hold?: (step: PipelineStep) => Promise<void>;
}

export function createFileService(options: FileServiceOptions): FileService {
  const { hub, store } = options;
  return new FileService({
    registry: store.registry,
    journal: store.journal,
    audit: store.audit,
    providers: {
      describe: (provider) => resolveProvider(hub.config, provider),
      files: (provider) => hub.providers.client(provider).files,
      policy: (provider) => hub.resilience.policy(provider),
    },
    config: hub.config.files,
    metrics: fileMetrics(hub.metrics.registry),
    logger: hub.logger,
    owner: processOwner(),
    inFlight: new Set(),
    now: options.now ?? Date.now,
    sleep: options.sleep ?? ((ms) => sleep(ms)),
    hold: options.hold ?? holdFromEnvironment(),
  });
}
