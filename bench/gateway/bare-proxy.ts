// The floor for any Node gateway on this machine: the fewest lines that relay a chat completion —
// node's HTTP server in front, an undici pool behind (as the hub uses), the body read whole and sent
// on, the answer's chunks written as they come. No auth, routing, policy or metrics. Run as
// `node bare-proxy.ts UPSTREAM_ORIGIN`; prints `listening on http://127.0.0.1:PORT` when ready.
import { createServer } from "node:http";
import { Pool } from "undici";

const upstream = process.argv[2];
if (upstream === undefined) throw new Error("usage: node bare-proxy.ts UPSTREAM_ORIGIN");
const pool = new Pool(upstream, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  const parts: Buffer[] = [];
  request.on("data", (part: Buffer) => parts.push(part));
  request.on("end", () => {
    pool
      .request({
        method: "POST",
        path: request.url ?? "/",
        headers: { "content-type": "application/json", authorization: request.headers.authorization ?? "" },
        body: Buffer.concat(parts),
      })
      .then(
        (answer) => {
          response.writeHead(answer.statusCode, { "content-type": String(answer.headers["content-type"]) });
          answer.body.on("data", (chunk: Buffer) => response.write(chunk));
          answer.body.on("end", () => response.end());
        },
        () => {
          response.writeHead(502);
          response.end();
        },
      );
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP address");
  process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
