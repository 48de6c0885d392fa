// What every tool is handed: the hub's long-lived parts, built once per process, and the bounds of
// config.yaml's `mcp:` section. Tools are thin: the chat service routes and falls back, the store
// keeps threads, the launcher runs assistants.
import { realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { ProviderAccess } from "../auth/provider-access.ts";
import type { Paths } from "../config/paths.ts";
import type { Config, RuntimeChoice } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import type { FileService } from "../files/file-service.ts";
import type { ChatService } from "../gateway/chat-service.ts";
import type { ProviderClients } from "../hub/provider-clients.ts";
import type { Logger } from "../observability/logger.ts";
import type { Resilience } from "../resilience/resilience.ts";
import type { Conversations } from "./conversations.ts";
import type { ModelCatalog } from "./model-catalog.ts";

/** Who the audit trail names for what the tools do (uploads, dedup hits). */
export const MCP_ACTOR = "mcp";

export interface ToolContext {
  config: Config;
  paths: Paths;
  logger: Logger;
  resilience: Resilience;
  providers: ProviderClients;
  chat: ChatService;
  /** The file registry; undefined without a store, and then the file tools are not offered. */
  files: FileService | undefined;
  conversations: Conversations;
  catalog: ModelCatalog;
  /** The directory the server was started in: where clink runs and what `files` may name. */
  workspace: string;
  /** `--runtime` given to the server; each mode's own runtime otherwise. */
  runtime: RuntimeChoice | undefined;
  /** The server's environment, from which a launch takes only its mode's credential. */
  hostEnv: NodeJS.ProcessEnv;
  /**
   * Over /mcp, the caller's hub key: its tools reach only the providers of its allow-list. Undefined
   * for a local caller (stdio, in-process), who reaches every provider.
   */
  access: ProviderAccess | undefined;
}

/** Refuses a prompt longer than `mcp.maxPromptChars` before anything is sent. */
export function checkPromptSize(context: ToolContext, prompt: string): void {
  const limit = context.config.mcp.maxPromptChars;
  if (prompt.length > limit) {
    throw new AppError(
      "too_large",
      `prompt is ${prompt.length} characters; the limit is ${limit} (mcp.maxPromptChars): pass long material as files instead`,
    );
  }
}

/**
 * A file named by a client, as a path inside the workspace. A client (over HTTP, anyone holding an
 * `mcp` key) may not read the server's other files by naming them.
 */
export function workspaceFile(context: ToolContext, name: string): string {
  const path = resolve(context.workspace, name);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new AppError("usage", `file ${name}: not found in the workspace ${context.workspace}`);
  }
  const inside = relative(context.workspace, real);
  if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new AppError(
      "usage",
      `file ${name}: outside the workspace ${context.workspace}; name files inside it, relative or absolute`,
    );
  }
  return real;
}
