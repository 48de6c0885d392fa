// The query a dialect route forwards: the client's own parameters, byte for byte, never a `key`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { forwardedQuery } from "../../src/server/upstream-query.ts";

test("the key parameter is dropped however it is spelled; every other parameter goes as sent", () => {
  const cases: [string, string][] = [
    ["http://hub/v1/messages", ""],
    ["http://hub/v1/messages?beta=true", "?beta=true"],
    ["http://hub/v1/messages?beta=true&key=aio_secret", "?beta=true"],
    ["http://hub/v1/chat/completions?key=aio_secret", ""],
    ["http://hub/x:streamGenerateContent?key=aio_secret&alt=sse", "?alt=sse"],
    ["http://hub/x?KEY=aio_secret&%6Bey=aio_secret&key&alt=sse", "?alt=sse"],
    ["http://hub/x?monkey=1&q=a%20b+c&keys=2", "?monkey=1&q=a%20b+c&keys=2"],
  ];
  for (const [url, expected] of cases) assert.equal(forwardedQuery(url), expected, url);
});
