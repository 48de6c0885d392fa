// How the store's connections reach PostgreSQL: opened here rather than by the client (porsager's
// `postgres`), TLS included, so that every way a server can leave fails the statement waiting on it.
// The URL's TLS settings are read as libpq reads them: `sslmode` and `sslrootcert`.
import { readFileSync } from "node:fs";
import { connect, isIP, Socket } from "node:net";
import { type ConnectionOptions, connect as connectTls, getCACertificates, type TLSSocket } from "node:tls";
import { errnoCode } from "../../errno.ts";
import { AppError } from "../../errors.ts";

/** The TLS a `postgres://` URL asks for; none when its `sslmode` is absent or `disable`. */
export interface ServerTls {
  /**
   * `allow` and `prefer` go on in clear when the server declines TLS (`allow` is `prefer` here, as in
   * the client); `require` encrypts without checking the certificate; `verify-ca` checks that it
   * chains to a trusted CA, `verify-full` also that it names the host.
   */
  mode: (typeof SSL_MODES)[number];
  /** The CAs the certificate must chain to: `sslrootcert=FILE`, or `system` (the machine's); node's bundled ones otherwise. */
  ca?: string;
  /** `sslnegotiation=direct`: TLS from the first byte (PostgreSQL 17), without asking the server first. */
  direct: boolean;
}

const SSL_MODES = ["allow", "prefer", "require", "verify-ca", "verify-full"] as const;

/**
 * The TLS the URL's parameters ask for. `sslrootcert=system` means `verify-full` against the
 * machine's CAs, as in libpq; a `sslrootcert` file is read now, so a missing one is a config error.
 */
export function serverTls(params: URLSearchParams, where: string): ServerTls | undefined {
  const rootCert = params.get("sslrootcert");
  const direct = params.get("sslnegotiation") === "direct";
  const given = params.get("sslmode");
  const mode = rootCert === "system" ? "verify-full" : given;
  if (mode === null || mode === "disable" || mode === "false") return undefined;
  const known = SSL_MODES.find((candidate) => candidate === mode);
  if (known === undefined) {
    throw new AppError(
      "config",
      `store.url ${where} has sslmode=${given}; write one of disable, allow, prefer, require, verify-ca or verify-full`,
    );
  }
  if (rootCert === null) return { mode: known, direct };
  if (rootCert === "system") return { mode: known, ca: getCACertificates("system").join("\n"), direct };
  try {
    return { mode: known, ca: readFileSync(rootCert, "utf8"), direct };
  } catch (error) {
    throw new AppError(
      "config",
      `store.url ${where} names sslrootcert=${rootCert}, which cannot be read (${errnoCode(error) ?? String(error)}); name a PEM file of the CA that signed the server's certificate`,
      { cause: error },
    );
  }
}

/** The parts of the client's parsed options that say where the server is. */
export interface ServerAddress {
  host: string[];
  port: number[];
  path: string | false | undefined;
}

/** Set on an error that comes from the server's certificate: the store names the fix for it. */
export const UNTRUSTED_CERTIFICATE = "CERTIFICATE_UNTRUSTED";

// PostgreSQL's SSLRequest: length 8, then the code 1234.5679.
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]);

/**
 * The client's connections, opened as it would open them but with two differences.
 *
 * A server that closes a connection cleanly (a FIN, no error message) is treated as an error. The
 * client (3.4.9) otherwise retries a statement waiting on that connection at once and forever, neither
 * failing it nor honouring connect_timeout — what a pooler whose database is down, or a port that is
 * not PostgreSQL's, does to it (porsager/postgres#1193). As an error, the statement fails with
 * CONNECTION_CLOSED and the next attempt waits out the backoff. (The store never calls a query's
 * `.cancel()`: the server ends a cancel request's connection the same way, which would reject it.)
 *
 * TLS is set up here, before the client sees the connection (it is told `ssl: false`): done by the
 * client, its TLS socket would replace this one and a server that completes the handshake and then
 * closes cleanly would be retried forever. The setup is bounded by `timeoutMs` (connect_timeout; the
 * client's own timer starts after it). When it fails, the client is handed a socket that fails with
 * the reason as soon as the client listens to it: a rejected factory would leave the client's
 * connection neither open nor closed, and the pool one connection short for good.
 */
