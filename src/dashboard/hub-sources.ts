// The dashboard of one hub: its config, breakers, traffic record and logger, its key store (HubKeys,
// with the scopes a key may be given) and its audit trail (AuditTrail, already in the shape the
// dashboard reads). `serve` mounts it with `app.route("/ui", createHubDashboard({ … }).app)`.
import type { AuditTrail } from "../audit/audit-trail.ts";
import type { HubKeys } from "../auth/hub-keys.ts";
import { parseScopes, SCOPES } from "../auth/scopes.ts";
import type { Hub } from "../hub/hub.ts";
import { createDashboard, type Dashboard, type DashboardOptions } from "./dashboard.ts";
import type { DashboardFiles, DashboardKeys, DashboardSandboxSessions } from "./sources.ts";

export interface HubDashboardParts {
  hub: Hub;
  keys: HubKeys;
  audit: AuditTrail;
  files?: DashboardFiles | undefined;
  sandboxSessions?: DashboardSandboxSessions | undefined;
  /** Tests make the live pages tick faster. */
  liveIntervalMs?: DashboardOptions["liveIntervalMs"];
}

export function createHubDashboard(parts: HubDashboardParts): Dashboard {
  const { hub } = parts;
  return createDashboard({
    config: hub.config,
    resilience: hub.resilience,
    traffic: hub.traffic,
    keys: dashboardKeys(parts.keys),
    audit: parts.audit,
    files: parts.files,
    sandboxSessions: parts.sandboxSessions,
    logger: hub.logger,
    liveIntervalMs: parts.liveIntervalMs,
  });
}

export function dashboardKeys(keys: HubKeys): DashboardKeys {
  return {
    scopes: SCOPES,
    authenticate: (presented) => keys.authenticate(presented),
    list: () => keys.list(),
    find: (id) => keys.find(id),
    create: (request, actor) =>
      keys.create(
        {
          name: request.name,
          scopes: parseScopes(request.scopes),
          providers: request.providers,
          ttlMs: request.ttlMs,
          rpm: request.rpm,
        },
        actor,
      ),
    async revoke(id, actor) {
      await keys.revoke(id, actor);
    },
  };
}
