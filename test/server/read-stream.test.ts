// Reading a request body or a provider's answer whole: the bytes as sent, and a stream that closed
// before its end (or before the read began, as a client that left while its key was checked) is
// refused rather than left pending forever.
import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { test } from "node:test";
import { readStream } from "../../src/server/read-stream.ts";

test("a stream is read whole, chunks in order", async () => {
  const bytes = await readStream(Readable.from([Buffer.from('{"a":'), Buffer.from("1}")]));
  assert.equal(bytes.toString("utf8"), '{"a":1}');
});

test("a stream closed before its end is refused", async () => {
  const stream = new PassThrough();
  const read = readStream(stream);
  stream.write('{"a":');
  stream.destroy();
  await assert.rejects(read, /closed before the whole body had arrived/);
});

test("a stream already closed when the read begins is refused at once", async () => {
  const stream = new PassThrough();
  stream.destroy();
  await new Promise((resolve) => stream.once("close", resolve));
  await assert.rejects(readStream(stream), /closed before the whole body had arrived/);
});
