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
    let timer = setTimeout(onDeadline, timeouts.firstByteMs);
    const onCallerAbort = (): void => fail(callerSignal?.reason);
    callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
    const context: CallContext = {
      provider,
      attempt,
      signal: controller.signal,
      timeouts,
      progress() {
        if (settled) return;
        if (receiving) {
          timer.refresh();
          return;
        }
        receiving = true;
        clearTimeout(timer);
        timer = setTimeout(onDeadline, timeouts.idleMs);
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
