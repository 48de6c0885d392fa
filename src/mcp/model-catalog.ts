// What each provider offers, for the `listmodels` tool: its own models endpoint, asked at most once
// every few minutes per process (concurrent askers share one call), plus the configured aliases and
// the provider's breaker state. A provider without a key or failing to answer is listed with why.
import { allowsProvider, type ProviderAccess } from "../auth/provider-access.ts";
import type { Config } from "../config/schema/index.ts";
import { isOrchestratorError } from "../errors.ts";
import type { ProviderClients } from "../hub/provider-clients.ts";
import type { ModelInfo } from "../providers/models.ts";
import { providerIds } from "../providers/registry.ts";
import type { Resilience } from "../resilience/resilience.ts";

const CACHE_MS = 10 * 60 * 1000;
const LIST_TIMEOUT_MS = 15_000;

export interface ProviderModels {
  provider: string;
  /** closed, open or half-open. */
  breaker: string;
  models: string[];
  /** Why `models` is empty: no key, or the endpoint failed. */
  error?: string;
}

export interface ModelCatalogEntry {
  providers: ProviderModels[];
  aliases: Record<string, { target: string; fallbacks?: string[] }>;
}

export interface ModelCatalog {
  /** Every provider, or only those a hub key may use (the others are not asked). */
  list(signal?: AbortSignal, access?: ProviderAccess): Promise<ModelCatalogEntry>;
}

interface Cached {
  at: number;
  models: Promise<ModelInfo[]>;
}

export function createModelCatalog(
  parts: { config: Config; providers: ProviderClients; resilience: Pick<Resilience, "status"> },
  now: () => number = Date.now,
): ModelCatalog {
  const cache = new Map<string, Cached>();

  const modelsOf = (provider: string): Promise<ModelInfo[]> => {
    const cached = cache.get(provider);
    if (cached && now() - cached.at < CACHE_MS) return cached.models;
    const models = Promise.resolve().then(() =>
      parts.providers.client(provider).listModels({ signal: AbortSignal.timeout(LIST_TIMEOUT_MS) }),
    );
    cache.set(provider, { at: now(), models });
    // A failure is not remembered: the next call asks again.
    models.catch(() => cache.delete(provider));
    return models;
  };

  return {
    async list(_signal, access) {
      const reachable = providerIds(parts.config).filter((provider) => allowsProvider(access, provider));
      const providers = await Promise.all(
        reachable.map(async (provider): Promise<ProviderModels> => {
          const breaker = parts.resilience.status(provider).breaker;
          try {
            const models = await modelsOf(provider);
            return { provider, breaker, models: models.map((model) => model.id) };
          } catch (error) {
            const reason =
              isOrchestratorError(error) || error instanceof Error ? error.message : String(error);
            return { provider, breaker, models: [], error: reason };
          }
        }),
      );
      const aliases = Object.fromEntries(
        Object.entries(parts.config.gateway.models).map(([alias, entry]) => [
          alias,
          { target: entry.target, ...(entry.fallbacks ? { fallbacks: entry.fallbacks } : {}) },
        ]),
      );
      return { providers, aliases };
    },
  };
}
