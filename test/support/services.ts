// Gating for tests that need a service (Docker, Redis, bubblewrap…): on a person's machine they
// skip with the reason shown; under CI (CI=true), where .ci/run must provide the service, they fail.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";

export const underCi = process.env.CI === "true" || process.env.CI === "1";

/** Returns true when the service is there; otherwise skips (or, under CI, fails) the test. */
export function requireService(
  t: TestContext,
  service: string,
  unavailableReason: string | undefined,
): boolean {
  if (unavailableReason === undefined) return true;
  if (underCi) assert.fail(`${service} is required under CI but is unavailable: ${unavailableReason}`);
  t.skip(`${service} unavailable: ${unavailableReason}`);
  return false;
}
