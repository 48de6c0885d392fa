// The key's shape and how it shows up outside the store: logs keep its public prefix only.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDuration } from "../../src/auth/duration.ts";
import { hashKey, hasKeyShape, mintKey } from "../../src/auth/key-material.ts";
import { redactUrl } from "../../src/config/shared-state.ts";
import { redactText, redactValue } from "../../src/observability/logger.ts";

test("minted keys are distinct, have the aio_ shape, and hash to their stored SHA-256", () => {
  const keys = Array.from({ length: 100 }, () => mintKey());
  assert.equal(new Set(keys.map((material) => material.key)).size, 100);
  for (const material of keys) {
    assert.ok(hasKeyShape(material.key));
    assert.equal(material.hash, hashKey(material.key));
    assert.equal(material.prefix, material.key.slice(0, 12));
  }
});

test("a hub key in any logged text keeps only its public prefix", () => {
  const { key, prefix } = mintKey();
  assert.equal(redactText(`rejected ${key} at the door`), `rejected ${prefix}…[redacted] at the door`);
  assert.deepEqual(redactValue({ header: `Bearer ${key}` }), { header: "Bearer [redacted]" });
});

test("URLs lose their password and secret parameters; paths stay as they are", () => {
  assert.equal(
    redactUrl("postgres://aio:s3cr%40t@db.internal:5432/aio?sslmode=require&password=x"),
    "postgres://aio:[redacted]@db.internal:5432/aio?sslmode=require&password=[redacted]",
  );
  assert.equal(redactUrl("postgres://db.internal/aio"), "postgres://db.internal/aio");
  assert.equal(
    redactUrl("/home/me/.ai-orchestrator/orchestrator.db"),
    "/home/me/.ai-orchestrator/orchestrator.db",
  );
});

test("durations read as people write them", () => {
  assert.equal(parseDuration("90m"), 90 * 60_000);
  assert.equal(parseDuration("12h"), 12 * 3_600_000);
  assert.equal(parseDuration("30d"), 30 * 86_400_000);
  assert.equal(parseDuration("2w"), 14 * 86_400_000);
  for (const bad of ["", "30", "0d", "-1d", "1.5h", "3y", "30 days"]) {
    assert.throws(() => parseDuration(bad), /is not a duration/, bad);
  }
});
