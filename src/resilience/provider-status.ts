// Each provider's circuit, bulkhead and last error as JSON: what `providers --json` prints and
// `GET /v1/providers` serves, built in one place so the two never differ.

import type { Config } from "../config/schema/index.ts";
import { providerIds } from "../providers/registry.ts";
import type { PolicyStatus } from "./policy.ts";
import type { Resilience } from "./resilience.ts";

export function providerStatusesJson(config: Config, resilience: Resilience): Record<string, unknown>[] {
  return providerIds(config).map((id) => providerStatusJson(resilience.status(id)));
}

export function providerStatusJson(status: PolicyStatus): Record<string, unknown> {
  return {
    provider: status.provider,
    breaker: status.breaker,
    retryAfterMs: status.retryAfterMs ?? null,
    consecutiveFailures: status.consecutiveFailures,
    lastError: status.lastFailure
      ? {
          kind: status.lastFailure.kind,
          status: status.lastFailure.status ?? null,
          message: status.lastFailure.message,
          at: new Date(status.lastFailure.at).toISOString(),
        }
      : null,
    bulkhead: status.bulkhead,
    sharing: status.sharing,
  };
}
