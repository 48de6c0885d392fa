// `status`: the home's hub and its live sandbox sessions, then every mode's sandbox container under
// this ai-orchestrator home, with its state and uptime. A container found dead (killed from outside) is reported once, then removed.
import type { Command } from "commander";
import { z } from "zod";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import { localAdminKey } from "../hub/local-admin-key.ts";
import { type LocalHub, runningHub } from "../hub/local-hub.ts";
import { logger } from "../observability/logger.ts";
import { dockerRuntime } from "../runtimes/docker.ts";
import { engine, engineVersion } from "../runtimes/docker-engine.ts";
import type { SessionActivityJson } from "../server/session-activity.ts";
import { cliContext, print, printJson } from "./context.ts";

export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description(
      "list the home's hub and its live sandbox sessions, and every mode's sandbox container (docker runtime)",
    )
    .option("--json", 'print {"hub","hubSessions","containers"}')
    .action(async (options: { json?: boolean }, command: Command) => {
      const context = cliContext(command);
      const { config } = context.config();
      const hub = await runningHub(context.paths);
      const live = hub === undefined ? [] : await liveHubSessions(config, context.paths, hub.url);
      if (!options.json && hub !== undefined) printHubSessions(hub, live);
      const version = await engineVersion(engine(config.docker.cli));
      // Without an engine the hub's part is still shown (in JSON too), then the containers' problem.
      const unlisted = version.ok
        ? undefined
        : new AppError("unavailable", `no sandbox containers to list: ${version.reason}`);
      const sessions = version.ok
        ? await dockerRuntime({ config: config.docker, paths: context.paths }).sessions.list()
        : [];
      const now = Date.now();
      if (options.json) {
        printJson({
          hub: hub === undefined ? null : { url: hub.url, pid: hub.pid },
          hubSessions: live,
          containers: sessions.map((session) => ({
            ...session,
            startedAt: session.startedAt?.toISOString() ?? null,
            uptimeSeconds: session.startedAt ? Math.round((now - session.startedAt.getTime()) / 1000) : null,
          })),
        });
        if (unlisted) throw unlisted;
        return;
      }
      if (unlisted) throw unlisted;
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

/** The live sandbox sessions of the home's hub, asked with the local admin key. */
async function liveHubSessions(config: Config, paths: Paths, url: string): Promise<SessionActivityJson[]> {
  let sessions = await hubSessions(url, await localAdminKey(config, paths, logger()));
  // The stored key was revoked or belongs to a store this hub does not read: mint another once.
  if (sessions === "refused")
    sessions = await hubSessions(url, await localAdminKey(config, paths, logger(), { renew: true }));
  if (sessions === "refused")
    throw new AppError("unauthenticated", `the hub at ${url} refused the local admin key`);
  return sessions;
}

function printHubSessions(hub: LocalHub, sessions: readonly SessionActivityJson[]): void {
  print(`hub running at ${hub.url} (pid ${hub.pid})`);
  if (sessions.length === 0) {
    print("no hub sessions");
  } else {
    const now = Date.now();
    const rows = sessions.map((session) => [
      session.mode ?? "-",
      session.runtime ?? "-",
      session.lastProvider ?? "-",
      String(session.requests),
      String(session.tokensIn),
      String(session.tokensOut),
      String(session.fallbacks),
      session.expiresAt ? uptime(Date.parse(session.expiresAt) - now) : "-",
      `${session.prefix}…`,
    ]);
    const header = [
      "MODE",
      "RUNTIME",
      "PROVIDER",
      "REQUESTS",
      "TOKENS IN",
      "TOKENS OUT",
      "FALLBACKS",
      "EXPIRES IN",
      "TOKEN",
    ];
    for (const row of table([header, ...rows])) print(row);
  }
  print();
}

async function hubSessions(url: string, key: string): Promise<SessionActivityJson[] | "refused"> {
  const response = await fetch(new URL("/admin/sessions", url), {
    headers: { authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status === 401) {
    await response.body?.cancel();
    return "refused";
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AppError(
      "unavailable",
      `the hub at ${url} answered ${response.status} for its sessions; see its log`,
    );
  }
  return sessionListSchema.parse(await response.json());
}

const sessionListSchema = z.array(
  z.object({
    keyId: z.string(),
    prefix: z.string(),
    mode: z.string().nullable(),
    runtime: z.string().nullable(),
    requests: z.number(),
    fallbacks: z.number(),
    tokensIn: z.number(),
    tokensOut: z.number(),
    lastProvider: z.string().nullable(),
    lastRequestAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
  }),
);

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
