// `serve`: the hub as a long-running process. Prints `listening on URL` once it accepts requests,
// logs JSON to stderr, and on SIGTERM/SIGINT lets answers in flight finish (server.drainMs) before
// exiting 0. Refuses a non-loopback address while no hub key exists.
import { Server as NetServer, Socket } from "node:net";
import { type Command, InvalidArgumentError } from "commander";
import { createHubDashboard, dashboardSandboxSessions } from "../dashboard/hub-sources.ts";
import { AppError } from "../errors.ts";
import { startFileMaintenance } from "../files/maintenance.ts";
import { type Hub, openHub } from "../hub/hub.ts";
import {
  ASK_SOCKET,
  HANDED_ALL,
  HANDED_CLIENT,
  HANDED_SOCKET,
  recordServingHub,
  SOCKET_FROM_PARENT_ENV,
} from "../hub/local-hub.ts";
import { createLogger } from "../observability/logger.ts";
import { createServer } from "../server/app.ts";
import { hasUsableKey } from "../server/auth.ts";
import { isLoopback, listen } from "../server/listen.ts";
import { cliContext, print } from "./context.ts";
import { baseProgram, runProgram } from "./program.ts";
import { untilSignalled } from "./signals.ts";

interface ServeOptions {
  host?: string;
  port?: number;
}

/**
 * `ai-orchestrator [global options] serve ...` as bin/ runs it: the program with `serve` alone, so
 * the hub's process never loads the other commands (and what they import).
 */
export function serveMain(argv: readonly string[]): Promise<number> {
  const program = baseProgram();
  registerServeCommand(program);
  return runProgram(program, argv);
}

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the hub: one authenticated HTTP door for Anthropic, OpenAI and Gemini clients")
    .option("--host <host>", "address to listen on (default: server.host, 127.0.0.1)")
    .option("--port <n>", "port to listen on; 0 takes a free one (default: server.port, 8787)", parsePort)
    .action(async (options: ServeOptions, command: Command) => {
      const context = cliContext(command);
      const { config } = context.config();
      const host = options.host ?? config.server.host;
      const port = options.port ?? config.server.port;
      const logger = createLogger({ level: process.env.AI_ORCHESTRATOR_LOG_LEVEL ? undefined : "info" });
      const hub = await openHub({ config, paths: context.paths, logger });
      try {
        await refuseUnsafeBind(hub, host);
      } catch (error) {
        await hub.close();
        throw error;
      }
      hub.metrics.collectProcessMetrics();
      const { app, liveSessions } = createServer(hub);
      app.route(
        "/ui",
        createHubDashboard({ hub, sandboxSessions: dashboardSandboxSessions(liveSessions) }).app,
      );
      let listening: Awaited<ReturnType<typeof listen>>;
      try {
        // Asked for only now, with the app ready: the socket is served in the very tick it arrives.
        const activated = await socketFromLauncher();
        listening = await listen(app, { host, port, tls: config.server.tls, handle: activated?.socket });
        activated?.served(listening.server, listening.url);
      } catch (error) {
        await hub.close();
        throw error;
      }
      warnIfInClear(hub, host);
      // Listened for before `listening on` is printed: a signal sent as soon as it is read drains too.
      const signalled = untilSignalled();
      // Recorded before `listening on` is printed: whoever reads that line finds the home's hub.
      const unrecord = recordServingHub(context.paths, listening.url);
      logger.info({ url: listening.url }, "hub listening");
      print(`listening on ${listening.url}`);
      // Recovery of interrupted uploads runs once now, then the copies are verified on an interval.
      const maintenance =
        hub.files === undefined
          ? undefined
          : startFileMaintenance(hub.files, { intervalMs: config.files.verifyIntervalMs });
      const signal = await signalled;
      // A second signal while draining ends the process at once.
      process.once("SIGINT", () => process.exit(130));
      process.once("SIGTERM", () => process.exit(143));
      logger.info({ signal, inFlight: listening.inFlight(), drainMs: config.server.drainMs }, "draining");
      const { interrupted } = await listening.drain(config.server.drainMs);
      if (interrupted > 0)
        logger.warn({ interrupted }, "drain deadline passed: connections closed mid-answer");
      await maintenance?.stop();
      await hub.close();
      unrecord();
      logger.info("hub stopped");
    });
}

/**
 * The listening socket the launcher bound for this hub (socket activation, src/hub/local-hub.ts),
 * asked for over the IPC channel, and the clients the launcher accepted on it meanwhile; undefined
 * when not started so, or when the launcher went away first (the hub then binds the same address
 * itself). Node has already put the received socket in a server of its own: it must be served before
 * the event loop turns, or that server would accept waiting clients, so the caller listens on it in
 * the same tick, from this promise.
 */
async function socketFromLauncher(): Promise<ActivatedSocket | undefined> {
  const send = process.send?.bind(process);
  if (process.env[SOCKET_FROM_PARENT_ENV] !== "1" || send === undefined || !process.connected)
    return undefined;
  const clients: Socket[] = [];
  let serve: ((client: Socket) => void) | undefined;
  const onClient = (message: unknown, handle: unknown): void => {
    if (message === HANDED_CLIENT && handle instanceof Socket) {
      if (serve) serve(handle);
      else clients.push(handle);
    } else if (message === HANDED_ALL) {
      process.off("message", onClient);
      if (process.connected) process.disconnect();
    }
  };
  const socket = await new Promise<NetServer | undefined>((resolve) => {
    const onSocket = (message: unknown, handle: unknown): void => {
      if (message !== HANDED_SOCKET || !(handle instanceof NetServer)) return;
      process.off("message", onSocket);
      process.on("message", onClient);
      resolve(handle);
    };
    process.on("message", onSocket);
    process.once("disconnect", () => resolve(undefined));
    send(ASK_SOCKET, undefined, undefined, (error) => {
      if (error) resolve(undefined);
    });
  });
  if (socket === undefined) return undefined;
  return {
    socket,
    served(server, url) {
      serve = (client) => server.emit("connection", client);
      for (const client of clients.splice(0)) serve(client);
      if (process.connected) process.send?.({ listening: url }, undefined, undefined, () => {});
    },
  };
}

interface ActivatedSocket {
  socket: NetServer;
  /** Called once the hub serves the socket: the launcher's accepted clients go to `server`. */
  served(server: NetServer, url: string): void;
}

async function refuseUnsafeBind(hub: Hub, host: string): Promise<void> {
  if (isLoopback(host)) return;
  if (hub.keys === undefined || !(await hasUsableKey(hub.keys))) {
    throw new AppError(
      "usage",
      `refusing to listen on ${host} with no hub keys: create one first with \`ai-orchestrator keys create --name NAME\`, or listen on 127.0.0.1`,
    );
  }
}

/** Said once the hub listens (a bind that fails says only why): a public address without TLS. */
function warnIfInClear(hub: Hub, host: string): void {
  if (isLoopback(host) || hub.config.server.tls !== undefined) return;
  process.stderr.write(
    `ai-orchestrator: warning: listening on ${host} without TLS, so keys and prompts cross the network in clear: set server.tls (cert, key) or put a TLS reverse proxy in front\n`,
  );
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError("must be a port number from 0 to 65535");
  }
  return port;
}
