// `files …`: upload local files to providers through the registry (SHA-256 dedup), and list, show,
// verify, sync, delete and recover what the hub keeps there. Every command first resolves uploads an
// earlier process left unfinished.
import type { Command } from "commander";
import type { FileService, StoredContent } from "../files/file-service.ts";
import { createFileService } from "../files/hub-files.ts";
import { megabytes, uploadSummary } from "../files/upload.ts";
import { createHub } from "../hub/hub.ts";
import { createLogger } from "../observability/logger.ts";
import { cliContext, print, printJson } from "./context.ts";
import { cliActor, withStore } from "./store-context.ts";

interface JsonOption {
  json?: boolean;
}

export function registerFilesCommands(program: Command): void {
  const files = program
    .command("files")
    .description("files across providers: one registry, deduplicated by SHA-256");

  files
    .command("upload")
    .description("upload files to providers; content a provider already holds is not sent again")
    .argument("<path...>", "files to upload")
    .requiredOption("--to <providers>", "comma-separated provider ids, e.g. moonshot,google")
    .option("--purpose <purpose>", "for providers that take one (moonshot: file-extract, zai: agent, …)")
    .option("--pin", "never delete these files' copies for age (files sync)")
    .option("--json", "print per provider the sha256, remote id and whether it was a dedup hit")
    .action(
      async (
        paths: string[],
        options: { to: string; purpose?: string; pin?: boolean } & JsonOption,
        command: Command,
      ) => {
        await withFiles(command, async (service, actor) => {
          const bar = options.json ? undefined : progressBar();
          const results = await service
            .upload({
              paths,
              providers: options.to
                .split(",")
                .map((provider) => provider.trim())
                .filter(Boolean),
              purpose: options.purpose,
              pin: options.pin ?? false,
              actor,
              onProgress: bar,
            })
            .finally(() => bar?.done());
          if (options.json) {
            printJson(results.map((result) => ({ path: result.path, ...uploadSummary(result) })));
            return;
          }
          for (const result of results) {
            print(
              `${result.sha256.slice(0, 12)}  ${result.provider.padEnd(10)} ${result.remoteId}  ${result.dedup ? "dedup hit (nothing sent)" : "uploaded"}  ${result.filename}`,
            );
          }
        });
      },
    );

  files
    .command("list")
    .description("each content with its sha256 and where it lives")
    .option("--json", "print JSON")
    .action(async (options: JsonOption, command: Command) => {
      await withFiles(command, async (service) => {
        const contents = await service.list();
        if (options.json) return printJson(contents);
        if (contents.length === 0) return print("no files yet: `files upload <path> --to <provider>`");
        for (const content of contents) print(contentLine(content));
      });
    });

  files
    .command("show")
    .description("one content and every copy of it")
    .argument("<sha256>", "the sha256 or a prefix of it (at least 6 characters)")
    .option("--json", "print JSON")
    .action(async (reference: string, options: JsonOption, command: Command) => {
      await withFiles(command, async (service) => {
        const content = await service.show(reference);
        if (options.json) return printJson(content);
        print(
          `${content.sha256}  ${content.filename}  ${megabytes(content.bytes)}  ${content.mimeType}${content.pinned ? "  pinned" : ""}`,
        );
        for (const copy of content.copies) {
          const expires =
            copy.expiresAt === undefined ? "" : `  expires ${new Date(copy.expiresAt).toISOString()}`;
          print(
            `  ${copy.provider.padEnd(10)} ${copy.remoteId}  ${copy.status}${copy.purpose ? `  ${copy.purpose}` : ""}${expires}`,
          );
        }
      });
    });

  files
    .command("verify")
    .description("ask each provider whether its copies still exist with the right size")
    .option("--provider <id>", "only this provider")
    .option("--json", "print JSON")
    .action(async (options: { provider?: string } & JsonOption, command: Command) => {
      await withFiles(command, async (service, actor) => {
        const checks = await service.verify({ actor, provider: options.provider });
        if (options.json) printJson(checks);
        else {
          for (const check of checks) {
            if (check.error) print(`${check.provider}: could not list its files: ${check.error}`);
            else {
              const bad = check.copies.filter((copy) => copy.status !== "active");
              print(
                `${check.provider}: ${check.copies.length - bad.length} of ${check.copies.length} copies OK`,
              );
              for (const copy of bad)
                print(`  ${copy.status}: ${copy.remoteId} (${copy.sha256.slice(0, 12)})`);
            }
          }
          if (checks.length === 0) print("no copies to verify");
        }
        if (checks.some((check) => check.error || check.copies.some((copy) => copy.status !== "active")))
          process.exitCode = 1;
      });
    });

  files
    .command("sync")
    .description("reconcile with each provider's listing: gone, past retention, orphans")
    .option("--provider <id>", "only this provider")
    .option("--json", "print JSON")
    .action(async (options: { provider?: string } & JsonOption, command: Command) => {
      await withFiles(command, async (service, actor) => {
        const report = await service.sync({ actor, provider: options.provider });
        // A provider whose listing failed was not reconciled: not a success.
        if (report.providers.some((check) => check.error)) process.exitCode = 1;
        if (options.json) return printJson(report);
        for (const check of report.providers) {
          if (check.error) print(`${check.provider}: could not list its files: ${check.error}`);
          for (const copy of check.copies.filter((copy) => copy.was !== undefined)) {
            print(`${copy.provider}: ${copy.remoteId} is ${copy.status}`);
          }
        }
        for (const copy of report.deleted)
          print(`${copy.provider}: deleted ${copy.remoteId} (past retention)`);
        for (const copy of report.adopted)
          print(`${copy.provider}: adopted ${copy.remoteId} (${copy.sha256.slice(0, 12)})`);
        for (const orphan of report.orphans) {
          print(
            `${orphan.provider}: orphan ${orphan.remoteId} ${orphan.filename ?? ""}${orphan.ours ? " (named by this hub, registry lost it)" : " (not created by this hub: left alone)"}`,
          );
        }
        print(
          `synced ${report.providers.length} provider(s): ${report.deleted.length} deleted, ${report.adopted.length} adopted, ${report.orphans.length} orphan(s)`,
        );
      });
    });

  files
    .command("rm")
    .description("delete a content's remote copies")
    .argument("<sha256>", "the sha256 or a prefix of it (at least 6 characters)")
    .option("--provider <id>", "only the copy on this provider")
    .option("--json", "print JSON")
    .action(async (reference: string, options: { provider?: string } & JsonOption, command: Command) => {
      await withFiles(command, async (service, actor) => {
        const deleted = await service.remove(reference, { actor, provider: options.provider });
        if (options.json) return printJson(deleted);
        for (const copy of deleted) print(`deleted ${copy.remoteId} on ${copy.provider}`);
      });
    });

  files
    .command("recover")
    .description("resolve uploads an interrupted process left unfinished (retries after 1, 2, 4, 8, 16 s)")
    .option("--json", "print JSON")
    .action(async (options: JsonOption, command: Command) => {
      await withFiles(
        command,
        async (service, actor) => {
          const outcomes = await service.recover({ actor, retry: true });
          if (options.json) printJson(outcomes);
          else {
            for (const outcome of outcomes) {
              print(
                `${outcome.provider}: ${outcome.sha256.slice(0, 12)} ${outcome.resolution}${outcome.remoteId ? ` ${outcome.remoteId}` : ""}${outcome.error ? `: ${outcome.error}` : ""}`,
              );
            }
            print(`${outcomes.length} interrupted upload(s) resolved`);
          }
          if (outcomes.some((outcome) => outcome.resolution === "failed")) process.exitCode = 1;
        },
        { recoverFirst: false },
      );
    });
}

