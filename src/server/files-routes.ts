// `/v1/files`: the registry over HTTP, for clients that hold a key with the `files` scope. A sub-app
// the server mounts behind its auth middleware:
//   app.use("/v1/files", requireScope("files")); app.use("/v1/files/*", requireScope("files"));
//   app.route("/v1/files", filesRoutes({ service, actor, bodyLimitBytes }));
// Errors are thrown as AppError and turned into the caller's error shape by the server's onError.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type Context, Hono } from "hono";
import { allowsProvider, checkProvider, type ProviderAccess } from "../auth/provider-access.ts";
import { AppError } from "../errors.ts";
import type { FileService, StoredContent } from "../files/file-service.ts";
import { megabytes, uploadSummary } from "../files/upload.ts";
import type { FileCopy } from "../store/repositories.ts";

export interface FilesRoutesOptions {
  service: FileService;
  /** Who the request acts for in the audit trail, e.g. `key:<prefix>`. */
  actor: (c: Context) => string;
  /** The largest request body accepted. */
  bodyLimitBytes: number;
  /**
   * The caller's hub key, whose provider allow-list bounds what the request reaches: uploads and
   * deletions only on its providers, lists showing only the copies there. Absent: every provider.
   */
  access?: (c: Context) => ProviderAccess;
}

/**
 * POST / — multipart: one or more `file` parts, `providers` (comma-separated, or repeated), and an
 * optional `purpose` and `pin`; answers `{ data: [{sha256, provider, remoteId, dedup, …}] }`.
 * GET / — every content and its copies. GET /:sha256 — one (a prefix of 6+ characters will do).
 * DELETE /:sha256[?provider=P] — deletes its remote copies.
 * A key limited to some providers (`access`) names only those, and sees and deletes only their copies.
 */
export function filesRoutes(options: FilesRoutesOptions): Hono {
  const { service } = options;
  const app = new Hono();
  const accessOf = (c: Context): ProviderAccess | undefined => options.access?.(c);
  const visible = (c: Context, content: StoredContent): StoredContent => {
    const access = accessOf(c);
    return { ...content, copies: content.copies.filter((copy) => allowsProvider(access, copy.provider)) };
  };

  app.post("/", async (c) => {
    checkSize(Number(c.req.header("content-length") ?? "0"), options.bodyLimitBytes);
    if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("multipart/form-data")) {
      throw new AppError(
        "usage",
        "send multipart/form-data with `file` parts and `providers` (e.g. moonshot,google)",
      );
    }
    let form: FormData;
    try {
      form = await c.req.raw.formData();
    } catch {
      throw new AppError(
        "usage",
        "the multipart body could not be read; send `file` parts and a `providers` field",
      );
    }
    const files = form.getAll("file").filter((part) => part instanceof File);
    if (files.length === 0)
      throw new AppError("usage", "no `file` part in the form; attach at least one file");
    // A body sent without content-length (chunked) is measured once read.
    checkSize(
      files.reduce((sum, file) => sum + file.size, 0),
      options.bodyLimitBytes,
    );
    const providers = form
      .getAll("providers")
      .flatMap((value) => (typeof value === "string" ? value.split(",") : []))
      .map((provider) => provider.trim())
      .filter(Boolean);
    // The form's own field, not the CLI's --to, which FileService's own message would name.
    if (providers.length === 0) {
      throw new AppError(
        "usage",
        "no `providers` field in the form; name at least one provider, e.g. providers=moonshot,google",
      );
    }
    for (const provider of providers) checkProvider(accessOf(c), provider);
    const purpose = form.get("purpose");
    const directory = await mkdtemp(join(tmpdir(), "aio-upload-"));
    try {
      const paths: string[] = [];
      for (const [index, file] of files.entries()) {
        // Each file in its own folder, under its own name: the name is what the provider is sent.
        const folder = join(directory, String(index));
        await mkdir(folder, { mode: 0o700 });
        const path = join(folder, safeName(file.name));
        await writeFile(path, file.stream());
        paths.push(path);
      }
      try {
        const results = await service.upload({
          paths,
          providers,
          purpose: typeof purpose === "string" && purpose !== "" ? purpose : undefined,
          pin: form.get("pin") === "true",
          actor: options.actor(c),
        });
        return c.json({ data: results.map(uploadSummary) });
      } catch (error) {
        throw withClientNames(error, paths);
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  app.get("/", async (c) => c.json({ data: (await service.list()).map((content) => visible(c, content)) }));

  app.get("/:sha256", async (c) => c.json(visible(c, await service.show(c.req.param("sha256")))));

  app.delete("/:sha256", async (c) => {
    const access = accessOf(c);
    const provider = c.req.query("provider");
    const actor = options.actor(c);
    if (provider !== undefined) checkProvider(access, provider);
    if (provider !== undefined || access?.providers === undefined) {
      return c.json({ deleted: await service.remove(c.req.param("sha256"), { actor, provider }) });
    }
    // Every copy this key may reach, one provider at a time; the others' copies stay.
    const content = visible(c, await service.show(c.req.param("sha256")));
    const reachable = new Set(
      content.copies.filter((copy) => copy.status !== "deleted").map((copy) => copy.provider),
    );
    if (reachable.size === 0) {
      throw new AppError(
        "not_found",
        `${content.sha256.slice(0, 12)} has no copy on ${access.providers.join(", ")} (the providers this key may use) to delete`,
      );
    }
    const deleted: FileCopy[] = [];
    for (const each of reachable)
      deleted.push(...(await service.remove(content.sha256, { actor, provider: each })));
    return c.json({ deleted });
  });

  return app;
}

function checkSize(bytes: number, limit: number): void {
  if (bytes > limit) {
    throw new AppError(
      "too_large",
      `the upload is ${megabytes(bytes)}; this hub takes up to ${megabytes(limit)} per request (server.bodyLimitBytes), or use \`ai-orchestrator files upload\` on the hub's machine`,
    );
  }
}

/** The client's file name without any directory part or control characters. */
function safeName(name: string): string {
  const printable = [...name].filter((character) => {
    const code = character.charCodeAt(0);
    return code >= 0x20 && code !== 0x7f;
  });
  const cleaned = basename(printable.join("").replaceAll("\\", "/")).trim();
  return cleaned === "" || cleaned === "." || cleaned === ".." ? "upload.bin" : cleaned;
}

/**
 * The service names a refused file by its path, here the hub's temporary copy: the client knows it
 * by the name it sent (and the hub's folders are none of its business).
 */
function withClientNames(error: unknown, paths: readonly string[]): unknown {
  if (!(error instanceof AppError)) return error;
  const message = paths.reduce((text, path) => text.replaceAll(path, basename(path)), error.message);
  if (message === error.message) return error;
  return new AppError(error.kind, message, {
    cause: error,
    exitCode: error.exitCode,
    retryAfterMs: error.retryAfterMs,
    provider: error.provider,
  });
}
