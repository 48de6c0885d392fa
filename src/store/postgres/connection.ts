// The pooled PostgreSQL client (porsager's `postgres`): prepared statements, tagged templates only,
// and one translation of its failures into the error vocabulary — a lost or refused connection is
// AppError("unavailable") naming the server with its password redacted, never a hang or a stack.
// Every statement goes through `run`, which is also where an outage is bounded: see `run`.
import type { Socket } from "node:net";
import postgres, { type Sql } from "postgres";
import { redactUrl } from "../../config/shared-state.ts";
import { errnoCode } from "../../errno.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../observability/logger.ts";
import { type ServerAddress, serverSocket, serverTls, UNTRUSTED_CERTIFICATE } from "./server-socket.ts";

export interface PostgresConnection {
  readonly sql: Sql;
  /** The server, password redacted. */
  readonly where: string;
  /** How long a connection may take to open (the URL's `connect_timeout`, else 3 s). */
  readonly connectTimeoutMs: number;
  /**
   * Runs a statement (or a transaction), turning connection failures into AppError("unavailable").
   * At most the pool's `max` run at once; the others wait here, and fail with the same error as soon
   * as one fails to reach the server. After such a failure, statements first wait for the server to
   * answer `answers()` again.
   */
  run<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  /** Resolves once the server answers `SELECT 1`; AppError("unavailable") after `answerDeadlineMs`. */
  answers(): Promise<void>;
  /** The bound on `answers()`: the connect timeout and 2 s more. */
  readonly answerDeadlineMs: number;
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
  const connectTimeoutMs = connectTimeoutSeconds * 1000;
  const max = Number(inUrl.get("max") ?? 10);
  if (!Number.isInteger(max) || max < 1) {
    throw new AppError(
      "config",
      `store.url ${where} has max=${inUrl.get("max")}; write ?max= as a whole number of connections, 1 or more`,
    );
  }
  const tls = serverTls(inUrl, where);
  const clientOptions: postgres.Options<Record<string, postgres.PostgresType>> & {
    socket: (parsed: ServerAddress) => Socket | Promise<Socket>;
  } = {
    max,
    connect_timeout: connectTimeoutSeconds,
    // TLS is the socket's own (src/store/postgres/server-socket.ts), whatever the URL's sslmode says to the client.
    ssl: false,
    idle_timeout: 60,
    prepare: true,
    // The client's own curve (3^n / 100 s, halved at random) but never above 1 s: a connection lost
    // during an outage is tried again soon after the server is back.
    backoff: (retries) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1),
    socket: serverSocket(tls, connectTimeoutMs),
    // The server's notices ("relation already exists, skipping") are not the user's business.
    onnotice: (notice) => options.logger.debug({ notice: notice.message }, "postgres notice"),
    connection: { application_name: "ai-orchestrator" },
  };
  const sql = postgres(withoutRootCert(options.url), clientOptions);
  const answerDeadlineMs = connectTimeoutMs + 2_000;

  // Set by a statement that failed to reach the server, cleared by the next `SELECT 1` it answers.
  // Meanwhile statements wait for that one probe instead of each queueing in the client for a
  // connection (which, against a server that accepts and never answers, would wait in turn).
  let outage = false;
  let probe: Promise<void> | undefined;
  // Statements beyond the pool's connections wait here rather than in the client, which would give
  // each its turn at a connection and then its own connect_timeout against a silent server: a burst
  // of a hundred would fail ten per connect_timeout. Here they have not been sent, so the first
  // connection failure can fail them all at once, and none runs later behind its caller's back.
  // The price is the client's pipelining of several statements on one connection: a busy store
  // wants a larger ?max= (100 lookups at once on loopback: ~9–11k a second instead of ~15–16k).
  const slots = new Slots(max);

  const translate = (error: unknown): unknown => {
    const failure =
      errnoCode(error) === UNTRUSTED_CERTIFICATE
        ? untrustedServer(where, error)
        : isConnectionFailure(error)
          ? unreachable(where, error)
          : isRefusedLogin(error)
            ? refusedLogin(where, error)
            : undefined;
    if (failure === undefined) return error;
    outage = true;
    slots.failWaiting(failure);
    return failure;
  };

  const answers = (): Promise<void> => {
    probe ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              unreachable(
                where,
                new Error(
                  `no PostgreSQL answer within ${answerDeadlineMs / 1000} s; the connection was closed or left silent`,
                ),
              ),
            ),
          answerDeadlineMs,
        );
      });
      try {
        await Promise.race([
          sql`SELECT 1`.catch((error: unknown) => Promise.reject(translate(error))),
          deadline,
        ]);
        outage = false;
      } catch (error) {
        outage = true;
        throw error;
      } finally {
        clearTimeout(timer);
        probe = undefined;
      }
    })();
    return probe;
  };

  return {
    sql,
    where,
    connectTimeoutMs,
    answerDeadlineMs,
    answers,
    async run(work) {
      if (outage) await answers();
      await slots.take();
      try {
        return await work(sql);
      } catch (error) {
        throw translate(error);
      } finally {
        slots.give();
      }
    },
  };
}

/** As many places as the pool has connections, handed out in arrival order. */
class Slots {
  #available: number;
  readonly #waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(count: number) {
    this.#available = count;
  }

  take(): Promise<void> | undefined {
    if (this.#available > 0 && this.#waiting.length === 0) {
      this.#available -= 1;
      return undefined;
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  give(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#available += 1;
    else next.resolve();
  }

  /** Fails every statement still waiting for a place: none of them has reached the client. */
  failWaiting(failure: AppError): void {
    for (const waiter of this.#waiting.splice(0)) waiter.reject(copyOf(failure));
  }
}

/** The same failure for another caller: its own error object, since callers may annotate theirs. */
function copyOf(failure: AppError): AppError {
  return new AppError(failure.kind, failure.message, { cause: failure.cause });
}

/** The URL without sslrootcert (read by serverTls): the client would send it to the server as a setting. */
function withoutRootCert(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has("sslrootcert")) return url;
  parsed.searchParams.delete("sslrootcert");
  return parsed.toString();
}

export function unreachable(where: string, error: unknown): AppError {
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError(
    "unavailable",
    `cannot reach PostgreSQL at ${where} (${redactUrl(reason)}); check that it runs and that store.url (or AI_ORCHESTRATOR_STORE_URL) names it`,
    { cause: error },
  );
}

/** The server's certificate did not verify under sslmode=verify-ca or verify-full. */
function untrustedServer(where: string, error: unknown): AppError {
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError(
    "unavailable",
    `PostgreSQL at ${where}: ${reason}; name the CA that signed it with ?sslrootcert=/path/to/ca.pem, or write sslmode=require to encrypt without checking the certificate`,
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
  // Set by the store's own socket (server-socket.ts): the server declined TLS, or did not answer as PostgreSQL.
  "SSL_DECLINED",
  "SSL_PROTOCOL",
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
  const code = errnoCode(error);
  return code !== undefined && CONNECTION_CODES.has(code);
}
