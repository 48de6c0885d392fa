// A provider of a test's own on a loopback port, for what the simulators do not do on purpose
// (exact bytes, tool calls, endless streams): every request is recorded, then answered by `answer`.
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { originOf, simulatorConfig, startTestHub } from "./hub.ts";

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

export interface LeftStream {
  /** What the client read before leaving. */
  firstChunk: string;
  /** The provider's responses closed once the client left (waited for up to 5 s). */
  closedResponses: number;
  /** Requests the hub still counts as in flight afterwards. */
  inFlight: number;
}

/**
 * A client asks `model` through a hub whose `provider` sends `firstFrame` and then nothing, reads
 * the first chunk of the stream and leaves: what the provider's side saw of it.
 */
export async function clientLeavesMidStream(
  t: { after(fn: () => Promise<void> | void): void },
  options: { provider: string; firstFrame: string; model: string },
): Promise<LeftStream> {
  const upstream = await startUpstream(t, (response) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write(options.firstFrame);
    // …and then nothing more: only the client leaving can end this.
  });
  const hub = await startTestHub(
    t,
    simulatorConfig(undefined, { providers: { [options.provider]: { baseUrl: upstream.baseUrl } } }),
  );
  const key = await hub.addKey("leaver", ["chat"]);
  const running = await hub.listen();
  const controller = new AbortController();
  const response = await fetch(`${running.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: JSON.stringify({
      model: options.model,
      max_tokens: 5,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    }),
    signal: controller.signal,
  });
  const reader = response.body?.getReader();
  const first = await reader?.read();
  controller.abort();
  const deadline = Date.now() + 5_000;
  while (upstream.closedResponses() === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    firstChunk: Buffer.from(first?.value ?? []).toString(),
    closedResponses: upstream.closedResponses(),
    inFlight: running.inFlight(),
  };
}
