// Health checks and lifecycle sync. Both read each provider's own listing (every page of it): verify
// marks registry copies that are gone or have the wrong size; sync also deletes copies past the
// retention period (unless pinned), adopts remote files carrying our marker that the registry lacks,
// and reports the other remote files as orphans without ever deleting them.
import type { FileRecord } from "../providers/files.ts";
import type { FileCopy, FileCopyStatus } from "../store/repositories.ts";
import { callProvider, type FilesContext } from "./files-context.ts";
import { copyFromRecord } from "./recovery.ts";
import { journalIdOf } from "./remote-name.ts";

export interface CopyCheck {
  sha256: string;
  provider: string;
  remoteId: string;
  /** What the copy was found to be now. */
  status: FileCopyStatus;
  /** Set when the status changed in this check. */
  was?: FileCopyStatus | undefined;
}

export interface ProviderCheck {
  provider: string;
  copies: CopyCheck[];
  /** The listing failed: nothing of this provider was changed. */
  error?: string | undefined;
}

/** Active copies of the given providers (all with any active copy when none is given), by provider. */
async function activeByProvider(
  context: FilesContext,
  provider: string | undefined,
): Promise<Map<string, FileCopy[]>> {
  const byProvider = new Map<string, FileCopy[]>();
  if (provider !== undefined) byProvider.set(provider, []);
  for (const copy of await context.registry.copies({ status: "active", provider })) {
    byProvider.set(copy.provider, [...(byProvider.get(copy.provider) ?? []), copy]);
  }
  return byProvider;
}

async function listRemote(context: FilesContext, provider: string): Promise<FileRecord[]> {
  return callProvider(context, provider, (call) =>
    context.providers.files(provider).list({ signal: call.signal }),
  );
}

/** The status a copy has given the provider's listing (a map by remote id). */
function judge(
  context: FilesContext,
  copy: FileCopy,
  remote: ReadonlyMap<string, FileRecord>,
): FileCopyStatus {
  const found = remote.get(copy.remoteId);
  if (found === undefined) {
    return copy.expiresAt !== undefined && copy.expiresAt <= context.now() ? "expired" : "missing";
  }
  if (found.bytes !== undefined && found.bytes !== copy.bytes) return "mismatched";
  return "active";
}

export async function verifyCopies(
  context: FilesContext,
  options: { actor: string; provider?: string },
): Promise<ProviderCheck[]> {
  const checks: ProviderCheck[] = [];
  for (const [provider, copies] of await activeByProvider(context, options.provider)) {
    checks.push(await verifyProvider(context, provider, copies, options.actor, "file.verify"));
  }
  return checks;
}

async function verifyProvider(
  context: FilesContext,
  provider: string,
  copies: readonly FileCopy[],
  actor: string,
  action: "file.verify" | "file.sync",
): Promise<ProviderCheck & { remote?: FileRecord[] }> {
  let remote: FileRecord[];
  try {
    remote = await listRemote(context, provider);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await context.audit.record({
      actor,
      action,
      subject: provider,
      outcome: "failed",
      details: { error: message },
    });
    return { provider, copies: [], error: message };
  }
  const byId = new Map(remote.map((file) => [file.id, file]));
  const checked: CopyCheck[] = [];
  for (const copy of copies) {
    const status = judge(context, copy, byId);
    await context.registry.setStatus(provider, copy.remoteId, status, context.now());
    checked.push({
      sha256: copy.sha256,
      provider,
      remoteId: copy.remoteId,
      status,
      ...(status === copy.status ? {} : { was: copy.status }),
    });
  }
  const changed = checked.filter((check) => check.was !== undefined);
  await context.audit.record({
    actor,
    action,
    subject: provider,
    outcome: "ok",
    details: {
      checked: checked.length,
      missing: changed.filter((check) => check.status === "missing").map((check) => check.remoteId),
      mismatched: changed.filter((check) => check.status === "mismatched").map((check) => check.remoteId),
      expired: changed.filter((check) => check.status === "expired").map((check) => check.remoteId),
    },
  });
  return { provider, copies: checked, remote };
}

