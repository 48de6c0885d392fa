// The dashboard of one hub: its config, breakers, traffic record and logger, its key store (HubKeys,
// with the scopes a key may be given), its audit trail (AuditTrail, already in the shape the
// dashboard reads) and its file registry (FileService). `serve` mounts it:
// `app.route("/ui", createHubDashboard({ hub }).app)`.
import { AuditTrail } from "../audit/audit-trail.ts";
import type { HubKeys } from "../auth/hub-keys.ts";
import { parseScopes, SCOPES } from "../auth/scopes.ts";
import type { FileService } from "../files/file-service.ts";
import type { ProviderCheck, SyncReport } from "../files/health.ts";
import type { Hub } from "../hub/hub.ts";
import type { SessionActivityJson } from "../server/session-activity.ts";
import { createDashboard, type Dashboard, type DashboardOptions } from "./dashboard.ts";
import type { DashboardFiles, DashboardKeys, DashboardSandboxSessions, FileView } from "./sources.ts";

export interface HubDashboardParts {
  /** A hub with its store and keys (openHub); its file registry (hub.files) fills the Files page. */
  hub: Hub;
  sandboxSessions?: DashboardSandboxSessions | undefined;
  /** Tests make the live pages tick faster. */
  liveIntervalMs?: DashboardOptions["liveIntervalMs"];
}

export function createHubDashboard(parts: HubDashboardParts): Dashboard {
  const { hub } = parts;
  if (hub.keys === undefined || hub.store === undefined) {
    throw new Error("the dashboard needs a hub with a store and its keys: build it with openHub()");
  }
  return createDashboard({
    config: hub.config,
    resilience: hub.resilience,
    traffic: hub.traffic,
    keys: dashboardKeys(hub.keys),
    audit: new AuditTrail({ log: hub.store.audit }),
    files: hub.files === undefined ? undefined : dashboardFiles(hub.files),
    sandboxSessions: parts.sandboxSessions,
    logger: hub.logger,
    liveIntervalMs: parts.liveIntervalMs,
  });
}

/** What the server records of each live session, as the dashboard shows it. */
export function dashboardSandboxSessions(
  live: () => Promise<readonly SessionActivityJson[]>,
): DashboardSandboxSessions {
  return {
    list: async () =>
      (await live()).map((session) => ({
        key: session.prefix,
        mode: session.mode ?? "?",
        runtime: session.runtime ?? "?",
        requests: session.requests,
        tokensIn: session.tokensIn,
        tokensOut: session.tokensOut,
        fallbacks: session.fallbacks,
        lastProvider: session.lastProvider ?? undefined,
        lastRequestAt: session.lastRequestAt === null ? undefined : Date.parse(session.lastRequestAt),
      })),
  };
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

export function dashboardFiles(files: FileService): DashboardFiles {
  return {
    async list() {
      return (await files.list()).map(
        (content): FileView => ({
          sha256: content.sha256,
          name: content.filename,
          bytes: content.bytes,
          mimeType: content.mimeType,
          copies: content.copies
            .filter((copy) => copy.status !== "deleted")
            .map((copy) => ({ provider: copy.provider, state: copy.status, expiresAt: copy.expiresAt })),
        }),
      );
    },
    verify: async (actor) => `Verified: ${checkSummary(await files.verify({ actor }))}.`,
    async sync(actor) {
      const report: SyncReport = await files.sync({ actor });
      const foreign = report.orphans.filter((orphan) => !orphan.ours).length;
      return `Synced: ${checkSummary(report.providers)}; ${report.deleted.length} deleted for age, ${report.adopted.length} adopted, ${report.orphans.length - foreign} of ours unexplained, ${foreign} not the hub's (left alone).`;
    },
  };
}

/** `4 copies on 2 providers: 3 active, 1 missing; moonshot could not be listed (…)`. */
function checkSummary(checks: readonly ProviderCheck[]): string {
  const copies = checks.flatMap((check) => check.copies);
  const byStatus = new Map<string, number>();
  for (const copy of copies) byStatus.set(copy.status, (byStatus.get(copy.status) ?? 0) + 1);
  const counts = [...byStatus].map(([status, count]) => `${count} ${status}`).join(", ");
  const failed = checks
    .filter((check) => check.error !== undefined)
    .map((check) => `${check.provider} could not be listed (${check.error})`);
  const providers = checks.length === 1 ? "1 provider" : `${checks.length} providers`;
  return [`${copies.length} copies on ${providers}${counts ? `: ${counts}` : ""}`, ...failed].join("; ");
}
