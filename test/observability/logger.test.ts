// Logs never carry a secret: not as a field, not inside a message, not inside an error.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createLogger, redactText } from "../../src/observability/logger.ts";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: "info", destination }) };
}

test("secret fields are redacted at any depth, names of variables are kept", () => {
  const { lines, logger } = capture();
  logger.info(
    {
      apiKey: "sk-live-0123456789abcdef",
      request: { headers: { authorization: "Bearer abcdefghijklmnop", "x-api-key": "k-123456789" } },
      apiKeyEnv: "ZAI_API_KEY",
      usage: { totalTokens: 42 },
    },
    "calling",
  );
  const line = JSON.parse(lines[0] ?? "{}");
  assert.equal(line.apiKey, "[redacted]");
  assert.equal(line.request.headers.authorization, "[redacted]");
  assert.equal(line.request.headers["x-api-key"], "[redacted]");
  assert.equal(line.apiKeyEnv, "ZAI_API_KEY");
  assert.equal(line.usage.totalTokens, 42);
  assert.doesNotMatch(lines.join(""), /0123456789abcdef|abcdefghijklmnop|k-123456789/);
});

test("keys and passwords inside messages, errors and URLs are scrubbed", () => {
  const { lines, logger } = capture();
  logger.warn(
    {
      redis: "redis://default:hunter2secret@cache:6379",
      err: new Error("401 for key sk-proj-ABCDEFGH12345678"),
    },
    "retrying with Bearer eyJhbGciOiJIUzI1NiJ9.payload and ?key=AIzaSyA-1234567890abcdefghij",
  );
  const text = lines.join("");
  for (const secret of [
    "hunter2secret",
    "sk-proj-ABCDEFGH12345678",
    "eyJhbGciOiJIUzI1NiJ9",
    "AIzaSyA-1234567890abcdefghij",
  ]) {
    assert.doesNotMatch(text, new RegExp(secret.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")));
  }
  const line = JSON.parse(lines[0] ?? "{}");
  assert.equal(line.redis, "redis://default:[redacted]@cache:6379");
  assert.match(line.msg, /Bearer \[redacted\]/);
});

test("redactText leaves ordinary text alone", () => {
  const text = "provider zai is failing: circuit open for 41 s more (last error: overloaded 529)";
  assert.equal(redactText(text), text);
});
