// `hub start | stop | status`: the home's background hub, the one `--via-hub` launches use.
import type { Command } from "commander";
import { ensureHub, localHubFiles, runningHub, stopHub } from "../hub/local-hub.ts";
import { cliContext, print, printJson } from "./context.ts";

export function registerHubCommands(program: Command): void {
  const hub = program
    .command("hub")
    .description("the home's background hub: start, stop and status (logs and pid under the home's run/)");

  hub
    .command("start")
    .description("start the hub in the background unless it runs; prints its URL")
    .action(async (_options: unknown, command: Command) => {
      const { paths } = cliContext(command);
      const { hub: running, started } = await ensureHub({ paths });
      print(
        started
          ? `hub started at ${running.url} (pid ${running.pid}, log ${localHubFiles(paths).log})`
          : `hub already running at ${running.url} (pid ${running.pid})`,
      );
    });

  hub
    .command("stop")
    .description("stop the background hub and wait for it to exit")
    .action(async (_options: unknown, command: Command) => {
      const stopped = await stopHub(cliContext(command).paths);
      print(stopped ? `hub stopped (pid ${stopped.pid})` : "hub not running");
    });

  hub
    .command("status")
    .description("whether the background hub runs, with its URL and pid (exit 3 when it does not)")
    .option("--json", 'print {"running","url","pid","startedAt"}')
    .action(async (options: { json?: boolean }, command: Command) => {
      const running = await runningHub(cliContext(command).paths);
      if (options.json) {
        const { url, pid, startedAt } = running ?? {};
        printJson({ running: running !== undefined, url, pid, startedAt });
      } else print(running ? `hub running at ${running.url} (pid ${running.pid})` : "hub not running");
      if (running === undefined) process.exitCode = 3;
    });
}
