// The breaker's state machine under a fake clock: what a caller notices is whether calls go out,
// and for how long they are refused.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { policySchema } from "../../src/config/schema/resilience.ts";
import {
  type Admission,
  type BreakerSettings,
  CircuitBreaker,
  type Outcome,
} from "../../src/resilience/breaker.ts";

const overloaded: Outcome = {
  type: "failure",
  failure: { kind: "overloaded", message: "Z.ai is overloaded", status: 529, at: 0 },
  retryAfterMs: undefined,
};
const success: Outcome = { type: "success" };

function settings(overrides: Partial<BreakerSettings>): BreakerSettings {
  return policySchema.parse({ breaker: overrides }).breaker;
}

function fakeClock(start = 1_700_000_000_000) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

function call(breaker: CircuitBreaker, outcome: Outcome): Admission {
  const admission = breaker.admit();
  if (admission.admitted) breaker.record(admission, outcome);
  return admission;
}

describe("consecutive-failure mode", () => {
  test("opens after the threshold of failures in a row, and refuses calls until open-until", () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker(
      settings({ consecutiveFailures: 3, failureRate: 0, openMs: 30_000 }),
      clock.read,
    );
    call(breaker, overloaded);
    call(breaker, overloaded);
    assert.equal(breaker.state(), "closed");
    call(breaker, overloaded);
    assert.equal(breaker.state(), "open");
    assert.equal(breaker.snapshot().openUntil, clock.now + 30_000);

    clock.now += 29_000;
    const refused = breaker.admit();
    assert.equal(refused.admitted, false);
    assert.equal(refused.admitted === false && refused.retryAfterMs, 1_000);
    assert.equal(refused.admitted === false && refused.lastFailure?.status, 529);
  });

  test("a success in between starts the count again (the old breaker never did)", () => {
    const breaker = new CircuitBreaker(
      settings({ consecutiveFailures: 3, failureRate: 0 }),
      fakeClock().read,
    );
    for (let round = 0; round < 5; round += 1) {
      call(breaker, overloaded);
      call(breaker, overloaded);
      call(breaker, success);
    }
    assert.equal(breaker.state(), "closed");
  });

  test("errors that are the caller's fault never open the circuit", () => {
    const breaker = new CircuitBreaker(
      settings({ consecutiveFailures: 2, failureRate: 0 }),
      fakeClock().read,
    );
    const invalid: Outcome = {
      type: "neutral",
      failure: { kind: "invalid_request", message: "bad model", status: 400, at: 0 },
    };
    for (let index = 0; index < 10; index += 1) call(breaker, invalid);
    assert.equal(breaker.state(), "closed");
    assert.equal(breaker.snapshot().lastFailure?.kind, "invalid_request");
  });
});

describe("failure-rate mode", () => {
  test("opens when the failure share over the window reaches the threshold, once enough calls were seen", () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker(
      settings({ consecutiveFailures: 0, failureRate: 0.5, windowMs: 10_000, minimumCalls: 6 }),
      clock.read,
    );
    // Alternating: never two failures in a row, but half of all calls fail.
    call(breaker, success);
    call(breaker, overloaded);
    call(breaker, success);
    call(breaker, overloaded);
    call(breaker, success);
    assert.equal(breaker.state(), "closed", "below minimumCalls the rate is not judged");
    call(breaker, overloaded);
    assert.equal(breaker.state(), "open");
  });

  test("failures older than the window are forgotten", () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker(
      settings({ consecutiveFailures: 0, failureRate: 0.5, windowMs: 10_000, minimumCalls: 4 }),
      clock.read,
    );
    call(breaker, overloaded);
    call(breaker, overloaded);
    call(breaker, overloaded);
    clock.now += 11_000;
    call(breaker, success);
    call(breaker, success);
    call(breaker, success);
    call(breaker, overloaded);
    assert.equal(breaker.state(), "closed", "1 failure in 4 calls within the window");
  });
});

