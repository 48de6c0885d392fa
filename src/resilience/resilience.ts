// The resilience layer of one process: a breaker store chosen by config, and one policy per provider
// built lazily from `providers.<id>.policy`. Commands and the hub create one and close it at exit.
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { DEFAULT_POLICY, type PolicyConfig } from "../config/schema/resilience.ts";
import { missingBreakerRedis, redisUrl } from "../config/shared-state.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import { logger as processLogger } from "../observability/logger.ts";
import { createMetrics, type Metrics } from "../observability/metrics.ts";
import { resolveProvider } from "../providers/registry.ts";
import { openDatabase } from "../store/database.ts";
import { type BreakerStore, MemoryBreakerStore, SqliteBreakerStore } from "./breaker-store.ts";
import { executeWithFallback, type FallbackOptions, type FallbackResult } from "./fallback.ts";
import { createProviderPolicy, type PolicyStatus, type ProviderPolicy } from "./policy.ts";
import { RedisBreakerStore } from "./redis-breaker-store.ts";
import type { CallContext } from "./timeouts.ts";

export interface ResilienceOptions {
  config: Config;
  paths: Pick<Paths, "databaseFile">;
  logger?: Logger;
  /** The hub's metrics; a one-shot command that serves none may leave them out. */
  metrics?: Metrics;
  now?: () => number;
  /** Use this store instead of the one config names (tests, benchmarks). */
  store?: BreakerStore;
}

export interface Resilience {
  readonly store: BreakerStore;
  /** The provider's policy; throws AppError for an unknown provider. */
  policy(provider: string): ProviderPolicy;
  /** The provider followed by its `resilience.fallbacks` entry. */
  chain(provider: string): string[];
  /** executeWithFallback over `chain(provider)`. */
  executeWithFallback<T>(
    provider: string,
    call: (provider: string, context: CallContext) => Promise<T>,
    options?: FallbackOptions,
  ): Promise<FallbackResult<T>>;
  /** executeWithFallback over the given providers, in order (a route's targets). */
  executeChain<T>(
    providers: readonly string[],
    call: (provider: string, context: CallContext, index: number) => Promise<T>,
    options?: FallbackOptions,
  ): Promise<FallbackResult<T>>;
  status(provider: string): PolicyStatus;
  /** See ProviderPolicy.reportFailure. */
  reportFailure(provider: string, error: unknown): void;
  /** Closes the provider's circuit in every process sharing the store. */
  reset(provider: string): Promise<void>;
  /** See BreakerStore.ready. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The breaker store `resilience.store` names: sqlite (default) at paths.databaseFile, memory, or redis
 * (the Redis replicas share: see config/shared-state.ts redisUrl).
 */
export function openBreakerStore(
  config: Config,
  paths: Pick<Paths, "databaseFile">,
  logger: Logger,
  metrics: Metrics,
  now: () => number = Date.now,
): BreakerStore {
  const settings = config.resilience;
  if (settings.store === "memory") return new MemoryBreakerStore(now);
  if (settings.store === "redis") {
    const url = redisUrl(config);
    if (url === undefined) throw new AppError("config", `resilience.store ${missingBreakerRedis(config)}`);
    return new RedisBreakerStore({
      url,
      keyPrefix: settings.redisKeyPrefix,
      logger,
      now,
      onHealthChange: (up) => metrics.resilience.sharedStoreUp.set(up ? 1 : 0),
    });
  }
  const database = openDatabase(paths.databaseFile);
  return new SqliteBreakerStore(
    database,
    now,
    () => database.close(),
    (error) =>
      logger.warn(
        { database: paths.databaseFile, error: error instanceof Error ? error.message : String(error) },
        "breaker state cannot be read or saved: circuit breakers run on this process's state until it can",
      ),
  );
}

export function policyConfigFor(config: Config, provider: string): PolicyConfig {
  return config.providers[provider]?.policy ?? DEFAULT_POLICY;
}

export function createResilience(options: ResilienceOptions): Resilience {
  const { config } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? processLogger();
  const metrics = options.metrics ?? createMetrics();
  const store = options.store ?? openBreakerStore(config, options.paths, logger, metrics, now);
  const policies = new Map<string, ProviderPolicy>();

  const policy = (provider: string): ProviderPolicy => {
    const existing = policies.get(provider);
    if (existing) return existing;
    resolveProvider(config, provider);
    const policyConfig = policyConfigFor(config, provider);
    const gate = store.gate(provider, policyConfig.breaker, {
      probeLeaseMs: policyConfig.timeouts.firstByteMs + policyConfig.timeouts.idleMs,
    });
    gate.onTransition((from, to) => {
      const failure = gate.snapshot().lastFailure;
      const line = {
        provider,
        from,
        to,
        lastError: failure ? `${failure.kind}: ${failure.message}` : undefined,
      };
      if (to === "open") logger.warn(line, `circuit of ${provider} opened`);
      else logger.info(line, `circuit of ${provider} is ${to}`);
    });
    const created = createProviderPolicy({ provider, config: policyConfig, gate, now, metrics });
    policies.set(provider, created);
    return created;
  };

  const chain = (provider: string): string[] => [provider, ...(config.resilience.fallbacks[provider] ?? [])];

  const executeChain = <T>(
    providers: readonly string[],
    call: (provider: string, context: CallContext, index: number) => Promise<T>,
    fallbackOptions: FallbackOptions = {},
  ): Promise<FallbackResult<T>> =>
    executeWithFallback(
      providers.map((id) => policy(id)),
      call,
      {
        ...fallbackOptions,
        onFallback: (attempt, next) => {
          metrics.resilience.fallbacks.inc({ from: attempt.provider, to: next, reason: attempt.kind });
          logger.info(
            { from: attempt.provider, to: next, reason: attempt.kind },
            `falling back from ${attempt.provider} to ${next}: ${attempt.message}`,
          );
          fallbackOptions.onFallback?.(attempt, next);
        },
      },
    );

  return {
    store,
    policy,
    chain,
    executeWithFallback: (provider, call, fallbackOptions) =>
      executeChain(chain(provider), call, fallbackOptions),
    executeChain,
    status: (provider) => policy(provider).status(),
    reportFailure: (provider, error) => policy(provider).reportFailure(error),
    reset: (provider) => policy(provider).reset(),
    ready: (timeoutMs) => store.ready(timeoutMs),
    close: () => store.close(),
  };
}
