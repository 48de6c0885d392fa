// `providers` shows each provider's circuit breaker, bulkhead and last error as the breaker store
// holds them (so a trip made by the hub, or by another replica through Redis, shows here);
// `providers reset <id>` closes a circuit by hand.
import type { Command } from "commander";
import { createLogger } from "../observability/logger.ts";
import { providerIds } from "../providers/registry.ts";
import { describeFailure, formatSeconds } from "../resilience/errors.ts";
import type { PolicyStatus } from "../resilience/policy.ts";
import { providerStatusJson } from "../resilience/provider-status.ts";
import { createResilience, type Resilience } from "../resilience/resilience.ts";
import { type CliContext, cliContext, print, printJson } from "./context.ts";

/** How long a one-shot command waits for a shared store (Redis) before showing local state. */
const STORE_WAIT_MS = 1_500;

export function registerProvidersCommands(program: Command): void {
  const providers = program
    .command("providers")
    .description("show each provider's circuit breaker, bulkhead use and last error")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      await withResilience(cliContext(command), async (resilience, ids, shared) => {
        const statuses = ids.map((id) => resilience.status(id));
        if (options.json) {
          printJson(statuses.map(providerStatusJson));
          return;
        }
        if (!shared) {
          process.stderr.write(
            `ai-orchestrator: the breaker store (${resilience.store.kind}) is unreachable; showing this process's view only\n`,
          );
        }
        printTable(statuses, Date.now());
      });
    });

  providers
    .command("reset")
    .description("close a provider's circuit and forget its failures, in every process sharing the state")
    .argument("<id>", "provider id")
    .action(async (id: string, _options, command: Command) => {
      await withResilience(cliContext(command), async (resilience) => {
        const before = resilience.status(id).breaker;
        await resilience.reset(id);
        print(`${id}: circuit closed (was ${before}); failures forgotten`);
      });
    });
}

async function withResilience(
  context: CliContext,
  run: (resilience: Resilience, ids: string[], shared: boolean) => Promise<void>,
): Promise<void> {
  const { config } = context.config();
  // The note printed below says it in one line; the store's JSON warning would only repeat it.
  const resilience = createResilience({
    config,
    paths: context.paths,
    logger: createLogger({ level: "error" }),
  });
  try {
    const ids = providerIds(config);
    for (const id of ids) resilience.policy(id);
    const shared = await resilience.ready(STORE_WAIT_MS);
    await run(resilience, ids, shared);
  } finally {
    await resilience.close();
  }
}

function printTable(statuses: readonly PolicyStatus[], now: number): void {
  const rows = statuses.map((status) => [
    status.provider,
    status.breaker === "open" && status.retryAfterMs !== undefined
      ? `open (${formatSeconds(status.retryAfterMs)} more)`
      : status.breaker,
    `${status.bulkhead.inFlight}/${status.bulkhead.maxConcurrent} running, ${status.bulkhead.queued}/${status.bulkhead.maxQueue} queued`,
    status.lastFailure
      ? `${describeFailure(status.lastFailure)} (${formatSeconds(Math.max(0, now - status.lastFailure.at))} ago)`
      : "-",
  ]);
  const header = ["PROVIDER", "BREAKER", "BULKHEAD (this process)", "LAST ERROR"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  for (const row of [header, ...rows]) {
    print(
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join("  ")
        .trimEnd(),
    );
  }
}
