// The store's TLS to PostgreSQL, as the URL's sslmode and sslrootcert ask (libpq's meaning): against
// the real server .ci/run starts with TLS on, and against servers that go wrong at each step of the
// TLS setup — each of which fails a statement as one unavailable line, never a hang, and never
// leaves the pool a connection short.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { type TestContext, test } from "node:test";
import { TLSSocket } from "node:tls";
import { isAppError } from "../../src/errors.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { connectPostgres, type PostgresConnection } from "../../src/store/postgres/connection.ts";
import { postgresSchemaUrl, settled } from "../support/postgres.ts";
import { requireService } from "../support/services.ts";
import { selfSignedCertificate } from "../support/tls.ts";
import { storeOn } from "./conformance.ts";

const logger = createLogger({ level: "silent" });

/** The certificate of the server AIO_TEST_POSTGRES_URL names, which .ci/run starts with TLS on. */
const POSTGRES_CA = process.env.AIO_TEST_POSTGRES_CA;

function connection(t: TestContext, url: string): PostgresConnection {
  const connected = connectPostgres({ url, logger });
  t.after(() => connected.sql.end({ timeout: 0 }));
  return connected;
}

/** The URL with TLS parameters added. */
function withParams(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [name, value] of Object.entries(params)) parsed.searchParams.set(name, value);
  return parsed.toString();
}

test("over TLS to PostgreSQL: sslmode=require encrypts, verify-full checks the certificate against sslrootcert, and an untrusted one is one line with the fix", async (t) => {
  const url = await postgresSchemaUrl(t);
  if (url === undefined) return;
  if (
    !requireService(
      t,
      "PostgreSQL with TLS",
      POSTGRES_CA === undefined
        ? "AIO_TEST_POSTGRES_CA is not set (.ci/run starts PostgreSQL with TLS on and names its certificate there)"
        : undefined,
    ) ||
    POSTGRES_CA === undefined
  )
    return;
  const encrypted = async (connected: PostgresConnection): Promise<boolean> => {
    const [row] = await connected.run((sql) => sql`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`);
    return row?.ssl === true;
  };
  assert.equal(await encrypted(connection(t, url)), false, "no sslmode: in clear, as before");
  assert.equal(await encrypted(connection(t, withParams(url, { sslmode: "require" }))), true);
  assert.equal(await encrypted(connection(t, withParams(url, { sslmode: "prefer" }))), true);
  const verified = withParams(url, { sslmode: "verify-full", sslrootcert: POSTGRES_CA });
  assert.equal(await encrypted(connection(t, verified)), true);
  // The store itself over TLS: its migrations run and its keys answer.
  const store = await storeOn(t, { url: verified, raw: async () => {} });
  assert.deepEqual(await store.keys.list(), []);

  // Node's bundled CAs do not include the server's own: refused, naming the certificate and the fix.
  const untrusted = withParams(url, { sslmode: "verify-full" });
  const outcome = await settled(
    connection(t, untrusted).run((sql) => sql`SELECT 1`),
    20_000,
  );
  assert.ok(isAppError(outcome.error) && outcome.error.kind === "unavailable", String(outcome.error));
  assert.match(
    outcome.error.message,
    /^PostgreSQL at postgres:\/\/postgres:\[redacted\]@127\.0\.0\.1:\d+\/\S+sslmode=verify-full: its certificate is not trusted: self-signed certificate; name the CA that signed it with \?sslrootcert=\/path\/to\/ca\.pem, or write sslmode=require to encrypt without checking the certificate$/,
  );
});