export interface Orphan {
  provider: string;
  remoteId: string;
  filename: string | undefined;
  bytes: number | undefined;
  /** Carries our marker but no journal entry explains it (e.g. the registry was reset). */
  ours: boolean;
}

export interface SyncReport {
  providers: ProviderCheck[];
  /** Past retention and not pinned: deleted remotely. */
  deleted: CopyCheck[];
  /** Remote files carrying our marker, now registered. */
  adopted: CopyCheck[];
  orphans: Orphan[];
}

export async function syncProviders(
  context: FilesContext,
  options: { actor: string; provider?: string },
): Promise<SyncReport> {
  const report: SyncReport = { providers: [], deleted: [], adopted: [], orphans: [] };
  const providers = await activeByProvider(context, options.provider);
  // Providers the registry has no active copy on can still hold our files (adopt) or orphans.
  if (options.provider === undefined) {
    for (const copy of await context.registry.copies())
      if (!providers.has(copy.provider)) providers.set(copy.provider, []);
  }
  const retentionMs = context.config.retentionDays * 24 * 60 * 60 * 1000;
  for (const [provider, copies] of providers) {
    const check = await verifyProvider(context, provider, copies, options.actor, "file.sync");
    report.providers.push({ provider, copies: check.copies, ...(check.error ? { error: check.error } : {}) });
    if (check.remote === undefined) continue;
    for (const copy of copies) {
      if (context.now() - copy.uploadedAt < retentionMs) continue;
      if ((await context.registry.getContent(copy.sha256))?.pinned) continue;
      if (check.copies.find((checked) => checked.remoteId === copy.remoteId)?.status !== "active") continue;
      await callProvider(context, provider, (call) =>
        context.providers.files(provider).delete(copy.remoteId, { signal: call.signal }),
      );
      await context.registry.setStatus(provider, copy.remoteId, "deleted", context.now());
      context.metrics.deletions.inc({ provider, reason: "retention" });
      report.deleted.push({
        sha256: copy.sha256,
        provider,
        remoteId: copy.remoteId,
        status: "deleted",
        was: "active",
      });
      await context.audit.record({
        actor: options.actor,
        action: "file.delete",
        subject: copy.sha256,
        outcome: "ok",
        details: { provider, remoteId: copy.remoteId, reason: "retention" },
      });
    }
    for (const file of check.remote) {
      if ((await context.registry.findByRemote(provider, file.id)) !== undefined) continue;
      const journalId = journalIdOf(file.filename);
      const entry = journalId === undefined ? undefined : await context.journal.get(journalId);
      const content = entry === undefined ? undefined : await context.registry.getContent(entry.sha256);
      const settled = entry?.state === "done" || entry?.state === "released";
      // An upload under way: its copy is about to be committed by its own process.
      if (entry !== undefined && !settled) continue;
      if (entry !== undefined && content !== undefined && settled && entry.provider === provider) {
        const active = await context.registry.findActive(entry.sha256, provider, entry.purpose);
        if (active === undefined && (file.bytes === undefined || file.bytes === content.bytes)) {
          await context.registry.commit({
            ...copyFromRecord(entry, file, content.bytes, context.now()),
            journalId: undefined,
          });
          report.adopted.push({ sha256: entry.sha256, provider, remoteId: file.id, status: "active" });
          await context.audit.record({
            actor: options.actor,
            action: "file.adopt",
            subject: entry.sha256,
            outcome: "ok",
            details: { provider, remoteId: file.id, journal: entry.id },
          });
          continue;
        }
      }
      report.orphans.push({
        provider,
        remoteId: file.id,
        filename: file.filename,
        bytes: file.bytes,
        ours: journalId !== undefined,
      });
    }
  }
  return report;
}
