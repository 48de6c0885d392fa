// `keys create | list | revoke`: the hub keys clients present. A key is printed once, at creation,
// and stored only as a hash; lists show its public prefix.
import type { Command } from "commander";
import { AuditTrail } from "../audit/audit-trail.ts";
import { parseDuration } from "../auth/duration.ts";
import { type CreatedKey, HubKeys } from "../auth/hub-keys.ts";
import { createdKeyJson, isoOrNull, keyInfoJson, keyStatus } from "../auth/key-json.ts";
import { checkProviderIds } from "../auth/provider-access.ts";
import { DEFAULT_SCOPES, parseScopes, SCOPES } from "../auth/scopes.ts";
import { AppError } from "../errors.ts";
import { logger } from "../observability/logger.ts";
import { providerIds } from "../providers/registry.ts";
import type { Store } from "../store/store.ts";
import { type CliContext, cliContext, print, printJson } from "./context.ts";
import { formatTable } from "./modes.ts";
import { cliActor, withStore } from "./store-context.ts";

interface CreateOptions {
  name: string;
  scopes?: string;
  providers?: string;
  expires?: string;
  rpm?: string;
  json?: boolean;
}

export function registerKeyCommands(program: Command): void {
  const keys = program
    .command("keys")
    .description("hub keys: create, list and revoke the keys clients present to the hub");

  keys
    .command("create")
    .description("create a hub key and print it once (only its hash is stored)")
    .requiredOption("--name <name>", "a unique name for the key, e.g. the person or program holding it")
    .option(
      "--scopes <list>",
      `what the key may do, comma-separated: ${SCOPES.join(", ")} (default: ${DEFAULT_SCOPES.join(",")})`,
    )
    .option("--providers <list>", "only these providers, comma-separated (default: every provider)")
    .option("--expires <duration>", "expire after this long: 90m, 12h, 30d, 2w (default: never)")
    .option("--rpm <n>", "at most this many requests per minute (default: no limit of its own)")
    .option("--json", 'print {"id","name","key","prefix","scopes","providers","expiresAt"}')
    .action(async (options: CreateOptions, command: Command) => {
      const context = cliContext(command);
      const providers = options.providers === undefined ? undefined : providerList(options.providers);
      if (providers !== undefined)
        checkProviderIds(providers, providerIds(context.config().config), "--providers");
      const input = {
        name: options.name,
        scopes: options.scopes === undefined ? DEFAULT_SCOPES : parseScopes(splitList(options.scopes)),
        providers,
        ttlMs: options.expires === undefined ? undefined : parseDuration(options.expires, "--expires"),
        rpm: options.rpm === undefined ? undefined : parseRpm(options.rpm),
      };
      const created = await withHubKeys(context, (hubKeys) => hubKeys.create(input, cliActor()));
      if (options.json) printJson(createdKeyJson(created));
      else printCreated(created);
    });

  keys
    .command("list")
    .description("list hub keys by their public prefix (never the key or its hash)")
    .option("--json", "print the keys as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withHubKeys(cliContext(command), (hubKeys) => hubKeys.list());
      const now = Date.now();
      if (options.json) {
        printJson(list.map((key) => keyInfoJson(key, now)));
        return;
      }
      if (list.length === 0) {
        print("no hub keys yet: create one with `ai-orchestrator keys create --name NAME`");
        return;
      }
      const lines = formatTable([
        ["ID", "NAME", "PREFIX", "SCOPES", "PROVIDERS", "RPM", "EXPIRES", "LAST USED", "STATUS"],
        ...list.map((key) => [
          key.id,
          key.name,
          `${key.prefix}…`,
          key.scopes.join(","),
          key.providers?.join(",") ?? "all",
          key.rpm === undefined ? "-" : String(key.rpm),
          isoOrDash(key.expiresAt),
          isoOrDash(key.lastUsedAt),
          keyStatus(key, now),
        ]),
      ]);
      for (const line of lines) print(line);
    });

  keys
    .command("revoke <id-or-name>")
    .description("revoke a hub key at once, on every hub sharing this store")
    .action(async (idOrName: string, _options, command: Command) => {
      const { info, wasRevoked } = await withHubKeys(cliContext(command), (hubKeys) =>
        hubKeys.revoke(idOrName, cliActor()),
      );
      print(
        wasRevoked
          ? `hub key "${info.name}" (${info.id}, ${info.prefix}…) was already revoked at ${isoOrDash(info.revokedAt)}`
          : `revoked hub key "${info.name}" (${info.id}, ${info.prefix}…)`,
      );
    });
}

function withHubKeys<T>(context: CliContext, work: (hubKeys: HubKeys) => Promise<T>): Promise<T> {
  return withStore(context, (store: Store) =>
    work(
      new HubKeys({
        keys: store.keys,
        changes: store.keyChanges,
        audit: new AuditTrail({ log: store.audit }),
        logger: logger(),
      }),
    ),
  );
}

function printCreated(created: CreatedKey): void {
  const { info } = created;
  // The key alone on stdout, so `KEY=$(ai-orchestrator keys create --name ci)` captures just it.
  print(created.key);
  process.stderr.write(
    `created hub key "${info.name}" (${info.id}, ${info.prefix}…): scopes ${info.scopes.join(",")}, ` +
      `providers ${info.providers?.join(",") ?? "all"}, expires ${isoOrDash(info.expiresAt)}` +
      `${info.rpm === undefined ? "" : `, ${info.rpm} requests per minute`}\n` +
      "this is the only time the key is shown; keep it in a secret store\n",
  );
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function providerList(text: string): string[] {
  const providers = splitList(text);
  const bad = providers.find((provider) => !/^[a-z][a-z0-9-]{0,39}$/.test(provider));
  if (providers.length === 0 || bad !== undefined) {
    throw new AppError(
      "usage",
      `--providers "${text}" is not a list of provider ids; write e.g. --providers zai,moonshot (see \`ai-orchestrator providers\`)`,
    );
  }
  return providers;
}

function parseRpm(text: string): number {
  const rpm = Number(text);
  if (!/^\d+$/.test(text) || !(rpm > 0)) {
    throw new AppError("usage", `--rpm "${text}" is not a whole number of requests per minute above 0`);
  }
  return rpm;
}

function isoOrDash(time: number | undefined): string {
  return isoOrNull(time) ?? "never";
}
