// Fallback across providers for chat: try each provider of the chain in order, each through its own
// policy; an open circuit or a full bulkhead moves on at once. Every move is recorded, with the
// reason, in the result and told to `onFallback` (which the resilience layer logs and counts).
import { isAppError } from "../errors.ts";
import { isProviderError } from "../providers/errors.ts";
import {
  type FallbackAttempt,
  FallbackExhaustedError,
  failedAfterDelivery,
  isResilienceError,
} from "./errors.ts";
import type { ExecuteOptions, ProviderPolicy } from "./policy.ts";
import type { CallContext } from "./timeouts.ts";

export interface FallbackResult<T> {
  value: T;
  /** The provider that answered. */
  provider: string;
  /** Its position in the chain (a chain may name one provider twice, with different models). */
  index: number;
  /** The providers given up on before it, in order, and why; empty when the first one answered. */
  fallbacks: FallbackAttempt[];
}

export interface FallbackOptions extends ExecuteOptions {
  /** Told of each move to the next provider, e.g. to log it. */
  onFallback?: (attempt: FallbackAttempt, next: string) => void;
  /**
   * Work a provider's call needs first that makes its own calls to that provider through the policy
   * (uploading a file the call attaches): run before the call takes its slot, so the two never wait
   * on each other. Failing counts as that provider failing: the next one is tried.
   */
  prepare?: (provider: string, index: number) => Promise<void>;
}

/**
 * Tries `call` on each provider of `chain` in order and returns the first answer. Throws at once,
 * without trying the next provider, for errors another provider would not fix (a malformed request,
 * the caller's abort, a bug); throws FallbackExhaustedError when every provider of a longer chain
 * failed, and the provider's own error when the chain has only one.
 */
export async function executeWithFallback<T>(
  chain: readonly ProviderPolicy[],
  call: (provider: string, context: CallContext, index: number) => Promise<T>,
  options: FallbackOptions = {},
): Promise<FallbackResult<T>> {
  if (chain.length === 0) throw new Error("executeWithFallback needs at least one provider");
  const fallbacks: FallbackAttempt[] = [];
  let lastError: unknown;
  for (const [index, policy] of chain.entries()) {
    try {
      // Awaited only when there is one: `await undefined` would still cost every call a turn of the loop.
      if (options.prepare !== undefined) await options.prepare(policy.provider, index);
      const value = await policy.execute((context) => call(policy.provider, context, index), options);
      return { value, provider: policy.provider, index, fallbacks };
    } catch (error) {
      if (options.signal?.aborted || !worthFallingBack(error)) throw error;
      lastError = error;
      const attempt = describeAttempt(policy.provider, error);
      fallbacks.push(attempt);
      const next = chain[index + 1];
      if (next) options.onFallback?.(attempt, next.provider);
    }
  }
  // A chain of one provider has nothing to report beyond that provider's own error.
  if (fallbacks.length === 1) throw lastError;
  throw new FallbackExhaustedError(fallbacks, lastError);
}

// A request the provider called malformed, or a model it does not have (a typo in the model name),
// is the caller's mistake: another provider would hide it behind an answer from a model nobody
// asked for. Anything we do not recognise is a bug to surface, not to hide behind another provider.
function worthFallingBack(error: unknown): boolean {
  if (failedAfterDelivery(error)) return false;
  if (isProviderError(error)) return error.kind !== "invalid_request" && error.kind !== "not_found";
  return isResilienceError(error) || isAppError(error);
}

function describeAttempt(provider: string, error: unknown): FallbackAttempt {
  if (isProviderError(error) || isResilienceError(error)) {
    return { provider, kind: error.kind, message: error.message, retryAfterMs: error.retryAfterMs };
  }
  if (isAppError(error)) return { provider, kind: error.kind, message: error.message };
  return { provider, kind: "unknown", message: error instanceof Error ? error.message : String(error) };
}