describe("half-open", () => {
  function openBreaker(overrides: Partial<BreakerSettings> = {}) {
    const clock = fakeClock();
    const breaker = new CircuitBreaker(
      settings({ consecutiveFailures: 1, failureRate: 0, openMs: 10_000, maxOpenMs: 35_000, ...overrides }),
      clock.read,
    );
    call(breaker, overloaded);
    assert.equal(breaker.state(), "open");
    return { clock, breaker };
  }

  test("lets exactly halfOpenProbes calls through once open-until has passed", () => {
    const { clock, breaker } = openBreaker({ halfOpenProbes: 2 });
    clock.now += 10_000;
    assert.equal(breaker.state(), "half-open");
    const first = breaker.admit();
    const second = breaker.admit();
    const third = breaker.admit();
    assert.deepEqual([first.admitted, second.admitted, third.admitted], [true, true, false]);
    assert.equal(third.admitted === false && third.probing, true);
  });

  test("closes when every probe succeeds", () => {
    const { clock, breaker } = openBreaker({ halfOpenProbes: 2 });
    clock.now += 10_000;
    const first = breaker.admit();
    const second = breaker.admit();
    assert.ok(first.admitted && second.admitted);
    breaker.record(first, success);
    assert.equal(breaker.state(), "half-open", "one of two probes is not enough");
    breaker.record(second, success);
    assert.equal(breaker.state(), "closed");
    assert.equal(breaker.admit().admitted, true);
  });

  test("a failed probe re-opens with a doubled open time, capped at maxOpenMs", () => {
    const { clock, breaker } = openBreaker();
    clock.now += 10_000;
    call(breaker, overloaded);
    assert.equal(breaker.state(), "open");
    assert.equal(breaker.snapshot().openUntil, clock.now + 20_000);
    clock.now += 20_000;
    call(breaker, overloaded);
    assert.equal(breaker.snapshot().openUntil, clock.now + 35_000, "40 s capped at 35 s");
  });

  test("a probe of a trial already lost neither re-opens the circuit again nor counts toward the next trial", () => {
    const { clock, breaker } = openBreaker({ halfOpenProbes: 2 });
    clock.now += 10_000;
    const first = breaker.admit();
    const second = breaker.admit();
    assert.ok(first.admitted && second.admitted);
    breaker.record(first, overloaded);
    const reopenedUntil = breaker.snapshot().openUntil;
    assert.equal(reopenedUntil, clock.now + 20_000);
    clock.now += 1_000;
    breaker.record(second, overloaded);
    assert.equal(breaker.snapshot().openUntil, reopenedUntil, "one outage, one doubling");

    const { clock: laterClock, breaker: later } = openBreaker({ halfOpenProbes: 2 });
    laterClock.now += 10_000;
    const lost = later.admit();
    const late = later.admit();
    assert.ok(lost.admitted && late.admitted);
    later.record(lost, overloaded);
    later.record(late, success);
    laterClock.now += 20_000;
    const next = later.admit();
    assert.ok(next.admitted);
    later.record(next, success);
    assert.equal(later.state(), "half-open", "the next trial still needs both of its own probes");
  });

  test("a provider's Retry-After longer than the open time keeps the circuit open that long", () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker(
      settings({ consecutiveFailures: 1, failureRate: 0, openMs: 10_000 }),
      clock.read,
    );
    call(breaker, { ...overloaded, retryAfterMs: 25_000 });
    assert.equal(breaker.snapshot().openUntil, clock.now + 25_000);
  });

  test("a probe that tells nothing (bad request) hands its slot to the next caller", () => {
    const { clock, breaker } = openBreaker();
    clock.now += 10_000;
    const probe = breaker.admit();
    assert.ok(probe.admitted);
    breaker.record(probe, { type: "neutral" });
    assert.equal(breaker.state(), "half-open");
    assert.equal(breaker.admit().admitted, true);
  });

  test("reports every transition in order", () => {
    const transitions: string[] = [];
    const clock = fakeClock();
    const breaker = new CircuitBreaker(
      settings({ consecutiveFailures: 1, failureRate: 0, openMs: 1_000 }),
      clock.read,
    );
    breaker.onTransition((from, to) => transitions.push(`${from}->${to}`));
    call(breaker, overloaded);
    clock.now += 1_000;
    call(breaker, overloaded);
    clock.now += 2_000;
    call(breaker, success);
    assert.deepEqual(transitions, [
      "closed->open",
      "open->half-open",
      "half-open->open",
      "open->half-open",
      "half-open->closed",
    ]);
  });
});

test("a snapshot restores into a new breaker with the same open-until; half-open starts a fresh trial", () => {
  const clock = fakeClock();
  const first = new CircuitBreaker(
    settings({ consecutiveFailures: 1, failureRate: 0, openMs: 10_000 }),
    clock.read,
  );
  call(first, overloaded);
  clock.now += 10_000;
  assert.ok(first.admit().admitted, "probe in flight in the first process");
  const second = new CircuitBreaker(first.settings, clock.read);
  second.restore(first.snapshot());
  assert.equal(second.state(), "half-open");
  assert.equal(second.admit().admitted, true, "the restored breaker does not inherit the old probe");
});
