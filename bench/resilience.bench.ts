// Resilience policies: (1) the policy stack's overhead per call while the circuit is closed, (2) the
// fail-fast time while it is open, (3) cascade prevention: the p99 latency of chats to a healthy
// provider under concurrent load, with and without another provider hanging under heavy load.
// `npm run bench -- resilience`
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { configSchema } from "../src/config/schema/index.ts";
import { policySchema } from "../src/config/schema/resilience.ts";
import { collectChatStream } from "../src/providers/chat.ts";
import { createProviderClient } from "../src/providers/clients.ts";
import { ProviderError } from "../src/providers/errors.ts";
import { resolveProvider } from "../src/providers/registry.ts";
import { MemoryBreakerStore, SqliteBreakerStore } from "../src/resilience/breaker-store.ts";
import { createProviderPolicy, type ProviderPolicy } from "../src/resilience/policy.ts";
import type { CallContext } from "../src/resilience/timeouts.ts";
import { openDatabase } from "../src/store/database.ts";

const line = (text = "") => process.stdout.write(`${text}\n`);

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

// ---- 1 and 2: per-call cost of the stack, closed and open --------------------------------------

const CALLS = 100_000;
const ROUNDS = 7;

async function timePerCall(run: () => Promise<unknown>): Promise<number> {
  for (let index = 0; index < 10_000; index += 1) await run();
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const start = performance.now();
    for (let index = 0; index < CALLS; index += 1) await run();
    samples.push(((performance.now() - start) * 1000) / CALLS);
  }
  return median(samples);
}

function policyOn(
  store: "memory" | "sqlite",
  provider: string,
  overrides: Record<string, unknown> = {},
): ProviderPolicy {
  const config = policySchema.parse(overrides);
  const breakerStore =
    store === "memory" ? new MemoryBreakerStore() : new SqliteBreakerStore(openDatabase(":memory:"));
  return createProviderPolicy({
    provider,
    config,
    gate: breakerStore.gate(provider, config.breaker, { probeLeaseMs: 1_000 }),
  });
}

async function overhead(): Promise<void> {
  line("### Per-call cost of the policy stack (in-process call that resolves at once)");
  line();
  const answer = async () => "answer";
  const bare = await timePerCall(() => answer());
  line(`| case | µs per call (median of ${ROUNDS} × ${CALLS.toLocaleString("en")}) | over the bare call |`);
  line("|---|---|---|");
  line(`| bare \`await call()\` | ${bare.toFixed(2)} | – |`);
  for (const store of ["memory", "sqlite"] as const) {
    const policy = policyOn(store, `bench-${store}`);
    const closed = await timePerCall(() => policy.execute(answer));
    line(
      `| closed, ${store} store: timeout → retry → breaker → bulkhead | ${closed.toFixed(2)} | ${(closed - bare).toFixed(2)} |`,
    );
  }
  const open = policyOn("memory", "bench-open", {
    retry: { maxAttempts: 1 },
    breaker: { consecutiveFailures: 1, openMs: 3_600_000, maxOpenMs: 3_600_000 },
  });
  await open
    .execute(() =>
      Promise.reject(new ProviderError({ kind: "overloaded", provider: "bench-open", message: "down" })),
    )
    .catch(() => {});
  if (open.state() !== "open") throw new Error("the benchmark's breaker did not open");
  const failFast = await timePerCall(() => open.execute(answer).catch((error: unknown) => error));
  line(
    `| open: fail fast with CircuitOpenError | ${failFast.toFixed(2)} | ${(failFast - bare).toFixed(2)} |`,
  );
  line();
}

// ---- 3: cascade prevention -------------------------------------------------------------------------

const HEALTHY_USERS = 16;
const HEALTHY_CALLS = 4_000;
const HANGING_USERS = 64;
const PHASES = 8;

interface SimulatorProcess {
  child: ChildProcess;
  baseUrls: Record<string, string>;
}

