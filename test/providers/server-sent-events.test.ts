// The SSE parser must give the same events however the bytes are split.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createServerSentEventParser, type ServerSentEvent } from "../../src/providers/server-sent-events.ts";

function parseInPieces(text: string, size: number): ServerSentEvent[] {
  const parser = createServerSentEventParser();
  const events: ServerSentEvent[] = [];
  for (let offset = 0; offset < text.length; offset += size)
    events.push(...parser.push(text.slice(offset, offset + size)));
  events.push(...parser.end());
  return events;
}

describe("server-sent events", () => {
  const stream =
    ": keep-alive comment\n" +
    'event: message_start\ndata: {"a":1}\n\n' +
    "event: ping\r\ndata: {}\r\n\r\n" +
    "data: line one\ndata:line two\nid: 7\n\n" +
    "data: [DONE]\r\r" +
    "event: never-finished\ndata: lost";

  it("parses events, multi-line data, ids, comments and every line ending", () => {
    assert.deepEqual(parseInPieces(stream, stream.length), [
      { event: "message_start", data: '{"a":1}', id: undefined },
      { event: "ping", data: "{}", id: undefined },
      { event: "message", data: "line one\nline two", id: "7" },
      { event: "message", data: "[DONE]", id: "7" },
    ]);
  });

  it("gives the same events whatever the chunk size, including a CRLF split in two", () => {
    const whole = parseInPieces(stream, stream.length);
    for (const size of [1, 2, 3, 5, 8, 13])
      assert.deepEqual(parseInPieces(stream, size), whole, `chunk size ${size}`);
  });

  it("ignores an event with no data and keeps a field without a colon as empty", () => {
    assert.deepEqual(parseInPieces("event: lonely\n\ndata\n\n", 4), [
      { event: "message", data: "", id: undefined },
    ]);
  });
});