test("a bad sslmode or an unreadable sslrootcert is refused when the store is opened, in one config line", () => {
  const base = "postgres://aio:hunter2@127.0.0.1:5432/aio";
  assert.throws(
    () => connectPostgres({ url: `${base}?sslmode=on`, logger }),
    (error: unknown) =>
      isAppError(error) &&
      error.kind === "config" &&
      error.message ===
        "store.url postgres://aio:[redacted]@127.0.0.1:5432/aio?sslmode=on has sslmode=on; write one of disable, allow, prefer, require, verify-ca or verify-full",
  );
  assert.throws(
    () => connectPostgres({ url: `${base}?sslmode=verify-full&sslrootcert=/no/such/ca.pem`, logger }),
    (error: unknown) =>
      isAppError(error) &&
      error.kind === "config" &&
      /names sslrootcert=\/no\/such\/ca\.pem, which cannot be read \(ENOENT\); name a PEM file of the CA/.test(
        error.message,
      ),
  );
});

/**
 * A server that answers the store's TLS request and then misbehaves as `then` says: it completes
 * the handshake and closes at once or after the startup message, declines TLS, or answers with
 * bytes that are not PostgreSQL's; or it agrees and then closes or goes silent before the handshake.
 */
type Misbehaviour =
  | "completes the handshake, then closes"
  | "completes the handshake, reads the startup message, then closes"
  | "declines TLS"
  | "sends more than its answer"
  | "agrees, then closes"
  | "agrees, then goes silent";

const EXPECTED_REASON: Record<Misbehaviour, RegExp> = {
  "completes the handshake, then closes": /the server closed the connection/,
  "completes the handshake, reads the startup message, then closes": /the server closed the connection/,
  "declines TLS": /the server does not accept TLS, which sslmode=require asks for/,
  "sends more than its answer": /the server's answer to the TLS request is not PostgreSQL's/,
  "agrees, then closes": /TLS|socket|closed|ECONNRESET/i,
  "agrees, then goes silent": /no TLS connection within 1 s/,
};

async function misbehavingServer(
  t: TestContext,
  then: Misbehaviour,
  certificate: { cert: string; key: string },
): Promise<number> {
  const key = readFileSync(certificate.key);
  const cert = readFileSync(certificate.cert);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("data", () => {
      if (then === "declines TLS") return socket.write("N");
      if (then === "sends more than its answer") return socket.write("SX");
      if (then === "agrees, then closes") return socket.end("S");
      socket.write("S");
      if (then === "agrees, then goes silent") return;
      const secure = new TLSSocket(socket, { isServer: true, key, cert });
      secure.on("error", () => {});
      if (then === "completes the handshake, then closes") secure.once("secure", () => secure.end());
      else secure.once("data", () => secure.end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

test("with sslmode=require, a server that goes wrong at any step of the TLS setup fails each statement as one unavailable line naming why, instead of hanging", async (t) => {
  const certificate = selfSignedCertificate(t);
  if (certificate === undefined) return;
  for (const then of Object.keys(EXPECTED_REASON) as Misbehaviour[]) {
    await t.test(`the server ${then}`, async (t) => {
      const port = await misbehavingServer(t, then, certificate);
      // A pool of two: were a failed setup to leave a connection neither open nor closed, the third
      // statement would wait for ever.
      const connected = connection(
        t,
        `postgres://aio:hunter2@127.0.0.1:${port}/aio?sslmode=require&connect_timeout=1&max=2`,
      );
      const together = await Promise.all(
        Array.from({ length: 3 }, () =>
          settled(
            connected.run((sql) => sql`SELECT 1`),
            20_000,
          ),
        ),
      );
      const oneByOne = [];
      for (let round = 0; round < 4; round++)
        oneByOne.push(
          await settled(
            connected.run((sql) => sql`SELECT 1`),
            20_000,
          ),
        );
      for (const outcome of [...together, ...oneByOne]) {
        assert.ok(
          isAppError(outcome.error) && outcome.error.kind === "unavailable",
          `a clear unavailable error, not ${String(outcome.error)}`,
        );
        assert.match(
          outcome.error.message,
          /^cannot reach PostgreSQL at postgres:\/\/aio:\[redacted\]@127\.0\.0\.1:\d+\/aio\?sslmode=require&connect_timeout=1&max=2 \(.+\); check that it runs/,
        );
        assert.match(outcome.error.message, EXPECTED_REASON[then]);
        assert.doesNotMatch(outcome.error.message, /hunter2/);
      }
    });
  }
});
