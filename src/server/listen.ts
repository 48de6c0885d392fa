// Puts the Hono app on a socket (HTTP, or HTTPS with server.tls) and takes it down gracefully: on
// shutdown no new connection is accepted, answers and streams in flight run until they end or the
// drain deadline passes, then every remaining connection is closed.
import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Server as NetServer } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { ServerConfig } from "../config/schema/server.ts";
import { errnoCode } from "../errno.ts";
import { AppError } from "../errors.ts";
import type { ServerEnv } from "./context.ts";

export interface ListenOptions {
  host: string;
  port: number;
  tls?: ServerConfig["tls"];
  /** A socket already bound and listening (handed over by the launcher): served instead of host and port. */
  handle?: NetServer;
}

export interface ListeningServer {
  /** `http://127.0.0.1:8787`: the origin clients use. */
  url: string;
  port: number;
  server: Server;
  /** Requests being answered now (streams included). */
  inFlight(): number;
  /** Stops accepting, lets what is in flight finish for up to `deadlineMs`, then closes every connection. */
  drain(deadlineMs: number): Promise<{ interrupted: number }>;
}

export async function listen(app: Hono<ServerEnv>, options: ListenOptions): Promise<ListeningServer> {
  const listener = getRequestListener(app.fetch, {
    // A failure the app did not turn into an answer is still answered, without a stack.
    errorHandler: () => new Response('{"error":{"message":"internal error in the hub"}}', { status: 500 }),
  });
  let active = 0;
  const idle: (() => void)[] = [];
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    active += 1;
    response.once("close", () => {
      active -= 1;
      if (active === 0) for (const wake of idle.splice(0)) wake();
    });
    void listener(request, response);
  };
  const server = options.tls ? createTlsServer(options.tls, handle) : createHttpServer(handle);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === "EADDRINUSE"
          ? new AppError(
              "unavailable",
              `port ${options.port} on ${options.host} is already in use: pick another with --port, or server.port in config.yaml for the background hub (0 takes a free one)`,
            )
          : error.code === "EADDRNOTAVAIL"
            ? new AppError("usage", `${options.host} is not an address of this machine: pick another --host`)
            : error.code === "ENOTFOUND" || error.code === "EAI_AGAIN"
              ? new AppError(
                  "usage",
                  `${options.host} does not resolve to an address (${error.code}): pick another --host (or server.host), e.g. 127.0.0.1`,
                )
              : error,
      );
    };
    server.once("error", onError);
    const listening = (): void => {
      server.off("error", onError);
      resolve();
    };
    if (options.handle) server.listen(options.handle, listening);
    else server.listen(options.port, options.host, listening);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the hub did not bind a TCP port");
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `${options.tls ? "https" : "http"}://${host}:${address.port}`,
    port: address.port,
    server,
    inFlight: () => active,
    async drain(deadlineMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (active > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadlineMs);
          idle.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      const interrupted = active;
      server.closeAllConnections();
      await closed;
      return { interrupted };
    },
  };
}

function createTlsServer(
  tls: NonNullable<ServerConfig["tls"]>,
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Server {
  const cert = readTlsFile(tls.cert, "cert");
  const key = readTlsFile(tls.key, "key");
  try {
    return createHttpsServer({ cert, key }, handle);
  } catch (error) {
    // Files that read but are no PEM certificate and key of one pair (swapped, DER, mismatched).
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError(
      "config",
      `server.tls: ${tls.cert} and ${tls.key} are not a usable certificate and key (${reason}); name a PEM certificate in server.tls.cert and its private key in server.tls.key`,
      { cause: error },
    );
  }
}

function readTlsFile(path: string, which: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = errnoCode(error) ?? String(error);
    throw new AppError("config", `server.tls.${which}: ${path} cannot be read (${code})`);
  }
}

/** Loopback addresses: the only ones served without keys defined or TLS. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(host);
}