/** Builds the hub's file service for one command, resolving leftovers first, and closes it after. */
async function withFiles(
  command: Command,
  run: (service: FileService, actor: string) => Promise<void>,
  options: { recoverFirst: boolean } = { recoverFirst: true },
): Promise<void> {
  const context = cliContext(command);
  const { config } = context.config();
  const logger = createLogger({ level: process.env.AI_ORCHESTRATOR_LOG_LEVEL ? undefined : "error" });
  await withStore(context, async (store) => {
    const hub = createHub({ config, paths: context.paths, logger });
    const actor = cliActor();
    try {
      const service = createFileService({ hub, store });
      if (options.recoverFirst) {
        const outcomes = await service.recover({ actor, retry: false });
        const failed = outcomes.filter((outcome) => outcome.resolution === "failed").length;
        if (failed > 0)
          process.stderr.write(
            `warning: ${failed} interrupted upload(s) could not be resolved yet; run \`ai-orchestrator files recover\`\n`,
          );
      }
      await run(service, actor);
    } finally {
      await hub.close();
    }
  });
}

function contentLine(content: StoredContent): string {
  const where = content.copies
    .filter((copy) => copy.status !== "deleted")
    .map((copy) => (copy.status === "active" ? copy.provider : `${copy.provider} (${copy.status})`));
  return `${content.sha256.slice(0, 12)}  ${content.filename.padEnd(24)} ${megabytes(content.bytes).padStart(8)}  ${where.length > 0 ? where.join(", ") : "nowhere"}`;
}

/** A one-line progress bar on a terminal for files of 8 MB and more; nothing when stderr is not a terminal. */
function progressBar(): ((event: {
  path: string;
  phase: string;
  provider?: string;
  done: number;
  total: number;
}) => void) & { done(): void } {
  const terminal = process.stderr.isTTY === true;
  let shown = false;
  let lastDraw = 0;
  const update = (event: {
    path: string;
    phase: string;
    provider?: string;
    done: number;
    total: number;
  }): void => {
    if (!terminal || event.total < 8 * 1024 * 1024) return;
    const now = Date.now();
    if (now - lastDraw < 100 && event.done < event.total) return;
    lastDraw = now;
    const width = 30;
    const filled = Math.round((event.done / event.total) * width);
    const label = event.phase === "hashing" ? "hashing" : `→ ${event.provider}`;
    process.stderr.write(
      `\r\x1b[2K${event.path} ${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.floor((event.done / event.total) * 100)}% of ${megabytes(event.total)}`,
    );
    shown = true;
  };
  return Object.assign(update, {
    done() {
      if (shown) process.stderr.write("\r\x1b[2K");
    },
  });
}
