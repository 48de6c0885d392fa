// The upload pipeline, per target provider: registry lookup (an active, unexpired copy is a dedup hit
// and sends nothing) → journal claim (one per content, provider and purpose across every process on
// the store; the others wait for its result) → upload under a name carrying the journal id → registry
// commit → audit. A file over a provider's limit is refused before a byte is sent.
import { AppError } from "../errors.ts";
import type { FileRecord } from "../providers/files.ts";
import type { FileCopy, JournalEntry } from "../store/repositories.ts";
import { callProvider, type FilesContext } from "./files-context.ts";
import { type InspectedFile, type LocalFile, sendableFile } from "./local-file.ts";
import { copyFromRecord, findMarked, LEASE_MS, ownerIsGone, recoverEntry } from "./recovery.ts";
import { newJournalId, remoteName } from "./remote-name.ts";

export interface UploadTarget {
  provider: string;
  /** "" on providers that take no purpose. */
  purpose: string;
  maxBytes: number;
}

export interface UploadResult {
  path: string;
  filename: string;
  sha256: string;
  bytes: number;
  provider: string;
  purpose: string;
  remoteId: string;
  uri: string | undefined;
  /** True when the registry already held an active copy: nothing was sent. */
  dedup: boolean;
}

/**
 * The targets of an upload, checked before anything is read or sent: each provider known, with a
 * Files API and a key, and the purpose one it takes.
 */
export function resolveTargets(
  context: FilesContext,
  providers: readonly string[],
  purpose?: string,
): UploadTarget[] {
  if (providers.length === 0) throw new AppError("usage", "name at least one provider: --to moonshot,google");
  const known = context.providers.ids();
  return [...new Set(providers)].map((provider) => {
    if (!known.includes(provider)) {
      throw new AppError(
        "usage",
        `unknown provider "${provider}"; known providers: ${known.join(", ")} (define new ones under \`providers:\` in config.yaml)`,
      );
    }
    const described = context.providers.describe(provider);
    if (!described.files.api) {
      throw new AppError(
        "usage",
        `${provider} has no Files API, so files cannot be uploaded to it; choose a provider that has one (anthropic, google, zai, moonshot)`,
      );
    }
    context.providers.files(provider);
    const purposes = described.files.purposes;
    if (purposes === undefined) return { provider, purpose: "", maxBytes: described.files.maxBytes };
    const chosen = purpose ?? Object.keys(purposes)[0] ?? "";
    const limits = purposes[chosen];
    if (limits === undefined) {
      throw new AppError(
        "usage",
        `${provider} takes no purpose "${chosen}"; use one of ${Object.keys(purposes).join(", ")}`,
      );
    }
    return { provider, purpose: chosen, maxBytes: limits.maxBytes };
  });
}

/** Refuses, before a byte is sent, a file larger than a target takes. */
export function checkLimits(file: InspectedFile, targets: readonly UploadTarget[]): void {
  for (const target of targets) {
    if (file.bytes > target.maxBytes) {
      const purpose = target.purpose === "" ? "" : ` for ${target.purpose}`;
      // Just over the limit, both sizes round to the same MB: exact bytes show the difference.
      const [size, limit] =
        megabytes(file.bytes) === megabytes(target.maxBytes)
          ? [`${file.bytes} bytes`, `${target.maxBytes} bytes`]
          : [megabytes(file.bytes), megabytes(target.maxBytes)];
      throw new AppError(
        "too_large",
        `${file.path} is ${size}, more than ${target.provider} takes${purpose} (${limit}); nothing was uploaded`,
      );
    }
  }
}

export interface UploadOptions {
  actor: string;
  /** Bytes sent so far of this file to this provider. */
  onProgress?: (sent: number) => void;
}

const WAIT_START_MS = 100;
const WAIT_MAX_MS = 1_000;

/** Puts one content on one provider, or finds it already there. */
export async function uploadToTarget(
  context: FilesContext,
  file: LocalFile,
  target: UploadTarget,
  options: UploadOptions,
): Promise<UploadResult> {
  const { registry, journal } = context;
  await registry.addContent({
    sha256: file.sha256,
    bytes: file.bytes,
    filename: file.filename,
    mimeType: file.mimeType,
    firstSeenAt: context.now(),
  });
  const dedup = async (copy: FileCopy): Promise<UploadResult> => {
    context.metrics.deduplicationHits.inc();
    await context.audit.record({
      actor: options.actor,
      action: "file.dedup",
      subject: file.sha256,
      outcome: "ok",
      details: { provider: target.provider, purpose: target.purpose, remoteId: copy.remoteId },
    });
    return result(file, target, copy, true);
  };
  let wait = WAIT_START_MS;
  for (;;) {
    const reused = await usableCopy(context, file.sha256, target);
    if (reused !== undefined) return dedup(reused);
    const claim = await journal.claim({
      id: newJournalId(),
      sha256: file.sha256,
      provider: target.provider,
      purpose: target.purpose,
      owner: context.owner,
      leaseUntil: context.now() + LEASE_MS,
      createdAt: context.now(),
    });
    if (claim.claimed) {
      // The upload that held the claim may have finished between the lookup and the claim: a holder
      // commits its copy before it lets the claim go, so a copy found now is one to reuse.
      const landed = await usableCopy(context, file.sha256, target);
      if (landed !== undefined) {
        await journal.advance(claim.entry.id, context.owner.id, "released", context.now());
        return dedup(landed);
      }
      return result(file, target, await uploadClaimed(context, file, claim.entry, options), false);
    }
    if (claim.holder !== undefined && ownerIsGone(context, claim.holder)) {
      try {
        await recoverEntry(context, claim.holder, options.actor);
        continue;
      } catch (error) {
        context.logger.warn(
          { journal: claim.holder.id },
          `could not resolve an interrupted upload: ${String(error)}`,
        );
      }
    }
    // Another upload of the same content is under way: its copy will serve this one too.
    await context.sleep(wait);
    wait = Math.min(wait * 2, WAIT_MAX_MS);
  }
}

