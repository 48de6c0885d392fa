// A world for the files tests: the four simulated providers (with a clock the test can move), a home
// whose config points at them, the real CLI to run against it, and views of what each provider holds
// and of the registry, journal and audit trail the CLI wrote.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { stringify } from "yaml";
import { AuditTrail } from "../../src/audit/audit-trail.ts";
import { resolvePaths } from "../../src/config/paths.ts";
import { configSchema } from "../../src/config/schema/index.ts";
import { PROVIDER_APIS, type ProviderApi } from "../../src/config/schema/providers.ts";
import { journalIdOf } from "../../src/files/remote-name.ts";
import { createHub, type Hub } from "../../src/hub/hub.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { createProviderClient } from "../../src/providers/clients.ts";
import { PROVIDER_DEFINITIONS } from "../../src/providers/definitions.ts";
import type { FileRecord } from "../../src/providers/files.ts";
import { resolveProvider } from "../../src/providers/registry.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { homeEnv } from "../cli/home-env.ts";
import { BIN, type CliResult, runCli, temporaryHome } from "../support/cli.ts";

export const KEY = "sk-files-test-key-7";

export interface FilesWorld {
  simulators: Simulators;
  /** Moves the simulated providers' clock (Gemini files expire 48 h after upload). */
  clock: { offsetMs: number };
  close(): Promise<void>;
}

export async function startWorld(): Promise<FilesWorld> {
  const clock = { offsetMs: 0 };
  const simulators = await startSimulators({
    keys: Object.fromEntries(PROVIDER_APIS.map((api) => [api, [KEY]])),
    now: () => Date.now() + clock.offsetMs,
  });
  return { simulators, clock, close: () => simulators.close() };
}

export interface Home {
  dir: string;
  env: NodeJS.ProcessEnv;
  cli(args: readonly string[], extraEnv?: NodeJS.ProcessEnv): Promise<CliResult>;
}

/**
 * A fresh home whose config points every provider at the simulators (plus `nofiles`, which has no
 * Files API); its store is orchestrator.db, or the PostgreSQL schema `storeUrl` names.
 */
export function newHome(t: TestContext, world: FilesWorld, storeUrl?: string): Home {
  const dir = temporaryHome(t);
  writeFileSync(join(dir, "config.yaml"), stringify(configFor(world)));
  const keys = Object.fromEntries(
    PROVIDER_APIS.map((api) => [PROVIDER_DEFINITIONS[api].credentialEnv[0] ?? "", KEY]),
  );
  const env = homeEnv(dir, storeUrl === undefined ? keys : { ...keys, AI_ORCHESTRATOR_STORE_URL: storeUrl });
  return {
    dir,
    env,
    cli: (args, extraEnv = {}) => runCli(args, { env: { ...env, ...extraEnv } }),
  };
}

function configFor(world: FilesWorld): Record<string, unknown> {
  const providers: Record<string, unknown> = Object.fromEntries(
    PROVIDER_APIS.map((api) => [api, { baseUrl: world.simulators.endpoints[api].baseUrl }]),
  );
  providers.nofiles = {
    extends: "moonshot",
    baseUrl: world.simulators.endpoints.moonshot.baseUrl,
    apiKeyEnv: "MOONSHOT_API_KEY",
    filesApi: false,
  };
  return { providers };
}

/** The files a provider holds now, through the real client. */
export async function remoteFiles(world: FilesWorld, api: ProviderApi): Promise<FileRecord[]> {
  const config = configSchema.parse(configFor(world));
  const client = createProviderClient(resolveProvider(config, api), KEY);
  try {
    return await client.files.list();
  } finally {
    await client.close();
  }
}

/** Remote files named by the hub (carrying a journal id) whose original name matches. */
export async function ourRemoteFiles(
  world: FilesWorld,
  api: ProviderApi,
  filename: string | RegExp,
): Promise<FileRecord[]> {
  return (await remoteFiles(world, api)).filter((file) => {
    if (journalIdOf(file.filename) === undefined || file.filename === undefined) return false;
    const original = file.filename.slice("aio-".length + 21);
    return typeof filename === "string" ? original === filename : filename.test(original);
  });
}

/** Uploads the simulators received (multipart POSTs and Gemini's resumable starts). */
export function uploadRequests(world: FilesWorld, api?: ProviderApi): number {
  return (
    world.simulators
      .requests()
      .filter((request) => api === undefined || request.provider === api)
      // Gemini's chunk requests go to the session URL (upload_id=…): only the start counts.
      .filter((request) => request.method === "POST" && /\/files(\?|$)/.test(request.path))
      .filter((request) => !request.path.includes("upload_id=")).length
  );
}

/** The registry, journal and audit trail of a home, read directly. */
export async function openHomeStore(home: Home) {
  const store = await openStore({
    url: home.env.AI_ORCHESTRATOR_STORE_URL || undefined,
    paths: { databaseFile: join(home.dir, "orchestrator.db") },
    logger: createLogger({ level: "silent" }),
  });
  return {
    registry: store.files,
    journal: store.fileJournal,
    audit: new AuditTrail({ log: store.audit }),
    close: () => store.close(),
  };
}

export interface Running {
  /** Resolves with stderr once it contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  kill9(): Promise<void>;
  done: Promise<CliResult>;
}

/** Starts the CLI in the background, for tests that kill it. */
export function startCli(
  home: Pick<Home, "env">,
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...home.env, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    for (const listener of listeners) listener();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    done,
    waitFor(text, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (stderr.includes(text)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`the CLI did not print "${text}" within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        listeners.add(check);
        done.then(() => {
          if (!stderr.includes(text)) {
            clearTimeout(timer);
            reject(new Error(`the CLI ended without printing "${text}"; stderr: ${stderr}`));
          }
        });
        check();
      });
    },
    async kill9() {
      child.kill("SIGKILL");
      await done;
    },
  };
}

/**
 * A hub and its store in this process, in a fresh home, with every provider pointed at the
 * simulators (each keyed with KEY); `providers` adds config per provider (a policy, say). Closed
 * when the test ends.
 */
export async function inProcessHub(
  t: TestContext,
  world: FilesWorld,
  providers: Record<string, Record<string, unknown>> = {},
): Promise<{ hub: Hub; store: Store; dir: string }> {
  for (const api of PROVIDER_APIS) process.env[PROVIDER_DEFINITIONS[api].credentialEnv[0] ?? ""] = KEY;
  const dir = temporaryHome(t);
  const paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: dir } });
  const config = configSchema.parse({
    providers: Object.fromEntries(
      PROVIDER_APIS.map((api) => [
        api,
        { baseUrl: world.simulators.endpoints[api].baseUrl, ...providers[api] },
      ]),
    ),
  });
  const logger = createLogger({ level: "silent" });
  const hub = createHub({ config, paths, logger });
  const store = await openStore({ paths, logger });
  t.after(async () => {
    await hub.close();
    await store.close();
  });
  return { hub, store, dir };
}