/** The simulators in their own process (so their work does not count as ours), zai hanging on every request. */
async function startSimulatorProcess(): Promise<SimulatorProcess> {
  const bin = join(import.meta.dirname, "..", "bin", "ai-orchestrator.js");
  const child = spawn(
    process.execPath,
    [bin, "simulate", "--provider", "zai", "moonshot", "--fault", "zai:hang"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const baseUrls: Record<string, string> = {};
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  for await (const text of lines) {
    const endpoint: { provider: string; baseUrl: string } = JSON.parse(text);
    baseUrls[endpoint.provider] = endpoint.baseUrl;
    if (Object.keys(baseUrls).length === 2) break;
  }
  return { child, baseUrls };
}

async function cascade(): Promise<void> {
  const simulators = await startSimulatorProcess();
  const config = configSchema.parse({
    providers: {
      zai: { baseUrl: simulators.baseUrls.zai },
      moonshot: { baseUrl: simulators.baseUrls.moonshot },
    },
  });
  const clients = {
    zai: createProviderClient(resolveProvider(config, "zai"), "sk-bench"),
    moonshot: createProviderClient(resolveProvider(config, "moonshot"), "sk-bench"),
  };
  const chat = (provider: "zai" | "moonshot") => (context: CallContext) =>
    collectChatStream(
      provider,
      "model",
      clients[provider].streamChat({
        model: provider === "zai" ? "glm-4.6" : "kimi-k2-turbo-preview",
        messages: [{ role: "user", content: "Say hello." }],
        signal: context.signal,
      }),
      () => context.progress(),
    );
  const moonshot = policyOn("memory", "moonshot");
  // Defaults but a short first-byte deadline, so that the hang is detected within the run.
  const zai = policyOn("memory", "zai", { timeouts: { firstByteMs: 1_000 }, breaker: { openMs: 2_000 } });

  const healthyRun = async (): Promise<number[]> => {
    const latencies: number[] = [];
    let remaining = HEALTHY_CALLS;
    await Promise.all(
      Array.from({ length: HEALTHY_USERS }, async () => {
        while (remaining > 0) {
          remaining -= 1;
          const start = performance.now();
          await moonshot.execute(chat("moonshot"));
          latencies.push(performance.now() - start);
        }
      }),
    );
    return latencies;
  };

  let hanging = false;
  const zaiOutcomes = new Map<string, number>();
  // Callers of the hanging provider keep coming; one whose call failed comes back 100 ms later, as an
  // impatient client would: hundreds of refused calls a second once the circuit is open.
  const hangingLoad = Array.from({ length: HANGING_USERS }, async () => {
    while (true) {
      while (!hanging) await sleep(20);
      const kind = await zai.execute(chat("zai")).then(
        () => "ok",
        (error: unknown) => (error instanceof Error && "kind" in error ? String(error.kind) : "other"),
      );
      zaiOutcomes.set(kind, (zaiOutcomes.get(kind) ?? 0) + 1);
      await sleep(100);
    }
  });
  void hangingLoad;

  await healthyRun(); // warm-up: connections, JIT
  const baseline: number[] = [];
  const underHang: number[] = [];
  const baselineAll: number[] = [];
  const hangAll: number[] = [];
  for (let phase = 0; phase < PHASES; phase += 1) {
    hanging = false;
    await sleep(200);
    const quiet = await healthyRun();
    baseline.push(percentile(quiet, 0.99));
    baselineAll.push(...quiet);
    hanging = true;
    await sleep(1_500); // the zai callers fill its bulkhead; the breaker opens after 5 timeouts
    const loud = await healthyRun();
    underHang.push(percentile(loud, 0.99));
    hangAll.push(...loud);
  }
  hanging = false;

  line("### Cascade prevention: Moonshot chats while Z.ai hangs");
  line();
  line(
    `${HEALTHY_USERS} concurrent callers make ${HEALTHY_CALLS.toLocaleString("en")} streamed chats to the Moonshot simulator; in the "Z.ai hanging" phases, ${HANGING_USERS} more callers hammer the Z.ai simulator, which never answers (fault \`hang\`). Phases alternate ${PHASES} times; the simulators run in their own process.`,
  );
  line();
  line("| phase | p50 ms | p99 ms (all phases pooled) | p99 ms of each phase |");
  line("|---|---|---|---|");
  const row = (name: string, all: number[], phases: number[]) =>
    line(
      `| ${name} | ${percentile(all, 0.5).toFixed(2)} | ${percentile(all, 0.99).toFixed(2)} | ${phases.map((value) => value.toFixed(2)).join(", ")} |`,
    );
  row("Moonshot alone", baselineAll, baseline);
  row("Moonshot while Z.ai hangs", hangAll, underHang);
  const change =
    ((percentile(hangAll, 0.99) - percentile(baselineAll, 0.99)) / percentile(baselineAll, 0.99)) * 100;
  line();
  line(`p99 change: ${change >= 0 ? "+" : ""}${change.toFixed(1)} % (goal: within 10 %).`);

  line(
    `Z.ai calls meanwhile, by outcome: ${[...zaiOutcomes.entries()].map(([kind, count]) => `${kind} ${count}`).join(", ")}; its breaker ended ${zai.state()}.`,
  );
  line();

  await Promise.all([clients.zai.close(), clients.moonshot.close()]);
  simulators.child.kill("SIGTERM");
  await once(simulators.child, "exit");
}

await overhead();
if (!process.argv.includes("--overhead-only")) await cascade();
process.exit(0);
