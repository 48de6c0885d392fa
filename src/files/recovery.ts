// Resolving unfinished uploads: an entry whose owner died (its process is gone, or its lease ran out)
// is taken over by exactly one process, which adopts the remote file the upload made (found by the
// journal id in its name) or, when there is none, releases the claim. Provider failures are retried
// after 1, 2, 4, 8 and 16 s.

import { errnoCode } from "../errno.ts";
import type { FileRecord } from "../providers/files.ts";
import type { FileCopy, JournalEntry } from "../store/repositories.ts";
import { callProvider, type FilesContext } from "./files-context.ts";
import { journalIdOf } from "./remote-name.ts";

/** A claim not renewed for this long belongs to a process that stopped. */
export const LEASE_MS = 30_000;
export const RECOVERY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 16_000];

export type Resolution =
  /** The remote file the upload made was found and registered. */
  | "adopted"
  /** Nothing had been stored: the claim was released. */
  | "released"
  /** The registry already held the copy; the audit row was completed. */
  | "completed"
  /** Another process resolved it first, or its owner still runs. */
  | "skipped";

export interface RecoveryOutcome {
  journalId: string;
  sha256: string;
  provider: string;
  resolution: Resolution | "failed";
  remoteId?: string | undefined;
  error?: string | undefined;
}

/** Whether the process that holds the entry is gone: dead on this machine, or silent past its lease. */
export function ownerIsGone(context: FilesContext, entry: JournalEntry): boolean {
  if (entry.owner.id === context.owner.id) return !context.inFlight.has(entry.id);
  if (entry.leaseUntil < context.now()) return true;
  return entry.owner.host === context.owner.host && !processRuns(entry.owner.pid);
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
}

/** The provider's files whose names carry this journal id, oldest first. */
export async function findMarked(
  context: FilesContext,
  provider: string,
  journalId: string,
): Promise<FileRecord[]> {
  const files = await callProvider(context, provider, (call) =>
    context.providers.files(provider).list({ signal: call.signal }),
  );
  return files
    .filter((file) => journalIdOf(file.filename) === journalId)
    .sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
}

/** Takes over one unfinished entry whose owner is gone and resolves it. */
export async function recoverEntry(
  context: FilesContext,
  entry: JournalEntry,
  actor: string,
): Promise<Resolution> {
  if (context.inFlight.has(entry.id)) return "skipped";
  context.inFlight.add(entry.id);
  try {
    return await resolveEntry(context, entry, actor);
  } finally {
    context.inFlight.delete(entry.id);
  }
}

async function resolveEntry(context: FilesContext, entry: JournalEntry, actor: string): Promise<Resolution> {
  const { journal, registry } = context;
  const taken = await journal.takeOver(
    entry.id,
    entry.owner.id,
    context.owner,
    context.now() + LEASE_MS,
    context.now(),
  );
  if (taken === undefined) return "skipped";
  const registered = await registry.findByJournal(taken.id);
  if (taken.state === "committed" || registered !== undefined) {
    await journal.advance(taken.id, context.owner.id, "committed", context.now(), registered?.remoteId);
    await recordRecovery(context, actor, taken, "completed", registered?.remoteId);
    await journal.advance(taken.id, context.owner.id, "done", context.now());
    return "completed";
  }
  const content = await registry.getContent(taken.sha256);
  const marked = await findMarked(context, taken.provider, taken.id);
  const whole = marked.filter((file) => file.bytes === undefined || file.bytes === content?.bytes);
  const [keep] = whole;
  for (const extra of marked) {
    if (extra === keep) continue;
    // Ours (the name says so) and not the one kept: a duplicate or a partial copy.
    await callProvider(context, taken.provider, (call) =>
      context.providers.files(taken.provider).delete(extra.id, { signal: call.signal }),
    );
    context.metrics.deletions.inc({ provider: taken.provider, reason: "duplicate" });
  }
  if (keep === undefined || content === undefined) {
    await journal.advance(taken.id, context.owner.id, "released", context.now());
    await recordRecovery(context, actor, taken, "released", undefined);
    return "released";
  }
  const copy = await registry.commit(copyFromRecord(taken, keep, content.bytes, context.now()));
  await journal.advance(taken.id, context.owner.id, "committed", context.now(), copy.remoteId);
  await recordRecovery(context, actor, taken, "adopted", copy.remoteId);
  await journal.advance(taken.id, context.owner.id, "done", context.now());
  return "adopted";
}

export function copyFromRecord(
  entry: JournalEntry,
  record: FileRecord,
  bytes: number,
  now: number,
): FileCopy {
  return {
    sha256: entry.sha256,
    provider: entry.provider,
    purpose: entry.purpose,
    remoteId: record.id,
    remoteName: record.filename ?? "",
    bytes: record.bytes ?? bytes,
    uri: record.uri,
    uploadedAt: record.createdAt?.getTime() ?? now,
    expiresAt: record.expiresAt?.getTime(),
    status: "active",
    checkedAt: now,
    journalId: entry.id,
  };
}

async function recordRecovery(
  context: FilesContext,
  actor: string,
  entry: JournalEntry,
  resolution: Resolution,
  remoteId: string | undefined,
): Promise<void> {
  await context.audit.record({
    actor,
    action: "file.recover",
    subject: entry.sha256,
    outcome: "ok",
    details: {
      provider: entry.provider,
      purpose: entry.purpose,
      journal: entry.id,
      resolution,
      ...(remoteId === undefined ? {} : { remoteId }),
    },
  });
}

export interface RecoverOptions {
  actor: string;
  /** Retry failures after 1, 2, 4, 8, 16 s (`files recover`, hub start); else one attempt each. */
  retry: boolean;
}

/** Resolves every unfinished entry whose owner is gone. */
export async function recoverAll(context: FilesContext, options: RecoverOptions): Promise<RecoveryOutcome[]> {
  const outcomes: RecoveryOutcome[] = [];
  for (const entry of await context.journal.unfinished()) {
    if (!ownerIsGone(context, entry)) continue;
    const base = { journalId: entry.id, sha256: entry.sha256, provider: entry.provider };
    const delays = options.retry ? RECOVERY_DELAYS_MS : [];
    for (let attempt = 0; ; attempt += 1) {
      try {
        // The entry may have changed hands during a backoff: resolve what the journal holds now.
        const current = attempt === 0 ? entry : await context.journal.get(entry.id);
        const resolution =
          current === undefined || !ownerIsGone(context, current)
            ? "skipped"
            : await recoverEntry(context, current, options.actor);
        const copy = await context.registry.findByJournal(entry.id);
        outcomes.push({ ...base, resolution, remoteId: copy?.remoteId });
        break;
      } catch (error) {
        const delay = delays[attempt];
        const message = error instanceof Error ? error.message : String(error);
        if (delay === undefined) {
          outcomes.push({ ...base, resolution: "failed", error: message });
          break;
        }
        context.logger.warn(
          { journal: entry.id, provider: entry.provider, delay },
          `recovery failed, retrying: ${message}`,
        );
        await context.sleep(delay);
      }
    }
  }
  return outcomes;
}
