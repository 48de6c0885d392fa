// Per-attempt deadlines: the first byte must come within firstByteMs of the start (connecting
// included), then every chunk within idleMs of the previous one. cockatiel's timeout() is one fixed
// deadline, which cannot express "silent for too long" on a stream, hence this small watchdog.
import type { PolicyConfig } from "../config/schema/resilience.ts";
import { ProviderError } from "../providers/errors.ts";
import { formatSeconds, markFailedAfterDelivery } from "./errors.ts";

export type TimeoutSettings = PolicyConfig["timeouts"];

/** What one attempt of a call receives from the policy. */
export interface CallContext {
  provider: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when a deadline passes or the caller gives up: pass it to the HTTP request. */
  signal: AbortSignal;
  /** The policy's timeouts, for the client's own transport (connectMs is enforced by the connection pool). */
  timeouts: TimeoutSettings;
  /** Call when the first byte arrives and on every chunk after it: each call restarts the idle deadline. */
  progress(): void;
  /**
   * Call once part of the answer has reached the user (text printed, bytes sent on): a failure after
   * this is neither retried nor handed to a fallback provider, which would repeat that part.
   */
  delivered(): void;
}

/**
 * Runs one attempt under the deadlines. Rejects with a ProviderError of kind "timeout" when one
 * passes, even if `call` ignores the abort signal (the late result is then dropped).
 */
export function runWithTimeouts<T>(
  provider: string,
  attempt: number,
  timeouts: TimeoutSettings,
  callerSignal: AbortSignal | undefined,
  call: (context: CallContext) => Promise<T>,
): Promise<T> {
  if (callerSignal?.aborted) return Promise.reject(callerSignal.reason);
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let receiving = false;
    let settled = false;
    let delivered = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      if (delivered) markFailedAfterDelivery(error);
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
      controller.abort(error);
      reject(error);
    };
    const onDeadline = (): void => {
      fail(
        new ProviderError({
          kind: "timeout",
          provider,
          message: receiving
            ? `${provider} went silent for ${formatSeconds(timeouts.idleMs)} in the middle of its answer (idleMs)`
            : `${provider} did not start answering within ${formatSeconds(timeouts.firstByteMs)} (firstByteMs)`,
        }),
      );
    };
    // One timer per attempt: progress() only notes the time, and the timer, set for the earlier of the
    // two deadlines, checks when it fires whether the one that applies has passed, and if not waits for
    // the rest. Every request sets one timer instead of one per deadline, and a chunk reads the clock
    // instead of moving a timer (never late: the first check comes no later than either deadline).
    const started = performance.now();
    let lastProgress = started;
    const check = (): void => {
      if (settled) return;
      const deadline = receiving ? lastProgress + timeouts.idleMs : started + timeouts.firstByteMs;
      const remaining = deadline - performance.now();
      if (remaining <= 0) onDeadline();
      else timer = setTimeout(check, Math.ceil(remaining));
    };
    let timer = setTimeout(check, Math.min(timeouts.firstByteMs, timeouts.idleMs));
    const onCallerAbort = (): void => fail(callerSignal?.reason);
    callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
    const context: CallContext = {
      provider,
      attempt,
      signal: controller.signal,
      timeouts,
      progress() {
        if (settled) return;
        receiving = true;
        lastProgress = performance.now();
      },
      delivered() {
        delivered = true;
      },
    };
    let promise: Promise<T>;
    try {
      promise = call(context);
    } catch (error) {
      fail(error);
      return;
    }
    promise.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        callerSignal?.removeEventListener("abort", onCallerAbort);
        resolve(value);
      },
      (error: unknown) => fail(error),
    );
  });
}
