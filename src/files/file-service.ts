// The file operations every edge calls (the `files` commands, POST /v1/files, the MCP file tools, a
// chat's attachments): upload through the registry, list, show, verify, sync, delete, recover.
// Built once per hub.
import { AppError } from "../errors.ts";
import type { FileContentRecord, FileCopy } from "../store/repositories.ts";
import { callProvider, type FilesContext } from "./files-context.ts";
import { type ProviderCheck, type SyncReport, syncProviders, verifyCopies } from "./health.ts";
import { hashLocalFile, inspectLocalFile, type LocalFile } from "./local-file.ts";
import { type RecoveryOutcome, recoverAll } from "./recovery.ts";
import { checkLimits, resolveTargets, type UploadResult, uploadToTarget } from "./upload.ts";

export interface StoredContent extends FileContentRecord {
  /** Every copy the registry knows of, whatever its status. */
  copies: FileCopy[];
}

export interface UploadRequest {
  paths: readonly string[];
  providers: readonly string[];
  purpose?: string | undefined;
  actor: string;
  /** Pins the contents: sync never deletes their copies for age. */
  pin?: boolean;
  /** Per file: hashing, then sending to each provider. */
  onProgress?: (event: {
    path: string;
    phase: "hashing" | "uploading";
    provider?: string;
    done: number;
    total: number;
  }) => void;
}

/** Uploads that run at once in one process. */
const UPLOAD_CONCURRENCY = 4;

export class FileService {
  readonly #context: FilesContext;

  constructor(context: FilesContext) {
    this.#context = context;
  }

  get context(): FilesContext {
    return this.#context;
  }

