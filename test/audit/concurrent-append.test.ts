// Several real processes append to one audit trail at once — on one SQLite file, and on one
// PostgreSQL schema — and the chain they leave verifies, with every row there exactly once.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { AuditTrail } from "../../src/audit/audit-trail.ts";
import { storeOn } from "../store/conformance.ts";
import { temporaryHome } from "../support/cli.ts";
import { postgresSchemaUrl } from "../support/postgres.ts";

const WORKER = join(import.meta.dirname, "append-worker.ts");
const PROCESSES = 4;
const EACH = 40;

async function appendFromProcesses(t: TestContext, url: string): Promise<void> {
  const workers = Array.from({ length: PROCESSES }, (_, index) => {
    const child = spawn(process.execPath, [WORKER, url, String(EACH), `p${index}`], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    return once(child, "exit").then(([code]) => assert.equal(code, 0, stderr));
  });
  await Promise.all(workers);
  const store = await storeOn(t, { url, raw: async () => {} });
  const trail = new AuditTrail({ log: store.audit });
  const verdict = await trail.verify();
  assert.equal(verdict.ok, true, JSON.stringify(verdict));
  assert.equal(verdict.rows, PROCESSES * EACH);
  const subjects = new Set((await trail.list({ limit: PROCESSES * EACH })).map((row) => row.subject));
  assert.equal(subjects.size, PROCESSES * EACH, "every append is there once");
}

test(`${PROCESSES} processes appending to one SQLite file leave one chain that verifies`, async (t) => {
  await appendFromProcesses(t, join(temporaryHome(t), "orchestrator.db"));
});

test(`${PROCESSES} processes appending to one PostgreSQL store leave one chain that verifies`, async (t) => {
  const url = await postgresSchemaUrl(t);
  if (url === undefined) return;
  await appendFromProcesses(t, url);
});
