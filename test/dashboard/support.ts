// A hub with its dashboard for tests: simulators for every provider, a throwaway home, the traffic
// record, and the dashboard mounted at /ui on a loopback socket.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { resolvePaths } from "../../src/config/paths.ts";
import { configSchema } from "../../src/config/schema/index.ts";
import { PROVIDER_APIS } from "../../src/config/schema/providers.ts";
import { createDashboard, type Dashboard } from "../../src/dashboard/dashboard.ts";
import type {
  DashboardKeys,
  DashboardPrincipal,
  KeyView,
  NewKeyRequest,
} from "../../src/dashboard/sources.ts";
import { AppError } from "../../src/errors.ts";
import { createHub, type Hub } from "../../src/hub/hub.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { createTraffic, type Traffic } from "../../src/observability/traffic.ts";
import { writeSecret } from "../../src/providers/credentials.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";

/** TEMPORARY until the store lands: hub keys held in memory, hashed. */
export class MemoryDashboardKeys implements DashboardKeys {
  readonly scopes = ["chat", "files", "mcp", "metrics", "admin", "dashboard"];
  readonly #records = new Map<string, KeyView & { hash: string }>();

  async authenticate(presented: string): Promise<DashboardPrincipal> {
    const hash = createHash("sha256").update(presented).digest("hex");
    const record = [...this.#records.values()].find((entry) => entry.hash === hash);
    if (record === undefined || record.revokedAt !== undefined) {
      throw new AppError(
        "unauthenticated",
        "unknown hub key; check the key, or create one with `ai-orchestrator keys create`",
      );
    }
    record.lastUsedAt = Date.now();
    return {
      keyId: record.id,
      name: record.name,
      prefix: record.prefix,
      scopes: record.scopes,
      expiresAt: record.expiresAt,
    };
  }
  async list(): Promise<KeyView[]> {
    return [...this.#records.values()].map(({ hash: _hash, ...view }) => view);
  }
  async find(id: string): Promise<KeyView> {
    const record = this.#records.get(id);
    if (record === undefined) throw new AppError("not_found", `no hub key ${id}`);
    return record;
  }
  async create(request: NewKeyRequest, _actor: string): Promise<{ info: KeyView; key: string }> {
    if (
      [...this.#records.values()].some(
        (entry) => entry.name === request.name && entry.revokedAt === undefined,
      )
    ) {
      throw new AppError("conflict", `a hub key named "${request.name}" already exists`);
    }
    const key = `aio_${randomBytes(24).toString("base64url")}`;
    const info: KeyView = {
      id: `key_${randomBytes(4).toString("hex")}`,
      name: request.name,
      kind: "key",
      prefix: key.slice(0, 12),
      scopes: request.scopes,
      providers: request.providers,
      rpm: request.rpm,
      createdAt: Date.now(),
      expiresAt: request.ttlMs === undefined ? undefined : Date.now() + request.ttlMs,
      revokedAt: undefined,
      lastUsedAt: undefined,
    };
    this.#records.set(info.id, { ...info, hash: createHash("sha256").update(key).digest("hex") });
    return { info, key };
  }
  async revoke(id: string): Promise<void> {
    const record = this.#records.get(id);
    if (record) record.revokedAt = Date.now();
  }
}

export interface DashboardWorld {
  hub: Hub;
  simulators: Simulators;
  traffic: Traffic;
  dashboard: Dashboard;
  keys: MemoryDashboardKeys;
  /** http://127.0.0.1:PORT */
  origin: string;
  close(): Promise<void>;
}

export async function startDashboardWorld(
  options: { liveIntervalMs?: number } = {},
): Promise<DashboardWorld> {
  const simulators = await startSimulators();
  const home = mkdtempSync(join(tmpdir(), "aio-dashboard-"));
  const paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: home } });
  for (const api of PROVIDER_APIS) writeSecret(paths, api, `sk-${api}-dashboard-test`);
  const config = configSchema.parse({
    providers: Object.fromEntries(
      PROVIDER_APIS.map((api) => [
        api,
        {
          baseUrl: simulators.endpoints[api].baseUrl,
          policy: {
            retry: { maxAttempts: 1 },
            breaker: { consecutiveFailures: 2, openMs: 1_000, maxOpenMs: 1_000 },
          },
        },
      ]),
    ),
    resilience: { store: "memory", fallbacks: { zai: ["moonshot"] } },
  });
  const logger = createLogger({ level: "silent" });
  const hub = createHub({ config, paths, logger });
  const traffic = createTraffic();
  const keys = new MemoryDashboardKeys();
  const dashboard = createDashboard({
    config,
    resilience: hub.resilience,
    traffic,
    keys,
    logger,
    liveIntervalMs: options.liveIntervalMs ?? 250,
  });
  const app = new Hono();
  app.route("/ui", dashboard.app);
  const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the test server has no port");
  return {
    hub,
    simulators,
    traffic,
    dashboard,
    keys,
    origin: `http://127.0.0.1:${address.port}`,
    async close() {
      if ("closeAllConnections" in server) server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await hub.close();
      await simulators.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