export function serverSocket(
  tls: ServerTls | undefined,
  timeoutMs: number,
): (parsed: ServerAddress) => Socket | Promise<Socket> {
  let next = 0;
  return (parsed) => {
    let socket: Socket;
    let host: string | undefined;
    if (typeof parsed.path === "string") socket = connect(parsed.path);
    else {
      const index = next++ % parsed.host.length;
      host = parsed.host[index] ?? "localhost";
      socket = connect(parsed.port[index] ?? 5432, host);
      // Named in the client's own connection errors, as for the sockets it opens itself.
      Object.assign(socket, { host, port: parsed.port[index] ?? 5432 });
    }
    // As in libpq, a Unix socket is never encrypted.
    if (tls === undefined || host === undefined) return failingOnEnd(socket);
    return secured(socket, host, tls, timeoutMs).then(failingOnEnd, failedSocket);
  };
}

/** The connection over TLS, or in clear where the mode allows and the server declines. */
async function secured(socket: Socket, host: string, tls: ServerTls, timeoutMs: number): Promise<Socket> {
  // The steps below each hear the socket's errors; this keeps one that comes between them from being
  // thrown, until the client puts its own listener on the connection.
  const unheard = (): void => {};
  socket.on("error", unheard);
  let secure: TLSSocket | undefined;
  const timer = setTimeout(() => {
    const late = coded("CONNECT_TIMEOUT", `no TLS connection within ${timeoutMs / 1000} s`);
    secure?.destroy(late);
    socket.destroy(late);
  }, timeoutMs);
  try {
    if (!tls.direct) {
      socket.write(SSL_REQUEST);
      const answer = await firstAnswer(socket);
      if (answer.length === 1 && answer[0] === 0x4e /* N */) {
        if (tls.mode !== "allow" && tls.mode !== "prefer")
          throw coded("SSL_DECLINED", `the server does not accept TLS, which sslmode=${tls.mode} asks for`);
        socket.off("error", unheard);
        return socket;
      }
      // Anything after the S would be read as if it came over TLS (CVE-2021-23222): refused, as libpq does.
      if (answer.length !== 1 || answer[0] !== 0x53 /* S */)
        throw coded("SSL_PROTOCOL", "the server's answer to the TLS request is not PostgreSQL's");
    }
    secure = connectTls({ socket, host, ...verification(host, tls) });
    await handshake(secure);
    return Object.assign(secure, { host, port: socket.remotePort });
  } catch (error) {
    secure?.destroy();
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the TLS handshake is done; a certificate that does not verify is named as such. */
function handshake(secure: TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onSecure = (): void => {
      secure.off("error", onError);
      resolve();
    };
    const onError = (error: Error): void => {
      secure.off("secureConnect", onSecure);
      reject(
        // Set (null before) when the certificate did not verify. Node's hint after the reason, a
        // flag of node's, is not the fix here.
        secure.authorizationError
          ? coded(
              UNTRUSTED_CERTIFICATE,
              `its certificate is not trusted: ${error.message.split(";")[0]}`,
              error,
            )
          : error,
      );
    };
    secure.once("secureConnect", onSecure).once("error", onError);
  });
}

function verification(host: string, tls: ServerTls): ConnectionOptions {
  const options: ConnectionOptions = {
    // Server name indication takes a name, never an address (the certificate is checked against `host`).
    servername: isIP(host) !== 0 ? undefined : host,
    ALPNProtocols: tls.direct ? ["postgresql"] : undefined,
  };
  if (tls.mode !== "verify-ca" && tls.mode !== "verify-full")
    return { ...options, rejectUnauthorized: false };
  return {
    ...options,
    rejectUnauthorized: true,
    ca: tls.ca,
    ...(tls.mode === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
  };
}

/** The server's first bytes: its answer to the TLS request. */
function firstAnswer(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      socket.off("data", onData).off("end", onEnd).off("error", reject);
    };
    const onData = (chunk: Buffer): void => {
      settle();
      resolve(chunk);
    };
    const onEnd = (): void => {
      settle();
      reject(
        coded("CONNECTION_CLOSED", "the server closed the connection instead of answering the TLS request"),
      );
    };
    socket.on("data", onData).once("end", onEnd).once("error", reject);
  });
}

function failingOnEnd(socket: Socket): Socket {
  socket.on("end", () => {
    // Our own end (the client closing an idle connection) is not the server leaving.
    if (socket.writableEnded) return;
    socket.destroy(coded("CONNECTION_CLOSED", "the server closed the connection"));
  });
  return socket;
}

/** A socket that fails with `error` once the client has put its listeners on it. */
function failedSocket(error: unknown): Socket {
  const standIn = new Socket();
  setImmediate(() => standIn.destroy(error instanceof Error ? error : new Error(String(error))));
  return standIn;
}

function coded(code: string, message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { code });
}
