// `audit list | verify`: read the hash-chained audit trail, and prove it was not altered.
import type { Command } from "commander";
import { type AuditRow, AuditTrail } from "../audit/audit-trail.ts";
import { AppError } from "../errors.ts";
import { cliContext, print, printJson } from "./context.ts";
import { formatTable } from "./modes.ts";
import { withStore } from "./store-context.ts";

export function registerAuditCommands(program: Command): void {
  const audit = program
    .command("audit")
    .description("the tamper-evident audit trail: key changes, file operations and recoveries");

  audit
    .command("list")
    .description("show the newest audit rows, newest first")
    .option("--limit <n>", "how many rows", "50")
    .option("--json", "print the rows as JSON, with their hashes")
    .action(async (options: { limit: string; json?: boolean }, command: Command) => {
      const limit = Number(options.limit);
      if (!/^\d+$/.test(options.limit) || limit < 1) {
        throw new AppError("usage", `--limit "${options.limit}" is not a whole number above 0`);
      }
      const rows = await withStore(cliContext(command), (store) =>
        new AuditTrail({ log: store.audit }).list({ limit }),
      );
      if (options.json) {
        printJson(rows.map((row) => ({ ...row, at: new Date(row.at).toISOString() })));
        return;
      }
      if (rows.length === 0) {
        print("the audit trail is empty");
        return;
      }
      for (const line of formatTable([
        ["SEQ", "AT", "ACTOR", "ACTION", "SUBJECT", "OUTCOME", "DETAILS"],
        ...rows.map(describeRow),
      ]))
        print(line);
    });

  audit
    .command("verify")
    .description("walk the whole chain and name the first row that does not match (exit 1)")
    .action(async (_options, command: Command) => {
      const verdict = await withStore(cliContext(command), (store) =>
        new AuditTrail({ log: store.audit }).verify(),
      );
      if (!verdict.ok) {
        throw new AppError(
          "conflict",
          `the audit trail was altered at row ${verdict.seq}: ${verdict.problem} (${verdict.rows} rows before it verify)`,
        );
      }
      print(`audit trail verified: ${verdict.rows} rows, head ${verdict.head.slice(0, 16)}`);
    });
}

function describeRow(row: AuditRow): string[] {
  return [
    String(row.seq),
    new Date(row.at).toISOString(),
    row.actor,
    row.action,
    row.subject,
    row.outcome,
    JSON.stringify(row.details),
  ];
}
