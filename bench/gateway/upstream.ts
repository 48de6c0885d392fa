// The gateway benchmark's upstream: the smallest OpenAI-compatible chat completions server that
// answers at once with a fixed reply (or a fixed five-chunk SSE stream), so that what the
// benchmark measures is the gateway in front of it. Runs in its own process on loopback and prints
// `listening on http://127.0.0.1:PORT` when ready.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { UPSTREAM_REPLY } from "./protocol.ts";

const MODEL = "glm-4.6";
const CREATED = 1_764_000_000;

const completion = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: CREATED,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: UPSTREAM_REPLY },
        finish_reason: "stop",
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 },
  }),
);

const chunk = (delta: Record<string, string>, finishReason: string | null): string =>
  `data: ${JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: CREATED,
    model: MODEL,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  })}\n\n`;

const words = UPSTREAM_REPLY.split(/(?<= )/);
const streamEvents = [
  chunk({ role: "assistant", content: "" }, null),
  ...[words.slice(0, 2), words.slice(2)].map((part) => chunk({ content: part.join("") }, null)),
  chunk({}, "stop"),
  "data: [DONE]\n\n",
];

function wantsStream(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null && "stream" in parsed && parsed.stream === true;
  } catch {
    return false;
  }
}

function answer(request: IncomingMessage, response: ServerResponse, body: string): void {
  if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
    response.writeHead(404, { "content-type": "application/json" });
    response.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
    return;
  }
  if (!wantsStream(body)) {
    response.writeHead(200, { "content-type": "application/json", "content-length": completion.length });
    response.end(completion);
    return;
  }
  // Each event is written on its own, as a real provider's stream arrives.
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const event of streamEvents) response.write(event);
  response.end();
}

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  const parts: Buffer[] = [];
  request.on("data", (part: Buffer) => parts.push(part));
  request.on("end", () => answer(request, response, Buffer.concat(parts).toString("utf8")));
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the upstream has no TCP address");
  process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
