// The MCP server: one factory making a fresh McpServer with the hub's tools, for every transport
// (a stdio connection, each stateless HTTP request, an in-memory pair). What lives longer than one
// server instance (the model cache, the thread store, the hub's clients) is made once, here; whose
// threads an instance sees is decided per instance, from the caller the transport authenticated.
import { type McpRequestContext, McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { ProviderAccess } from "../auth/provider-access.ts";
import type { RuntimeChoice } from "../config/schema/index.ts";
import type { Hub } from "../hub/hub.ts";
import { LOCAL_THREAD_OWNER, type ThreadRepository } from "../store/repositories.ts";
import { createConversations } from "./conversations.ts";
import { createModelCatalog } from "./model-catalog.ts";
import type { ToolContext } from "./tool-context.ts";
import { registerChatTool } from "./tools/chat-tool.ts";
import { registerClinkTool } from "./tools/clink-tool.ts";
import { registerConsensusTool } from "./tools/consensus-tool.ts";
import { registerFilesTools } from "./tools/files-tools.ts";
import { registerListModelsTool } from "./tools/listmodels-tool.ts";
import { registerThreadsTool } from "./tools/threads-tool.ts";

export const MCP_SERVER_NAME = "ai-orchestrator";
const VERSION = "0.1.0";

export interface McpServerParts {
  /** The hub's parts: configuration, logger, resilience, one client per provider, chat, files. */
  hub: Pick<Hub, "config" | "paths" | "logger" | "resilience" | "providers" | "chat" | "files">;
  threads: ThreadRepository;
  /**
   * Whose threads a client works with: "local" (stdio, in-process: the one local user,
   * LOCAL_THREAD_OWNER) or "hub-key" (HTTP: the authenticated key, which the endpoint hands each
   * instance as `authInfo.clientId`, see http.ts). Default "local".
   */
  threadOwners?: "local" | "hub-key";
  /** Where clink runs and what `files` may name: the directory the server was started in. */
  workspace: string;
  /** `--runtime` for clink; each mode's own choice when absent. */
  runtime?: RuntimeChoice | undefined;
  /** The environment clink takes a mode's credential from; default process.env. */
  hostEnv?: NodeJS.ProcessEnv;
}

/** What the HTTP endpoint puts in `authInfo.extra`: the key's allow-list (see http.ts). */
const callerExtra = z.object({
  access: z.object({ prefix: z.string(), providers: z.array(z.string()).optional() }),
});

/** The SDK's factory shape; `authInfo` is set by the HTTP endpoint only. */
export type McpServerFactory = (request?: Pick<McpRequestContext, "authInfo">) => McpServer;

export function createMcpServerFactory(parts: McpServerParts): McpServerFactory {
  const { hub } = parts;
  const shared: Omit<ToolContext, "conversations" | "access"> = {
    config: hub.config,
    paths: hub.paths,
    logger: hub.logger,
    resilience: hub.resilience,
    providers: hub.providers,
    chat: hub.chat,
    files: hub.files,
    catalog: createModelCatalog(hub),
    workspace: parts.workspace,
    runtime: parts.runtime,
    hostEnv: parts.hostEnv ?? process.env,
  };
  const ownerOf = (request: Pick<McpRequestContext, "authInfo"> | undefined): string => {
    if ((parts.threadOwners ?? "local") === "local") return LOCAL_THREAD_OWNER;
    const owner = request?.authInfo?.clientId;
    // The endpoint authenticates before it builds an instance; without a caller there is no owner.
    if (owner === undefined) throw new Error("an MCP server for hub keys was built without the caller's key");
    return owner;
  };
  // A local caller reaches every provider; a hub key only those of its allow-list.
  const accessOf = (request: Pick<McpRequestContext, "authInfo"> | undefined): ProviderAccess | undefined => {
    if ((parts.threadOwners ?? "local") === "local") return undefined;
    const parsed = callerExtra.safeParse(request?.authInfo?.extra);
    if (!parsed.success) throw new Error("an MCP server for hub keys was built without the caller's key");
    const { prefix, providers } = parsed.data.access;
    return { prefix, providers };
  };
  return (request) => {
    const context: ToolContext = {
      ...shared,
      conversations: createConversations(parts.threads, hub.config.mcp.threads, ownerOf(request)),
      access: accessOf(request),
    };
    const server = new McpServer(
      { name: MCP_SERVER_NAME, version: VERSION },
      {
        capabilities: { tools: {} },
        instructions:
          "Tools to ask other AI models (chat, consensus), run other assistant CLIs in sandboxes (clink), upload files once and ask about them, and see models and threads.",
      },
    );
    registerChatTool(server, context);
    registerConsensusTool(server, context);
    registerClinkTool(server, context);
    registerListModelsTool(server, context);
    registerThreadsTool(server, context);
    registerFilesTools(server, context);
    return server;
  };
}
