// Builds the hub's FileService from its parts: the provider clients and policies, config, metrics and
// logger of the hub, and the store's file registry, upload journal and audit log.
import { setTimeout as sleep } from "node:timers/promises";
import { AuditTrail } from "../audit/audit-trail.ts";
import type { Hub } from "../hub/hub.ts";
import { providerIds, resolveProvider } from "../providers/registry.ts";
import type { Store } from "../store/store.ts";
import { fileMetrics } from "./file-metrics.ts";
import { FileService } from "./file-service.ts";
import { type PipelineStep, processOwner } from "./files-context.ts";
import { holdFromEnvironment } from "./test-hold.ts";

export interface FileServiceOptions {
  hub: Pick<Hub, "config" | "providers" | "resilience" | "metrics" | "logger">;
  store: Pick<Store, "files" | "fileJournal" | "audit">;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  hold?: (step: PipelineStep) => Promise<void>;
}

export function createFileService(options: FileServiceOptions): FileService {
  const { hub, store } = options;
  return new FileService({
    registry: store.files,
    journal: store.fileJournal,
    audit: new AuditTrail({ log: store.audit }),
    providers: {
      ids: () => providerIds(hub.config),
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