/** The active copy, unless the provider deletes it soon (Gemini after 48 h): then it is marked expired. */
async function usableCopy(
  context: FilesContext,
  sha256: string,
  target: UploadTarget,
): Promise<FileCopy | undefined> {
  const copy = await context.registry.findActive(sha256, target.provider, target.purpose);
  if (copy === undefined) return undefined;
  if (copy.expiresAt !== undefined && copy.expiresAt - context.now() <= context.config.expiryMarginMs) {
    await context.registry.setStatus(copy.provider, copy.remoteId, "expired", context.now());
    return undefined;
  }
  return copy;
}

async function uploadClaimed(
  context: FilesContext,
  file: LocalFile,
  entry: JournalEntry,
  options: UploadOptions,
): Promise<FileCopy> {
  const { journal, metrics } = context;
  const provider = entry.provider;
  context.inFlight.add(entry.id);
  metrics.activeUploads.inc();
  const heartbeat = setInterval(() => {
    journal
      .renew(entry.id, context.owner.id, context.now() + LEASE_MS, context.now())
      .catch((error: unknown) => {
        context.logger.warn({ journal: entry.id }, `could not renew an upload claim: ${String(error)}`);
      });
  }, LEASE_MS / 3);
  heartbeat.unref();
  const started = performance.now();
  try {
    await context.hold?.("claimed");
    const body = sendableFile(file, {
      onProgress: options.onProgress,
      afterFirstChunk:
        context.hold === undefined ? undefined : () => context.hold?.("uploading") ?? Promise.resolve(),
    });
    let record: FileRecord;
    let sentByUs = true;
    try {
      record = await callProvider(context, provider, async (call) => {
        if (call.attempt > 1) {
          // The previous attempt's answer may be what was lost: a second upload would be a duplicate.
          const [stored] = await findMarked(context, provider, entry.id);
          if (stored !== undefined) {
            sentByUs = false;
            return stored;
          }
        }
        metrics.uploadAttempts.inc({ provider });
        return context.providers.files(provider).upload({
          filename: remoteName(entry.id, file.filename),
          mimeType: file.mimeType,
          data: {
            byteLength: body.byteLength,
            async *stream(start, end) {
              for await (const chunk of body.stream(start, end)) {
                call.progress();
                yield chunk;
              }
            },
          },
          ...(entry.purpose === "" ? {} : { purpose: entry.purpose }),
          signal: call.signal,
        });
      });
    } catch (error) {
      const [stored] = await findMarked(context, provider, entry.id).catch(() => []);
      if (stored === undefined || stored.bytes !== file.bytes) {
        await journal.advance(entry.id, context.owner.id, "released", context.now());
        metrics.uploadBytes.inc({ provider, status: "failure" }, file.bytes);
        await context.audit.record({
          actor: options.actor,
          action: "file.upload",
          subject: file.sha256,
          outcome: "failed",
          details: { provider, purpose: entry.purpose, journal: entry.id, error: describe(error) },
        });
        throw error;
      }
      record = stored;
      sentByUs = false;
    }
    if (sentByUs && !body.sentIntact()) {
      await context.providers.files(provider).delete(record.id);
      await journal.advance(entry.id, context.owner.id, "released", context.now());
      throw new AppError(
        "conflict",
        `${file.path} changed while it was being uploaded; upload it again once it is complete`,
      );
    }
    metrics.uploadBytes.inc({ provider, status: "success" }, file.bytes);
    metrics.uploadDuration.observe({ provider }, (performance.now() - started) / 1000);
    const copy = await context.registry.commit(copyFromRecord(entry, record, file.bytes, context.now()));
    await journal.advance(entry.id, context.owner.id, "committed", context.now(), copy.remoteId);
    await context.hold?.("committed");
    await context.audit.record({
      actor: options.actor,
      action: "file.upload",
      subject: file.sha256,
      outcome: "ok",
      details: {
        provider,
        purpose: entry.purpose,
        journal: entry.id,
        remoteId: copy.remoteId,
        bytes: file.bytes,
        filename: file.filename,
      },
    });
    await journal.advance(entry.id, context.owner.id, "done", context.now());
    return copy;
  } finally {
    clearInterval(heartbeat);
    metrics.activeUploads.dec();
    context.inFlight.delete(entry.id);
  }
}

function result(file: LocalFile, target: UploadTarget, copy: FileCopy, dedup: boolean): UploadResult {
  return {
    path: file.path,
    filename: file.filename,
    sha256: file.sha256,
    bytes: file.bytes,
    provider: target.provider,
    purpose: target.purpose,
    remoteId: copy.remoteId,
    uri: copy.uri,
    dedup,
  };
}

/** What the edges report per file and provider (`--json`, the HTTP answer): no purpose where none applies. */
export function uploadSummary(result: UploadResult) {
  const { filename, sha256, bytes, provider, purpose, remoteId, uri, dedup } = result;
  return { filename, sha256, bytes, provider, purpose: purpose || undefined, remoteId, uri, dedup };
}

/** 12 bytes, 3.4 KB, 56 MB: sizes as people read them. */
export function megabytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const kilobytes = bytes / 1024;
  const [value, unit] = kilobytes < 1024 ? [kilobytes, "KB"] : [kilobytes / 1024, "MB"];
  return `${value >= 10 ? Math.round(value) : Number(value.toFixed(1))} ${unit}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
