// MCP over stdio, for clients that spawn the server (Claude Code, Gemini CLI): no key, the spawning
// user is trusted. Serves until the client closes stdin, then resolves so the caller can close the hub.

import { serveStdio } from "@modelcontextprotocol/server/stdio";
import type { Logger } from "../observability/logger.ts";
import type { McpServerFactory } from "./mcp-server.ts";

export async function serveMcpOverStdio(factory: McpServerFactory, logger: Logger): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    process.stdin.once("close", resolve);
    process.stdin.once("end", resolve);
  });
  const handle = serveStdio(factory, {
    onerror: (error) => logger.warn({ err: error }, "MCP stdio connection error"),
  });
  await ended;
  await handle.close();
}
