// One client, and so one connection pool, per provider for the life of the hub: a provider that
// hangs exhausts its own pool, not the others'. Made on first use, with the provider's policy
// deadlines, and closed together when the hub closes.
import type { Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { type AnyProviderClient, createProviderClient } from "../providers/clients.ts";
import { requireCredential } from "../providers/credentials.ts";
import { resolveProvider } from "../providers/registry.ts";
import { policyConfigFor } from "../resilience/resilience.ts";

export interface ProviderClients {
  /** The provider's client; throws AppError("credential") when its key is missing. */
  client(provider: string): AnyProviderClient;
  close(): Promise<void>;
}

export function createProviderClients(config: Config, paths: Paths): ProviderClients {
  const clients = new Map<string, AnyProviderClient>();
  return {
    client(id) {
      const existing = clients.get(id);
      if (existing) return existing;
      const provider = resolveProvider(config, id);
      // The pool enforces the policy's deadlines too: connecting is only timed there, and its own
      // defaults must not cut a call the policy allows to run longer.
      const timeouts = policyConfigFor(config, id).timeouts;
      const created = createProviderClient(provider, requireCredential(provider, paths), {
        timeouts: {
          connectMs: timeouts.connectMs,
          firstByteMs: timeouts.firstByteMs,
          bodyIdleMs: timeouts.idleMs,
        },
      });
      clients.set(id, created);
      return created;
    },
    async close() {
      const closing = [...clients.values()].map((client) => client.close());
      clients.clear();
      await Promise.all(closing);
    },
  };
}
