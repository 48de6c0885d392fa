// `status`: every mode's sandbox container under this ai-orchestrator home, with its state and
// uptime. A container found dead (killed from outside) is reported once, then removed.
import type { Command } from "commander";
import { AppError } from "../errors.ts";
import { dockerRuntime } from "../runtimes/docker.ts";
import { engine, engineVersion } from "../runtimes/docker-engine.ts";
import { cliContext, print, printJson } from "./context.ts";

export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description("list every mode's sandbox container (docker runtime) with its state and uptime")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const context = cliContext(command);
      const { config } = context.config();
      const version = await engineVersion(engine(config.docker.cli));
      if (!version.ok) throw new AppError("unavailable", `no sessions to list: ${version.reason}`);
      const sessions = await dockerRuntime({ config: config.docker, paths: context.paths }).sessions.list();
      const now = Date.now();
      if (options.json) {
        printJson(
          sessions.map((session) => ({
            ...session,
            startedAt: session.startedAt?.toISOString() ?? null,
            uptimeSeconds: session.startedAt ? Math.round((now - session.startedAt.getTime()) / 1000) : null,
          })),
        );
        return;
      }
      if (sessions.length === 0) {
        print("no sandbox containers");
        return;
      }
      const rows = sessions.map((session) => [
        session.mode,
        session.state === "exited" ? `exited (${session.detail})` : session.state,
        session.startedAt && session.state === "running" ? uptime(now - session.startedAt.getTime()) : "-",
        session.kind,
        session.container,
        session.workspace,
      ]);
      for (const row of table([["MODE", "STATE", "UPTIME", "KIND", "CONTAINER", "WORKSPACE"], ...rows]))
        print(row);
    });
}

function uptime(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${String(minutes % 60).padStart(2, "0")}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, "0")}h`;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  "),
  );
}
