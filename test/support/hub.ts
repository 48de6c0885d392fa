// A hub for tests: a throwaway home with provider keys in secrets/, config pointing every provider
// at the simulators (or at an upstream of the test's own), the real key store (SQLite in the home),
// and the Hono app — in-process for app.request() tests, or on a loopback socket.
import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Scope } from "../../src/auth/scopes.ts";
import { resolvePaths } from "../../src/config/paths.ts";
import { type Config, configSchema } from "../../src/config/schema/index.ts";
import { type Hub, openHub } from "../../src/hub/hub.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { writeSecret } from "../../src/providers/credentials.ts";
import { createServer, type HubServer } from "../../src/server/app.ts";
import { type ListeningServer, listen } from "../../src/server/listen.ts";
import type { Simulators } from "../../src/simulators/index.ts";
import { removeScratch } from "./scratch.ts";

export const PROVIDER_KEY = "sk-simulator-provider-key-0001";

export interface TestHub {
  hub: Hub;
  server: HubServer;
  home: string;
  /** Creates a hub key in the store and returns the key itself. */
  addKey(
    name: string,
    scopes: readonly Scope[],
    options?: { providers?: string[]; rpm?: number },
  ): Promise<string>;
  revokeKey(name: string): Promise<void>;
  /** In-process request (no socket). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Puts the app on a loopback port; closed with the hub. */
  listen(): Promise<ListeningServer>;
  close(): Promise<void>;
}

export interface ConfigOverrides {
  providers?: Record<string, Record<string, unknown>>;
  resilience?: Record<string, unknown>;
  [section: string]: unknown;
}

/** Every provider pointed at the simulators that are running, with `overrides` merged over. */
export function simulatorConfig(simulators: Simulators | undefined, overrides: ConfigOverrides = {}): Config {
  const providers: Record<string, Record<string, unknown>> = {};
  for (const endpoint of Object.values(simulators?.endpoints ?? {})) {
    providers[endpoint.provider] = {
      baseUrl: endpoint.baseUrl,
      ...(endpoint.anthropicBaseUrl ? { anthropicBaseUrl: endpoint.anthropicBaseUrl } : {}),
      // Fast, deterministic tests: one attempt per provider, no waiting between them.
      policy: { retry: { maxAttempts: 1 } },
    };
  }
  for (const [id, entry] of Object.entries(overrides.providers ?? {}))
    providers[id] = { ...providers[id], ...entry };
  return configSchema.parse({
    ...overrides,
    providers,
    resilience: { store: "memory", ...overrides.resilience },
  });
}

export async function startTestHub(
  t: { after(fn: () => Promise<void> | void): void },
  config: Config,
  options: { providerKeys?: boolean } = {},
): Promise<TestHub> {
  const home = mkdtempSync(join(tmpdir(), "aio-hub-test-"));
  const paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: home } });
  if (options.providerKeys !== false) {
    for (const id of Object.keys(config.providers).concat(["anthropic", "google", "zai", "moonshot"])) {
      writeSecret(paths, id, PROVIDER_KEY);
    }
  }
  const hub = await openHub({ config, paths, logger: createLogger({ level: "silent" }) });
  const server = createServer(hub);
  const listening: ListeningServer[] = [];
  const close = async (): Promise<void> => {
    for (const running of listening.splice(0)) await running.drain(0);
    await hub.close();
    removeScratch(home);
  };
  t.after(close);
  return {
    hub,
    server,
    home,
    async addKey(name, scopes, keyOptions = {}) {
      const created = await hub.keys?.create({ name, scopes, ...keyOptions }, "test");
      if (!created) throw new Error("the test hub has no key store");
      return created.key;
    },
    async revokeKey(name) {
      await hub.keys?.revoke(name, "test");
    },
    request: (path, init) => Promise.resolve(server.app.request(path, init)),
    async listen() {
      const running = await listen(server.app, { host: "127.0.0.1", port: 0 });
      listening.push(running);
      return running;
    },
    close,
  };
}

/** A field deep inside a parsed JSON answer: pick(body, "error", "type"). */
export function pick(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = Reflect.get(current, step);
  }
  return current;
}

/** The loopback origin a test's own listening server answers on. */
export function originOf(server: { address(): AddressInfo | string | null }): string {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on a TCP port");
  return `http://127.0.0.1:${address.port}`;
}
