// A hub with its dashboard for tests: simulators for every provider, a throwaway home with its SQLite
// store (hub keys, audit trail, file registry), and the hub's HTTP server with the dashboard mounted
// at /ui, on a loopback socket.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditTrail } from "../../src/audit/audit-trail.ts";
import { HubKeys } from "../../src/auth/hub-keys.ts";
import type { Scope } from "../../src/auth/scopes.ts";
import { resolvePaths } from "../../src/config/paths.ts";
import { configSchema } from "../../src/config/schema/index.ts";
import { PROVIDER_APIS } from "../../src/config/schema/providers.ts";
import type { Dashboard } from "../../src/dashboard/dashboard.ts";
import { createHubDashboard, dashboardSandboxSessions } from "../../src/dashboard/hub-sources.ts";
import type { FileService } from "../../src/files/file-service.ts";
import { createHub, type Hub } from "../../src/hub/hub.ts";
import { createLogger } from "../../src/observability/logger.ts";
import type { Traffic } from "../../src/observability/traffic.ts";
import { writeSecret } from "../../src/providers/credentials.ts";
import { createServer } from "../../src/server/app.ts";
import { listen } from "../../src/server/listen.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { removeScratch } from "../support/scratch.ts";

export interface DashboardWorld {
  hub: Hub;
  simulators: Simulators;
  traffic: Traffic;
  dashboard: Dashboard;
  store: Store;
  keys: HubKeys;
  audit: AuditTrail;
  files: FileService;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Creates a hub key as `keys create` does; returns the key itself. */
  createKey(name: string, scopes: Scope[]): Promise<string>;
  close(): Promise<void>;
}

export async function startDashboardWorld(
  options: { liveIntervalMs?: number } = {},
): Promise<DashboardWorld> {
  const simulators = await startSimulators();
  const home = mkdtempSync(join(tmpdir(), "aio-dashboard-"));
  const paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: home } });
  for (const api of PROVIDER_APIS) writeSecret(paths, api, `sk-${api}-dashboard-test`);
  const config = configSchema.parse({
    providers: Object.fromEntries(
      PROVIDER_APIS.map((api) => [
        api,
        {
          baseUrl: simulators.endpoints[api].baseUrl,
          policy: {
            retry: { maxAttempts: 1 },
            breaker: { consecutiveFailures: 2, openMs: 1_000, maxOpenMs: 1_000 },
          },
        },
      ]),
    ),
    resilience: { store: "memory", fallbacks: { zai: ["moonshot"] } },
  });
  const logger = createLogger({ level: "silent" });
  const store = await openStore({ paths, logger });
  const audit = new AuditTrail({ log: store.audit });
  const keys = new HubKeys({ keys: store.keys, changes: store.keyChanges, audit, logger });
  const hub = createHub({ config, paths, logger, store, keys });
  const traffic = hub.traffic;
  const files = hub.files;
  if (files === undefined) throw new Error("a hub with a store has a file registry");
  const server = createServer(hub);
  const dashboard = createHubDashboard({
    hub,
    sandboxSessions: dashboardSandboxSessions(server.liveSessions),
    liveIntervalMs: options.liveIntervalMs ?? 250,
  });
  server.app.route("/ui", dashboard.app);
  const listening = await listen(server.app, { host: "127.0.0.1", port: 0 });
  return {
    hub,
    simulators,
    traffic,
    dashboard,
    store,
    keys,
    audit,
    files,
    origin: listening.url,
    createKey: async (name, scopes) => (await keys.create({ name, scopes }, "cli:test")).key,
    async close() {
      await listening.drain(0);
      await hub.close();
      await simulators.close();
      removeScratch(home);
    },
  };
}
