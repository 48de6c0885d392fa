// The store's hot paths, per operation, on SQLite and PostgreSQL: a hub key check through the
// verification cache and straight from the store, a one-turn thread append, an audit append.
// `npm run bench -- store`; PostgreSQL runs when AIO_BENCH_POSTGRES_URL (or AIO_TEST_POSTGRES_URL) is set.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { AuditTrail } from "../src/audit/audit-trail.ts";
import { HubKeys } from "../src/auth/hub-keys.ts";
import { redactUrl } from "../src/config/shared-state.ts";
import { createLogger } from "../src/observability/logger.ts";
import { LOCAL_THREAD_OWNER } from "../src/store/repositories.ts";
import { openStore, type Store } from "../src/store/store.ts";

const line = (text = "") => process.stdout.write(`${text}\n`);
const logger = createLogger({ level: "silent" });
const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** µs per operation: the median of ROUNDS rounds of `count` sequential operations, after a warm-up. */
async function perOperation(count: number, run: (index: number) => Promise<unknown>): Promise<number> {
  for (let index = 0; index < Math.min(count, 200); index += 1) await run(-index - 1);
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const start = performance.now();
    for (let index = 0; index < count; index += 1) await run(round * count + index);
    samples.push(((performance.now() - start) * 1000) / count);
  }
  return median(samples);
}

interface Row {
  operation: string;
  microseconds: number;
}

async function measure(store: Store, scale: number): Promise<Row[]> {
  const audit = new AuditTrail({ log: store.audit });
  const cached = new HubKeys({ keys: store.keys, changes: store.keyChanges, audit, logger });
  const uncached = new HubKeys({ keys: store.keys, changes: store.keyChanges, audit, logger, cacheTtlMs: 0 });
  const { key } = await cached.create({ name: `bench-${randomBytes(4).toString("hex")}` }, "bench");
  const rows: Row[] = [];
  rows.push({
    operation: "key check, cached",
    microseconds: await perOperation(20_000, () => cached.authenticate(key)),
  });
  rows.push({
    operation: "key check, from the store (no cache)",
    microseconds: await perOperation(200 * scale, () => uncached.authenticate(key)),
  });
  rows.push({
    operation: "thread append (one turn)",
    microseconds: await perOperation(100 * scale, (index) =>
      store.threads.append(LOCAL_THREAD_OWNER, `bench-${index % 50}`, [
        { role: "user", content: `turn ${index}`, at: Date.now() },
      ]),
    ),
  });
  rows.push({
    operation: "audit append",
    microseconds: await perOperation(100 * scale, (index) =>
      audit.record({ actor: "bench", action: "bench.append", subject: `row-${index}`, outcome: "ok" }),
    ),
  });
  await cached.close();
  await uncached.close();
  return rows;
}

async function sqlite(): Promise<Row[]> {
  const directory = mkdtempSync(join(tmpdir(), "aio-bench-store-"));
  const file = join(directory, "orchestrator.db");
  const store = await openStore({ url: file, paths: { databaseFile: file }, logger });
  try {
    return await measure(store, 10);
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function postgresql(url: string): Promise<Row[]> {
  const schema = `aio_bench_${randomBytes(4).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin`CREATE SCHEMA ${admin(schema)}`;
  const scoped = new URL(url);
  scoped.searchParams.set("search_path", schema);
  const store = await openStore({ url: scoped.toString(), paths: { databaseFile: "" }, logger });
  try {
    return await measure(store, 5);
  } finally {
    await store.close();
    await admin`DROP SCHEMA ${admin(schema)} CASCADE`;
    await admin.end();
  }
}

const postgresUrl = process.env.AIO_BENCH_POSTGRES_URL ?? process.env.AIO_TEST_POSTGRES_URL;
line("### Store: per-operation cost (sequential, one caller)");
line();
const results: [string, Row[]][] = [["SQLite (WAL, synchronous=NORMAL)", await sqlite()]];
if (postgresUrl === undefined) {
  line("(PostgreSQL skipped: set AIO_BENCH_POSTGRES_URL=postgres://… to include it)");
} else {
  line(`PostgreSQL: ${redactUrl(postgresUrl)}`);
  results.push(["PostgreSQL (loopback, pool of 10)", await postgresql(postgresUrl)]);
}
line();
line(`| operation | ${results.map(([name]) => name).join(" | ")} |`);
line(`|---|${results.map(() => "---|").join("")}`);
for (const [index, row] of (results[0]?.[1] ?? []).entries()) {
  const cells = results.map(([, rows]) => `${(rows[index]?.microseconds ?? Number.NaN).toFixed(1)} µs`);
  line(`| ${row.operation} | ${cells.join(" | ")} |`);
}
line();
line(`(median of ${ROUNDS} rounds of sequential operations after a warm-up)`);
