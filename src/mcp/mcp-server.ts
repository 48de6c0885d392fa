// The MCP server: one factory making a fresh McpServer with the hub's tools, for every transport
// (a stdio connection, each stateless HTTP request, an in-memory pair). What lives longer than one
// server instance (the model cache, the thread store, the hub's clients) is made once, here.
import { McpServer } from "@modelcontextprotocol/server";
import type { RuntimeChoice } from "../config/schema/index.ts";
import type { Hub } from "../hub/hub.ts";
import type { ThreadRepository } from "../store/repositories.ts";
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
  /** Where clink runs and what `files` may name: the directory the server was started in. */
  workspace: string;
  /** `--runtime` for clink; each mode's own choice when absent. */
  runtime?: RuntimeChoice | undefined;
  /** The environment clink takes a mode's credential from; default process.env. */
  hostEnv?: NodeJS.ProcessEnv;
}

export type McpServerFactory = () => McpServer;

export function createMcpServerFactory(parts: McpServerParts): McpServerFactory {
  const { hub } = parts;
  const context: ToolContext = {
    config: hub.config,
    paths: hub.paths,
    logger: hub.logger,
    resilience: hub.resilience,
    providers: hub.providers,
    chat: hub.chat,
    files: hub.files,
    conversations: createConversations(parts.threads, hub.config.mcp.threads),
    catalog: createModelCatalog(hub),
    workspace: parts.workspace,
    runtime: parts.runtime,
    hostEnv: parts.hostEnv ?? process.env,
  };
  return () => {
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
