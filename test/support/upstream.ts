// A provider of a test's own on a loopback port, for what the simulators do not do on purpose
// (exact bytes, tool calls, endless streams): every request is recorded, then answered by `answer`.
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { originOf } from "./hub.ts";

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface Upstream {
  baseUrl: string;
  received: ReceivedRequest[];
  /** Responses whose connection closed, finished or not. */
  closedResponses(): number;
}

export async function startUpstream(
  t: { after(fn: () => Promise<void>): void },
  answer: (response: ServerResponse, request: ReceivedRequest) => void,
): Promise<Upstream> {
  const received: ReceivedRequest[] = [];
  let closed = 0;
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      const recorded = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body,
      };
      received.push(recorded);
      answer(response, recorded);
    });
    response.on("close", () => {
      closed += 1;
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { baseUrl: originOf(server), received, closedResponses: () => closed };
}
