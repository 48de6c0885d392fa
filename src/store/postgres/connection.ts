// The pooled PostgreSQL client (porsager's `postgres`): prepared statements, tagged templates only,
// and one translation of its failures into the error vocabulary — a lost or refused connection is
// AppError("unavailable") naming the server with its password redacted, never a hang or a stack.
import postgres, { type Sql } from "postgres";
import { redactUrl } from "../../config/shared-state.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../observability/logger.ts";

export interface PostgresConnection {
  readonly sql: Sql;
  /** The server, password redacted. */
  readonly where: string;
  /** How long a connection may take to open (the URL's `connect_timeout`, else 3 s). */
  readonly connectTimeoutMs: number;
  /** Runs a statement (or a transaction), turning connection failures into AppError("unavailable"). */
  run<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
}

export interface ConnectOptions {
  url: string;
  logger: Logger;
}

export function connectPostgres(options: ConnectOptions): PostgresConnection {
  const where = redactUrl(options.url);
  let inUrl: URLSearchParams;
  try {
    inUrl = new URL(options.url).searchParams;
  } catch (error) {
    throw new AppError(
      "config",
      `store.url ${where} is not a valid URL; write postgres://user@host:5432/database`,
      {
        cause: error,
      },
    );
  }
  // The URL's own ?max= and ?connect_timeout= win; otherwise a pool of 10, and an outage that fails
  // statements after 3 s instead of the client's default 30.
  const connectTimeoutSeconds = Number(inUrl.get("connect_timeout") ?? 3);
  const sql = postgres(options.url, {
    max: Number(inUrl.get("max") ?? 10),
    connect_timeout: connectTimeoutSeconds,
    idle_timeout: 60,
    prepare: true,
    // The server's notices ("relation already exists, skipping") are not the user's business.
    onnotice: (notice) => options.logger.debug({ notice: notice.message }, "postgres notice"),
    connection: { application_name: "ai-orchestrator" },
  });
  return {
    sql,
    where,
    connectTimeoutMs: connectTimeoutSeconds * 1000,
    async run(work) {
      try {
        return await work(sql);
      } catch (error) {
        if (isConnectionFailure(error)) throw unreachable(where, error);
        if (isRefusedLogin(error)) throw refusedLogin(where, error);
        throw error;
      }
    },
  };
}

/**
 * The first statement, within the connect timeout and a little more: a server that accepts a
 * connection and closes it before saying a word (a pooler whose database is down, a port that is not
 * PostgreSQL's) makes the client reconnect forever without failing the statement.
 */
export async function firstContact(connection: PostgresConnection): Promise<void> {
  const timeoutMs = connection.connectTimeoutMs + 2_000;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          unreachable(
            connection.where,
            new Error(
              `no PostgreSQL answer within ${timeoutMs / 1000} s; the connection was closed or left silent`,
            ),
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([connection.run((sql) => sql`SELECT 1`), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function unreachable(where: string, error: unknown): AppError {
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError(
    "unavailable",
    `cannot reach PostgreSQL at ${where} (${redactUrl(reason)}); check that it runs and that store.url (or AI_ORCHESTRATOR_STORE_URL) names it`,
    { cause: error },
  );
}

/** The server answered but would not let the store in: a wrong user or password, or no such database. */
function refusedLogin(where: string, error: unknown): AppError {
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError(
    "unavailable",
    `PostgreSQL at ${where} refused the store: ${redactUrl(reason)}; make store.url (or AI_ORCHESTRATOR_STORE_URL) name a database that exists, with a user and password allowed to use it`,
    { cause: error },
  );
}

/** The SQLSTATE of a server error, e.g. 23505 for a unique violation. */
export function sqlState(error: unknown): string | undefined {
  if (error instanceof postgres.PostgresError) return error.code;
  return undefined;
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

// 28000/28P01: the user or its password is refused; 3D000: the database does not exist.
const REFUSED_LOGIN_STATES = new Set(["28000", "28P01", "3D000"]);

function isRefusedLogin(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && REFUSED_LOGIN_STATES.has(state);
}

function isConnectionFailure(error: unknown): boolean {
  const state = sqlState(error);
  // 08: connection exception; 57P01–03: the server is shutting down or not accepting; 53300: too many connections.
  if (state !== undefined) return state.startsWith("08") || /^57P0[123]$/.test(state) || state === "53300";
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  return typeof code === "string" && CONNECTION_CODES.has(code);
}
