// The Redis the tests share (AIO_TEST_REDIS_URL, else the default port); each test uses its own key
// prefix so that tests running at once never share a key.
import { createConnection } from "node:net";

export const REDIS_URL = process.env.AIO_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Undefined when something listens at the URL's address; otherwise why not, with how to start one. */
export function reachable(url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(`no answer from ${url}`);
    });
    socket.once("error", (error) =>
      resolve(
        `${url}: ${error.message} (start one: redis-server --port 6379 --save '' --daemonize yes, or set AIO_TEST_REDIS_URL)`,
      ),
    );
  });
}
