// `files_upload`, `files_list` and `file_ask`: the hub's file registry over MCP. Uploads go through
// the registry (SHA-256 dedup, one copy per content and provider); `file_ask` asks about a file
// through the chat service, which attaches the registry's copy on the provider that answers.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { allowsProvider, checkProvider } from "../../auth/provider-access.ts";
import { AppError } from "../../errors.ts";
import type { FileService, StoredContent } from "../../files/file-service.ts";
import { hashFile } from "../../files/local-file.ts";
import { uploadSummary } from "../../files/upload.ts";
import { progressOf } from "../progress.ts";
import { checkPromptSize, MCP_ACTOR, type ToolContext, workspaceFile } from "../tool-context.ts";
import { guarded, textResult } from "../tool-result.ts";
import { describeFallbacks, modelChoice } from "./chat-tool.ts";

export const filesUploadInput = z.object({
  paths: z.array(z.string().min(1)).min(1).max(20).describe("Workspace files."),
  providers: z.array(z.string().min(1)).min(1).max(8).describe("e.g. moonshot, zai, google."),
  purpose: z.string().min(1).optional(),
});

export const fileAskInput = z.object({
  file: z.string().min(1).describe("A workspace file, or the sha256 of one already uploaded."),
  question: z.string().min(1),
  model: z.string().min(1).optional(),
});

/** Registers the file tools when the hub has a store to keep the registry in. */
export function registerFilesTools(server: McpServer, context: ToolContext): void {
  const { files } = context;
  if (files === undefined) return;

  server.registerTool(
    "files_upload",
    {
      description:
        "Upload workspace files to providers once: identical content already there is reused (dedup). Returns per provider the sha256 and remote id.",
      inputSchema: filesUploadInput,
    },
    (input) =>
      guarded(context.logger, "files_upload", async () => {
        for (const provider of input.providers) checkProvider(context.access, provider);
        const results = await files.upload({
          paths: input.paths.map((name) => workspaceFile(context, name)),
          providers: input.providers,
          purpose: input.purpose,
          actor: MCP_ACTOR,
        });
        const lines = results.map(
          (result) =>
            `${result.sha256.slice(0, 12)} ${result.provider} ${result.remoteId} ${result.dedup ? "dedup hit (nothing sent)" : "uploaded"} ${result.filename}`,
        );
        return textResult(lines.join("\n"), { uploads: results.map(uploadSummary) });
      }),
  );

  server.registerTool(
    "files_list",
    { description: "List the uploaded files: each content's sha256 and the providers holding a copy." },
    () =>
      guarded(context.logger, "files_list", async () => {
        // A key limited to some providers sees only the copies on those.
        const contents = (await files.list()).map((content) => ({
          ...content,
          copies: content.copies.filter((copy) => allowsProvider(context.access, copy.provider)),
        }));
        const lines = contents.map(
          (content) =>
            `${content.sha256} ${content.filename} (${content.bytes} bytes): ${whereItLives(content)}`,
        );
        return textResult(lines.length > 0 ? lines.join("\n") : "no files uploaded yet", {
          files: contents.map((content) => ({
            sha256: content.sha256,
            filename: content.filename,
            bytes: content.bytes,
            copies: content.copies
              .filter((copy) => copy.status !== "deleted")
              .map(({ provider, remoteId, status }) => ({ provider, remote_id: remoteId, status })),
          })),
        });
      }),
  );

  server.registerTool(
    "file_ask",
    {
      description:
        "Ask a model about one file: it is uploaded once through the registry (reused when already there), then the question is answered with it.",
      inputSchema: fileAskInput,
    },
    (input, request) =>
      guarded(context.logger, "file_ask", async () => {
        checkPromptSize(context, input.question);
        const path = await localCopy(context, files, input.file);
        const progress = progressOf(request);
        const result = await context.chat.chat({
          ...modelChoice(context, input.model, { id: "", turns: [] }),
          prompt: input.question,
          files: [{ path, label: `file ${input.file}` }],
          actor: MCP_ACTOR,
          signal: request.mcpReq.signal,
          access: context.access,
          onEvent: (event, stream) => {
            if (event.type === "start")
              progress.report(`asking ${stream.target.provider}/${stream.target.model}`, true);
          },
        });
        const { response, target } = result;
        // remote_id and dedup only where the answering provider holds a copy (not when it took the file inline).
        const [attached] = result.attachments;
        return textResult(response.text, {
          answer: response.text,
          provider: target.provider,
          model: target.model,
          sha256: attached?.sha256,
          ...(attached?.remoteId === undefined
            ? {}
            : { remote_id: attached.remoteId, dedup: attached.dedup ?? false }),
          fallbacks: describeFallbacks(result.fallbacks),
        });
      }),
  );
}

function whereItLives(content: StoredContent): string {
  const where = content.copies
    .filter((copy) => copy.status !== "deleted")
    .map((copy) => (copy.status === "active" ? copy.provider : `${copy.provider} (${copy.status})`));
  return where.length > 0 ? where.join(", ") : "nowhere";
}

/**
 * The workspace file `file` names: a path, or a registered sha256 (or prefix) whose content is still
 * in the workspace under the name it was uploaded with. Providers do not hand uploaded files back,
 * so a content known only remotely cannot be attached.
 */
async function localCopy(context: ToolContext, files: FileService, file: string): Promise<string> {
  if (!/^[0-9a-fA-F]{6,64}$/.test(file) || existsSync(resolve(context.workspace, file)))
    return workspaceFile(context, file);
  const content = await files.show(file);
  const missing = new AppError(
    "usage",
    `file ${file}: ${content.filename} (sha256 ${content.sha256.slice(0, 12)}) is not in the workspace with that content; name the file by its workspace path`,
  );
  let path: string;
  try {
    path = workspaceFile(context, content.filename);
  } catch {
    throw missing;
  }
  if ((await hashFile(path)).sha256 !== content.sha256) throw missing;
  return path;
}