  /**
   * Every file to every provider. Everything that can be refused (unknown provider, no Files API, bad
   * purpose, a path that is not a readable non-empty file, a file over a limit) is refused before
   * anything is uploaded.
   */
  async upload(request: UploadRequest): Promise<UploadResult[]> {
    const context = this.#context;
    const targets = resolveTargets(context, request.providers, request.purpose);
    if (request.paths.length === 0) throw new AppError("usage", "name at least one file to upload");
    const inspected = [];
    for (const path of request.paths) inspected.push(await inspectLocalFile(path));
    for (const file of inspected) checkLimits(file, targets);
    const files = [];
    for (const file of inspected) {
      files.push(
        await hashLocalFile(file, (done) =>
          request.onProgress?.({ path: file.path, phase: "hashing", done, total: file.bytes }),
        ),
      );
    }
    if (request.pin) {
      for (const file of files) {
        await context.registry.addContent({ ...file, firstSeenAt: context.now() });
        await context.registry.setPinned(file.sha256, true);
      }
    }
    const jobs = files.flatMap((file) => targets.map((target) => ({ file, target })));
    const results: UploadResult[] = new Array(jobs.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < jobs.length; index = next++) {
        const job = jobs[index];
        if (job === undefined) return;
        results[index] = await uploadToTarget(context, job.file, job.target, {
          actor: request.actor,
          onProgress: (done) =>
            request.onProgress?.({
              path: job.file.path,
              phase: "uploading",
              provider: job.target.provider,
              done,
              total: job.file.bytes,
            }),
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, jobs.length) }, worker));
    return results;
  }

  /**
   * Runs `use` on the registry's copy of a hashed local file on `provider` (for its default purpose),
   * uploaded through the pipeline when there is none: what a chat attaches. A reused copy that `use`
   * finds gone (the provider answers not_found) is marked missing, recorded, and the file uploaded
   * again, once.
   */
  async withCopy<T>(
    file: LocalFile,
    provider: string,
    actor: string,
    use: (copy: UploadResult) => Promise<T>,
  ): Promise<T> {
    const context = this.#context;
    const targets = resolveTargets(context, [provider]);
    checkLimits(file, targets);
    const [target] = targets;
    if (target === undefined) throw new Error("resolveTargets returns one target per provider");
    for (let attempt = 1; ; attempt += 1) {
      const copy = await uploadToTarget(context, file, target, { actor });
      try {
        return await use(copy);
      } catch (error) {
        if (!copy.dedup || attempt > 1 || !isNotFound(error)) throw error;
        await context.registry.setStatus(provider, copy.remoteId, "missing", context.now());
        await context.audit.record({
          actor,
          action: "file.verify",
          subject: file.sha256,
          outcome: "ok",
          details: {
            provider,
            remoteId: copy.remoteId,
            status: "missing",
            found: "gone when a chat needed it",
          },
        });
      }
    }
  }

  async list(): Promise<StoredContent[]> {
    const contents = await this.#context.registry.listContents();
    const copies = await this.#context.registry.copies();
    return contents.map((content) => ({
      ...content,
      copies: copies.filter((copy) => copy.sha256 === content.sha256),
    }));
  }

  /** The one content a sha256 or a prefix of at least 6 hex characters names. */
  async show(reference: string): Promise<StoredContent> {
    const content = await this.#resolve(reference);
    return { ...content, copies: await this.#context.registry.copies({ sha256: content.sha256 }) };
  }

  verify(options: { actor: string; provider?: string | undefined }): Promise<ProviderCheck[]> {
    return verifyCopies(this.#context, withProvider(this.#context, options));
  }

  sync(options: { actor: string; provider?: string | undefined }): Promise<SyncReport> {
    return syncProviders(this.#context, withProvider(this.#context, options));
  }

  recover(options: { actor: string; retry: boolean }): Promise<RecoveryOutcome[]> {
    return recoverAll(this.#context, options);
  }

  /** Deletes the content's remote copies (on one provider, or all) and records it. */
  async remove(
    reference: string,
    options: { actor: string; provider?: string | undefined },
  ): Promise<FileCopy[]> {
    const context = this.#context;
    const content = await this.#resolve(reference);
    const copies = (
      await context.registry.copies({ sha256: content.sha256, provider: options.provider })
    ).filter((copy) => copy.status !== "deleted");
    if (copies.length === 0) {
      throw new AppError(
        "not_found",
        `${content.sha256.slice(0, 12)} has no copy${options.provider ? ` on ${options.provider}` : ""} to delete; see \`files show ${content.sha256.slice(0, 12)}\``,
      );
    }
    const deleted: FileCopy[] = [];
    for (const copy of copies) {
      if (copy.status === "active" || copy.status === "mismatched") {
        try {
          await callProvider(context, copy.provider, (call) =>
            context.providers.files(copy.provider).delete(copy.remoteId, { signal: call.signal }),
          );
        } catch (error) {
          // Already gone remotely is what was asked for; anything else stops here, recorded.
          if (!isNotFound(error)) {
            await context.audit.record({
              actor: options.actor,
              action: "file.delete",
              subject: copy.sha256,
              outcome: "failed",
              details: {
                provider: copy.provider,
                remoteId: copy.remoteId,
                error: error instanceof Error ? error.message : String(error),
              },
            });
            throw error;
          }
        }
        context.metrics.deletions.inc({ provider: copy.provider, reason: "user" });
      }
      const updated = await context.registry.setStatus(
        copy.provider,
        copy.remoteId,
        "deleted",
        context.now(),
      );
      await context.audit.record({
        actor: options.actor,
        action: "file.delete",
        subject: copy.sha256,
        outcome: "ok",
        details: { provider: copy.provider, remoteId: copy.remoteId, reason: "user" },
      });
      if (updated) deleted.push(updated);
    }
    return deleted;
  }

  async #resolve(reference: string): Promise<FileContentRecord> {
    const prefix = reference.toLowerCase();
    if (!/^[0-9a-f]{6,64}$/.test(prefix)) {
      throw new AppError(
        "usage",
        `"${reference}" is not a sha256 or a prefix of one (6 to 64 hex characters); see \`files list\``,
      );
    }
    const found = await this.#context.registry.findContents(prefix);
    if (found.length === 1 && found[0] !== undefined) return found[0];
    if (found.length === 0)
      throw new AppError("not_found", `no file ${reference} in the registry; see \`files list\``);
    throw new AppError("usage", `${reference} matches ${found.length} files; give more of the sha256`);
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && "kind" in error && error.kind === "not_found";
}

/** Refuses, before anything is asked or recorded, a provider named that has no files to check. */
function withProvider(
  context: FilesContext,
  options: { actor: string; provider?: string | undefined },
): {
  actor: string;
  provider?: string;
} {
  if (options.provider === undefined) return { actor: options.actor };
  resolveTargets(context, [options.provider]);
  return { actor: options.actor, provider: options.provider };
}
