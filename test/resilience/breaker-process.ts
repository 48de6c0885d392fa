// A separate process holding one provider's policy, driven by its parent over IPC: the parent says
// "call, and the provider answers ok/fails", the child answers with what its caller saw. Lets the
// tests run several real processes against one SQLite file or one Redis.

import { policySchema } from "../../src/config/schema/resilience.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { ProviderError } from "../../src/providers/errors.ts";
import { type BreakerStore, SqliteBreakerStore } from "../../src/resilience/breaker-store.ts";
import { createProviderPolicy } from "../../src/resilience/policy.ts";
import { RedisBreakerStore } from "../../src/resilience/redis-breaker-store.ts";
import { openDatabase } from "../../src/store/database.ts";

export interface WorkerOptions {
  provider: string;
  store: { kind: "sqlite"; file: string } | { kind: "redis"; url: string; keyPrefix: string };
  policy: Record<string, unknown>;
  probeLeaseMs?: number;
}

export type WorkerRequest =
  | { id: number; op: "call"; provider: "ok" | "fail"; delayMs?: number }
  | { id: number; op: "status" }
  | { id: number; op: "reset" };

export interface WorkerReply {
  id: number;
  /** ok: the call ran and succeeded; failed: it ran and failed; rejected: the policy refused it. */
  outcome?: "ok" | "failed" | "rejected";
  /** Whether the provider function was actually invoked. */
  invoked?: boolean;
  message?: string;
  breaker: string;
  sharing: string;
  retryAfterMs: number | undefined;
}

const options: WorkerOptions = JSON.parse(process.argv[2] ?? "{}");
const logger = createLogger({ level: "info" });
let store: BreakerStore;
if (options.store.kind === "sqlite") {
  const database = openDatabase(options.store.file);
  store = new SqliteBreakerStore(database, Date.now, () => database.close());
} else {
  store = new RedisBreakerStore({ url: options.store.url, keyPrefix: options.store.keyPrefix, logger });
}
const config = policySchema.parse(options.policy);
const gate = store.gate(options.provider, config.breaker, {
  probeLeaseMs: options.probeLeaseMs ?? 1_000,
});
const policy = createProviderPolicy({ provider: options.provider, config, gate });

function reply(message: Omit<WorkerReply, "breaker" | "sharing" | "retryAfterMs">): void {
  const status = policy.status();
  process.send?.({
    ...message,
    breaker: status.breaker,
    sharing: status.sharing,
    retryAfterMs: status.retryAfterMs,
  });
}

process.on("message", (request: WorkerRequest) => {
  if (request.op === "status") {
    reply({ id: request.id });
    return;
  }
  if (request.op === "reset") {
    void policy.reset().then(() => reply({ id: request.id }));
    return;
  }
  let invoked = false;
  policy
    .execute(async () => {
      invoked = true;
      if (request.delayMs) await new Promise((resolve) => setTimeout(resolve, request.delayMs));
      if (request.provider === "fail") {
        throw new ProviderError({
          kind: "overloaded",
          provider: options.provider,
          status: 529,
          message: "overloaded",
        });
      }
      return "answer";
    })
    .then(
      () => reply({ id: request.id, outcome: "ok", invoked }),
      (error: unknown) =>
        reply({
          id: request.id,
          outcome: invoked ? "failed" : "rejected",
          invoked,
          message: error instanceof Error ? error.message : String(error),
        }),
    );
});
process.on("disconnect", () => {
  void store.close().then(() => process.exit(0));
});
process.send?.({
  id: 0,
  breaker: policy.status().breaker,
  sharing: policy.status().sharing,
  retryAfterMs: undefined,
});
