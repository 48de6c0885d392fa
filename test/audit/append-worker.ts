// A separate process appending to the audit trail of a store: `node append-worker.ts URL COUNT NAME`.
// Started several at once by concurrent-append.test.ts, so the chain is built by real processes racing.
import { AuditTrail } from "../../src/audit/audit-trail.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { openStore } from "../../src/store/store.ts";

const [url = "", count = "0", name = "worker"] = process.argv.slice(2);
const store = await openStore({
  url,
  paths: { databaseFile: url },
  logger: createLogger({ level: "silent" }),
});
const trail = new AuditTrail({ log: store.audit });
try {
  await Promise.all(
    Array.from({ length: Number(count) }, (_, index) =>
      trail.record({
        actor: `process:${name}`,
        action: "test.append",
        subject: `${name}-${index}`,
        outcome: "ok",
      }),
    ),
  );
} finally {
  await store.close();
}
