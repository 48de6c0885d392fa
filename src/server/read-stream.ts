// A node stream read whole into one Buffer: a client's request body, a provider's answer. Events
// rather than an async iterator (cheaper per request), and a stream that closes before its end —
// or had already closed, as a request whose client left while the hub checked its key — rejects
// instead of leaving the read pending forever.
import type { Readable } from "node:stream";

export function readStream(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed) {
      reject(closedEarly());
      return;
    }
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("error", reject);
    stream.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    // After `end` this settles nothing: the promise is resolved already.
    stream.once("close", () => {
      if (!stream.readableEnded) reject(closedEarly());
    });
  });
}

function closedEarly(): Error {
  return new Error("the connection closed before the whole body had arrived");
}
