// The composition root: every long-lived part of a hub (provider clients and their pools, the
// resilience layer, the logger, the metrics registry, the chat service over them) is built here once
// and passed down, so a test can build a second hub in the same process and `close()` releases
// everything that was opened.
import { AuditTrail } from "../audit/audit-trail.ts";
import { type HubKeys, startHubKeys } from "../auth/hub-keys.ts";
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { redisUrl, storeUrl } from "../config/shared-state.ts";
import type { FileService } from "../files/file-service.ts";
import { createFileService } from "../files/hub-files.ts";
import { type ChatService, createChatService } from "../gateway/chat-service.ts";
import { createUpstreams, type Upstreams } from "../gateway/forward.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { createMetrics, type Metrics } from "../observability/metrics.ts";
import { createTraffic, type Traffic } from "../observability/traffic.ts";
import { createResilience, type Resilience } from "../resilience/resilience.ts";
import { openStore, type Store } from "../store/store.ts";
import { createProviderClients, type ProviderClients } from "./provider-clients.ts";

export interface HubOptions {
  config: Config;
  paths: Paths;
  logger?: Logger;
  /** The opened store and the hub keys over it (`openHub` opens the configured ones); closed with the hub. */
  store?: Store;
  keys?: HubKeys;
}

export interface Hub {
  readonly config: Config;
  readonly paths: Paths;
  readonly logger: Logger;
  /** This hub's own registry and metric families; another hub in the process counts apart. */
  readonly metrics: Metrics;
  /** The recent requests and per-provider numbers the dashboard shows; the server records into it. */
  readonly traffic: Traffic;
  readonly resilience: Resilience;
  readonly providers: ProviderClients;
  /** One chat turn over a route, with fallback and attachments: what `ask`, HTTP and MCP call. */
  readonly chat: ChatService;
  /** The gateway's passthrough pools, one per provider endpoint. */
  readonly upstreams: Upstreams;
  /** The store the hub was given (keys, threads, audit), if any. */
  readonly store: Store | undefined;
  /** Hub keys over the store: authenticate, authorize, rate limits; present when the store is. */
  readonly keys: HubKeys | undefined;
  /** Files across providers (registry, dedup, verify, sync, recovery); present when the store is. */
  readonly files: FileService | undefined;
  /** Closes what the hub opened, in reverse order of dependence. */
  close(): Promise<void>;
}

export function createHub(options: HubOptions): Hub {
  const { config, paths } = options;
  const logger = options.logger ?? createLogger();
  const metrics = createMetrics();
  const resilience = createResilience({ config, paths, logger, metrics });
  const providers = createProviderClients(config, paths);
  const { store, keys } = options;
  const files =
    store === undefined
      ? undefined
      : createFileService({ hub: { config, providers, resilience, metrics, logger }, store });
  // A chat's files go through the same registry as `files upload`: one copy per content and provider.
  const chat = createChatService({ config, resilience, providers, files });
  const upstreams = createUpstreams(config, paths);
  return {
    config,
    paths,
    logger,
    metrics,
    traffic: createTraffic(),
    resilience,
    providers,
    chat,
    upstreams,
    store,
    keys,
    files,
    async close() {
      await keys?.close();
      await store?.close();
      await upstreams.close();
      await providers.close();
      await resilience.close();
    },
  };
}

/** A hub with the configured store opened (SQLite under the home, or PostgreSQL): what `serve` runs. */
export async function openHub(options: Omit<HubOptions, "store">): Promise<Hub> {
  const logger = options.logger ?? createLogger();
  const store = await openStore({
    url: storeUrl(options.config, options.paths),
    paths: options.paths,
    logger,
  });
  try {
    const keys = await startHubKeys({
      store,
      audit: new AuditTrail({ log: store.audit }),
      logger,
      redisUrl: redisUrl(options.config),
      redisKeyPrefix: options.config.resilience.redisKeyPrefix,
    });
    return createHub({ ...options, logger, store, keys });
  } catch (error) {
    await store.close();
    throw error;
  }
}
