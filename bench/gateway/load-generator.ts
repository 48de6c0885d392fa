// The gateway benchmark's load generator, in its own process so that its work never shares an
// event loop with the upstream or a gateway: closed-loop clients (each sends its next request as
// soon as the last one is answered in full) over an undici pool, one connection per client.
// Takes jobs over IPC from gateway.bench.ts and answers each with a summary.
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { type LoadJob, type LoadResult, loadJobSchema } from "./protocol.ts";

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN
  );
}

interface Phase {
  latencies: Float64Array;
  overheads: number[];
  failures: number;
  firstFailure: string | null;
  seconds: number;
}

async function runPhase(pool: Pool, job: LoadJob, count: number): Promise<Phase> {
  const phase: Phase = {
    latencies: new Float64Array(count),
    overheads: [],
    failures: 0,
    firstFailure: null,
    seconds: 0,
  };
  const path = new URL(job.url).pathname;
  const fail = (reason: string): void => {
    phase.failures += 1;
    phase.firstFailure ??= reason;
  };
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      const start = performance.now();
      try {
        const response = await pool.request({ method: "POST", path, headers: job.headers, body: job.body });
        const text = await response.body.text();
        phase.latencies[index] = performance.now() - start;
        const overhead = response.headers["x-aio-overhead-ms"];
        if (typeof overhead === "string") phase.overheads.push(Number(overhead));
        if (response.statusCode !== 200) fail(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
        else if (!text.includes(job.expect))
          fail(`answer without ${JSON.stringify(job.expect)}: ${text.slice(0, 200)}`);
      } catch (error) {
        phase.latencies[index] = performance.now() - start;
        fail(error instanceof Error ? error.message : String(error));
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: job.clients }, client));
  phase.seconds = (performance.now() - start) / 1000;
  return phase;
}

async function run(job: LoadJob): Promise<LoadResult> {
  const origin = new URL(job.url).origin;
  const pool = new Pool(origin, { connections: job.clients, pipelining: 1, keepAliveTimeout: 60_000 });
  try {
    if (job.warmup > 0) await runPhase(pool, job, job.warmup);
    const phase = await runPhase(pool, job, job.requests);
    const sorted = phase.latencies.sort();
    const overheads = Float64Array.from(phase.overheads).sort();
    return {
      requests: job.requests,
      failures: phase.failures,
      firstFailure: phase.firstFailure,
      seconds: phase.seconds,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      overheadP50Ms: overheads.length === 0 ? null : percentile(overheads, 0.5),
    };
  } finally {
    await pool.close();
  }
}

process.on("message", (message: unknown) => {
  const job = loadJobSchema.parse(message);
  run(job).then(
    (result) => process.send?.(result),
    (error: unknown) => {
      process.stderr.write(`load generator: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
});
process.on("disconnect", () => process.exit(0));
