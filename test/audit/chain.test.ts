// The documented hash, recomputed from first principles: SHA-256(prev_hash ‖ canonical JSON of the
// row), so anyone can check the chain without this program.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { rowHash, rowText } from "../../src/audit/audit-trail.ts";
import { canonicalJson } from "../../src/audit/canonical-json.ts";

test("a row's hash is SHA-256 of the previous hash and the row's canonical JSON", () => {
  const row = {
    seq: 42,
    at: 1_764_000_000_000,
    actor: "cli:ana",
    action: "key.create",
    subject: 'key_"quoted"',
    outcome: "ok",
    details: canonicalJson({ z: 1, a: { seq: 0, é: ["x", null, true] } }),
  };
  const prevHash = "ab".repeat(32);
  const canonical = `{"action":"key.create","actor":"cli:ana","at":1764000000000,"details":{"a":{"seq":0,"é":["x",null,true]},"z":1},"outcome":"ok","seq":42,"subject":"key_\\"quoted\\""}`;
  const text = rowText(row);
  assert.equal(`${text.beforeSeq}${row.seq}${text.afterSeq}`, canonical);
  assert.equal(
    canonicalJson({ ...row, details: JSON.parse(row.details) }),
    canonical,
    "the same text canonicalJson gives for the whole row",
  );
  assert.equal(
    rowHash({ ...row, prevHash }),
    createHash("sha256")
      .update(prevHash + canonical)
      .digest("hex"),
  );
});
