import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { csrfTokenMatches, SessionBook } from "../../src/dashboard/sessions.ts";
import type { DashboardPrincipal } from "../../src/dashboard/sources.ts";

const principal = (keyId: string, expiresAt?: number): DashboardPrincipal => ({
  keyId,
  name: keyId,
  prefix: "aio_test",
  scopes: ["admin"],
  expiresAt,
});

describe("dashboard sessions", () => {
  it("gives each sign-in its own unguessable id and form token", () => {
    const book = new SessionBook();
    const first = book.start(principal("a"));
    const second = book.start(principal("a"));
    assert.notEqual(first.id, second.id);
    assert.notEqual(first.csrfToken, second.csrfToken);
    assert.ok(first.id.length >= 43, "256 random bits");
    assert.equal(book.get(first.id), first);
    assert.equal(book.get("not-a-session"), undefined);
    assert.equal(book.get(undefined), undefined);
    assert.ok(csrfTokenMatches(first, first.csrfToken));
    assert.ok(!csrfTokenMatches(first, second.csrfToken));
    assert.ok(!csrfTokenMatches(first, undefined));
  });

  it("ends a session left unused, one alive too long, and one whose key expires", () => {
    let now = 1_000_000;
    const book = new SessionBook({ idleMs: 1_000, maxAgeMs: 5_000, now: () => now });
    const idle = book.start(principal("idle"));
    const busy = book.start(principal("busy"));
    const shortKey = book.start(principal("short", now + 2_500));
    for (let step = 0; step < 4; step += 1) {
      now += 900;
      assert.equal(book.get(busy.id), busy, `still used at step ${step}`);
      if (step <= 1) assert.equal(book.get(shortKey.id), shortKey, `key still valid at step ${step}`);
    }
    assert.equal(book.get(idle.id), undefined, "unused for longer than idleMs");
    assert.equal(book.get(shortKey.id), undefined, "its key expired");
    now += 900;
    assert.equal(book.get(busy.id), busy);
    now += 900;
    assert.equal(book.get(busy.id), undefined, "older than maxAgeMs, used or not");
  });

  it("ends every session of a revoked key, and one signed out, and keeps at most its capacity", () => {
    const book = new SessionBook({ capacity: 2 });
    const a1 = book.start(principal("a"));
    const a2 = book.start(principal("a"));
    book.endForKey("a");
    assert.equal(book.get(a1.id), undefined);
    assert.equal(book.alive(a2), false);
    const b = book.start(principal("b"));
    book.end(b.id);
    assert.equal(book.get(b.id), undefined);
    const c = book.start(principal("c"));
    const d = book.start(principal("d"));
    book.get(c.id);
    const e = book.start(principal("e"));
    assert.equal(book.get(d.id), undefined, "the least recently used went first");
    assert.equal(book.get(c.id), c);
    assert.equal(book.get(e.id), e);
  });
});
