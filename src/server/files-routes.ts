// `/v1/files`: the registry over HTTP, for clients that hold a key with the `files` scope. A sub-app
// the server mounts behind its auth middleware:
//   app.use("/v1/files", requireScope("files")); app.use("/v1/files/*", requireScope("files"));
//   app.route("/v1/files", filesRoutes({ service, actor, bodyLimitBytes }));
// Errors are thrown as AppError and turned into the caller's error shape by the server's onError.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type Context, Hono } from "hono";
import { AppError } from "../errors.ts";
import type { FileService } from "../files/file-service.ts";
import { megabytes, uploadSummary } from "../files/upload.ts";

export interface FilesRoutesOptions {
  service: FileService;
  /** Who the request acts for in the audit trail, e.g. `key:<prefix>`. */
  actor: (c: Context) => string;
  /** The largest request body accepted. */
  bodyLimitBytes: number;
}

/**
 * POST / — multipart: one or more `file` parts, `providers` (comma-separated, or repeated), and an
 * optional `purpose` and `pin`; answers `{ data: [{sha256, provider, remoteId, dedup, …}] }`.
 * GET / — every content and its copies. GET /:sha256 — one (a prefix of 6+ characters will do).
 * DELETE /:sha256[?provider=P] — deletes its remote copies.
 */
export function filesRoutes(options: FilesRoutesOptions): Hono {
  const { service } = options;
  const app = new Hono();

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
      const results = await service.upload({
        paths,
        providers,
        purpose: typeof purpose === "string" && purpose !== "" ? purpose : undefined,
        pin: form.get("pin") === "true",
        actor: options.actor(c),
      });
      return c.json({ data: results.map(uploadSummary) });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  app.get("/", async (c) => c.json({ data: await service.list() }));

  app.get("/:sha256", async (c) => c.json(await service.show(c.req.param("sha256"))));

  app.delete("/:sha256", async (c) => {
    const deleted = await service.remove(c.req.param("sha256"), {
      actor: options.actor(c),
      provider: c.req.query("provider"),
    });
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
