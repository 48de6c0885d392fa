// `ai-orchestrator mcp`: the MCP server on stdio, in the directory it was started in (where clink
// runs assistants and what `chat` files may name). Threads go to the store, so another process or a
// later run continues them.
import { realpathSync } from "node:fs";
import type { Command } from "commander";
import { storeUrl } from "../config/shared-state.ts";
import { startFileMaintenance } from "../files/maintenance.ts";
import { createHub } from "../hub/hub.ts";
import { createMcpServerFactory } from "../mcp/mcp-server.ts";
import { serveMcpOverStdio } from "../mcp/stdio.ts";
import { MCP_ACTOR } from "../mcp/tool-context.ts";
import { createLogger } from "../observability/logger.ts";
import { openStore } from "../store/store.ts";
import { cliContext } from "./context.ts";

export function registerMcpCommand(program: Command): void {
  program
    .command("mcp")
    .description(
      "serve the MCP tools (chat, consensus, clink, listmodels, threads, files_upload, files_list, file_ask) on stdio",
    )
    .action(async (_options: unknown, command: Command) => {
      const context = cliContext(command);
      const { config } = context.config();
      // stdout carries the protocol: logs go to stderr (warnings, unless AI_ORCHESTRATOR_LOG_LEVEL says).
      const logger = createLogger();
      const store = await openStore({ url: storeUrl(config, context.paths), paths: context.paths, logger });
      // The hub owns the store from here (its files registry keeps uploads there) and closes it.
      const hub = createHub({ config, paths: context.paths, logger, store });
      // As `serve` does: uploads a killed process left unfinished are resolved now (in the
      // background: the client is not kept waiting), then the copies are verified on an interval.
      const maintenance =
        hub.files === undefined
          ? undefined
          : startFileMaintenance(hub.files, { intervalMs: config.files.verifyIntervalMs, actor: MCP_ACTOR });
      try {
        await serveMcpOverStdio(
          createMcpServerFactory({
            hub,
            threads: store.threads,
            workspace: realpathSync(process.cwd()),
            runtime: context.options.runtime,
          }),
          logger,
        );
      } finally {
        await maintenance?.stop();
        await hub.close();
      }
    });
}
