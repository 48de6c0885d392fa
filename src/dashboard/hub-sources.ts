// The hub's own parts as the dashboard's sources: its key store (HubKeys) with the scopes a key may
// be given. (The audit trail, AuditTrail, already has the shape the dashboard reads.)
import type { HubKeys } from "../auth/hub-keys.ts";
import { parseScopes, SCOPES } from "../auth/scopes.ts";
import type { DashboardKeys } from "./sources.ts";

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
