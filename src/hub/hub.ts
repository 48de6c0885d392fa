// The composition root: every long-lived part of a hub (provider clients and their pools, the
// resilience layer, the logger, the metrics registry, the chat service over them) is built here once
// and passed down, so a test can build a second hub in the same process and `close()` releases
// everything that was opened.
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { type ChatService, createChatService } from "../gateway/chat-service.ts";
import { createUpstreams, type Upstreams } from "../gateway/forward.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { createMetrics, type Metrics } from "../observability/metrics.ts";
import { createResilience, type Resilience } from "../resilience/resilience.ts";
import { createProviderClients, type ProviderClients } from "./provider-clients.ts";

export interface HubOptions {
  config: Config;
  paths: Paths;
  logger?: Logger;
}

export interface Hub {
  readonly config: Config;
  readonly paths: Paths;
  readonly logger: Logger;
  /** This hub's own registry and metric families; another hub in the process counts apart. */
  readonly metrics: Metrics;
  readonly resilience: Resilience;
  readonly providers: ProviderClients;
  /** One chat turn over a route, with fallback and attachments: what `ask`, HTTP and MCP call. */
  readonly chat: ChatService;
  /** The gateway's passthrough pools, one per provider endpoint. */
  readonly upstreams: Upstreams;
  /** Closes what the hub opened, in reverse order of dependence. */
  close(): Promise<void>;
}

export function createHub(options: HubOptions): Hub {
  const { config, paths } = options;
  const logger = options.logger ?? createLogger();
  const metrics = createMetrics();
  const resilience = createResilience({ config, paths, logger, metrics });
  const providers = createProviderClients(config, paths);
  const chat = createChatService({ config, resilience, providers });
  const upstreams = createUpstreams(config, paths);
  return {
    config,
    paths,
    logger,
    metrics,
    resilience,
    providers,
    chat,
    upstreams,
    async close() {
      await upstreams.close();
      await providers.close();
      await resilience.close();
    },
  };
}
