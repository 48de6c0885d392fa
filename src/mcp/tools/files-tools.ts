// `files_upload`, `files_list` and `file_ask`: the hub's file registry over MCP. Uploads go through
// the registry (SHA-256 dedup, one copy per content and provider); `file_ask` registers the file
// with the provider that will answer, then asks about it through the chat service.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { AppError } from "../../errors.ts";
import type { FileService, StoredContent } from "../../files/file-service.ts";
import { hashFile } from "../../files/local-file.ts";
import { uploadSummary } from "../../files/upload.ts";
import { progressOf } from "../progress.ts";
import { checkPromptSize, type ToolContext, workspaceFile } from "../tool-context.ts";
import { guarded, textResult } from "../tool-result.ts";
import { describeFallbacks, modelChoice } from "./chat-tool.ts";

/** Who the audit trail names for what these tools do. */
const ACTOR = "mcp";

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
        const results = await files.upload({
          paths: input.paths.map((name) => workspaceFile(context, name)),
          providers: input.providers,
          purpose: input.purpose,
          actor: ACTOR,
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
        const contents = await files.list();
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
        const choice = modelChoice(context, input.model, { id: "", turns: [] });
        const [first] = context.chat.route(choice).targets;
        // Registered with the provider that will answer, when it keeps files; the chat then attaches
        // the local file the way that provider takes files (the chat service takes no remote ids).
        const [registered] = first?.provider.files.api
          ? await files.upload({ paths: [path], providers: [first.provider.id], actor: ACTOR })
          : [];
        const progress = progressOf(request);
        const result = await context.chat.chat({
          ...choice,
          prompt: input.question,
          files: [{ path, label: `file ${input.file}` }],
          signal: request.mcpReq.signal,
          onEvent: (event, stream) => {
            if (event.type === "start")
              progress.report(`asking ${stream.target.provider}/${stream.target.model}`, true);
          },
        });
        const { response, target } = result;
        return textResult(response.text, {
          answer: response.text,
          provider: target.provider,
          model: target.model,
          sha256: registered?.sha256 ?? (await hashFile(path)).sha256,
          ...(registered ? { remote_id: registered.remoteId, dedup: registered.dedup } : {}),
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
