// A private PostgreSQL schema per test, on the server AIO_TEST_POSTGRES_URL names (.ci/run starts one;
// on a person's machine the tests skip without it). Each test gets a fresh schema through the URL's
// search_path, so tests running at once never see each other's tables, and it is dropped afterwards.
import { randomBytes } from "node:crypto";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { requireService } from "./services.ts";

export const POSTGRES_URL = process.env.AIO_TEST_POSTGRES_URL;

let reachability: Promise<string | undefined> | undefined;

async function unavailableReason(): Promise<string | undefined> {
  if (POSTGRES_URL === undefined) {
    return "AIO_TEST_POSTGRES_URL is not set (start a PostgreSQL as .ci/run does, then export AIO_TEST_POSTGRES_URL=postgres://…)";
  }
  const sql = postgres(POSTGRES_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return undefined;
  } catch (error) {
    return `cannot reach AIO_TEST_POSTGRES_URL: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Undefined when AIO_TEST_POSTGRES_URL answers; otherwise why not (for tests that share one schema). */
export function postgresUnavailable(): Promise<string | undefined> {
  reachability ??= unavailableReason();
  return reachability;
}

/** A URL to a fresh, empty schema (dropped when the test ends), or undefined when the test was skipped. */
export async function postgresSchemaUrl(t: TestContext): Promise<string | undefined> {
  if (!requireService(t, "PostgreSQL", await postgresUnavailable()) || POSTGRES_URL === undefined)
    return undefined;
  return freshSchemaUrl(POSTGRES_URL, t);
}

/** A fresh schema on the server `serverUrl` names, dropped through `owner.after`: for a suite that shares one. */
export async function freshSchemaUrl(
  serverUrl: string,
  owner: { after(fn: () => Promise<void>): void },
): Promise<string> {
  const schema = `aio_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin`CREATE SCHEMA ${admin(schema)}`;
  owner.after(async () => {
    await admin`DROP SCHEMA ${admin(schema)} CASCADE`;
    await admin.end({ timeout: 5 });
  });
  const url = new URL(serverUrl);
  url.searchParams.set("search_path", schema);
  return url.toString();
}

/** Runs raw SQL against the schema behind a test URL: for tests that play the attacker. */
export async function withRawPostgres<T>(url: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * What answers on the store's port, as a test switches it: `forward` relays to the real server;
 * `closed` refuses connections (nothing listens); `close` accepts each connection and closes it at
 * once (a pooler whose database is down, a port taken over by something that is not PostgreSQL);
 * `silent` accepts and never says a word. Leaving `forward` drops every relayed connection, as a
 * server going away does.
 */
export type StandInMode = "forward" | "closed" | "close" | "silent";

export class PostgresStandIn {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #mode: StandInMode = "forward";
  port = 0;

  constructor(serverUrl: string) {
    const url = new URL(serverUrl);
    this.#target = { host: url.hostname, port: Number(url.port || 5432) };
  }

  /** The URL with its host and port replaced by this stand-in's. */
  urlFor(serverUrl: string): string {
    const url = new URL(serverUrl);
    url.hostname = "127.0.0.1";
    url.port = String(this.port);
    return url.toString();
  }

  async become(mode: StandInMode): Promise<void> {
    this.#mode = mode;
    for (const socket of this.#sockets) socket.destroy();
    if (mode === "closed") {
      const server = this.#server;
      this.#server = undefined;
      if (server !== undefined) await new Promise((resolve) => server.close(resolve));
    } else if (this.#server === undefined) await this.#listen();
  }

  async #listen(): Promise<void> {
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", resolve);
    });
    const address = server.address();
    this.port = typeof address === "object" && address !== null ? address.port : 0;
    this.#server = server;
  }

  #accept(client: Socket): void {
    this.#track(client);
    if (this.#mode === "close") {
      client.end();
      return;
    }
    if (this.#mode === "silent") return;
    const upstream = createConnection(this.#target);
    this.#track(upstream);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
    socket.on("error", () => {});
  }
}

/** A stand-in relaying to the server behind `serverUrl`, listening until the test ends. */
export async function postgresStandIn(
  serverUrl: string,
  owner: { after(fn: () => Promise<void>): void },
): Promise<PostgresStandIn> {
  const standIn = new PostgresStandIn(serverUrl);
  await standIn.become("forward");
  owner.after(() => standIn.become("closed"));
  return standIn;
}

/** Settles `work` as its value or its error, or says it was still waiting after `limitMs`: only a hang reaches it. */
export async function settled<T>(
  work: Promise<T>,
  limitMs: number,
): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = performance.now();
  const outcome: { value?: T; error?: unknown } = await Promise.race([
    work.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    sleep(limitMs, undefined, { ref: false }).then(() => ({
      error: new Error(`still waiting after ${limitMs / 1000} s`),
    })),
  ]);
  return { ...outcome, ms: performance.now() - started };
}
