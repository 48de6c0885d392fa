// Progress notifications for a long tool call, sent only when the client asked for them (a
// progressToken in the request), at most one a second, and never failing the call they report on.
import type { ServerContext } from "@modelcontextprotocol/server";

export interface Progress {
  /** Reports that work went on; `force` sends even within the second since the last one. */
  report(message: string, force?: boolean): void;
}

const MIN_INTERVAL_MS = 1000;

export function progressOf(context: ServerContext, now: () => number = Date.now): Progress {
  const token = context.mcpReq._meta?.progressToken;
  if (token === undefined) return { report() {} };
  let sent = 0;
  let last = Number.NEGATIVE_INFINITY;
  return {
    report(message, force = false) {
      const at = now();
      if (!force && at - last < MIN_INTERVAL_MS) return;
      last = at;
      sent += 1;
      context.mcpReq
        .notify({
          method: "notifications/progress",
          params: { progressToken: token, progress: sent, message },
        })
        // A client gone away cannot be told; the call's own answer or cancellation settles it.
        .catch(() => {});
    },
  };
}
