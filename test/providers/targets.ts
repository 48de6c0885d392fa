// Runs one contract suite against every provider twice: against the project's simulators, and
// against the live API when AIO_LIVE_<PROVIDER>_API_KEY is set (otherwise the live half is skipped
// with the reason shown; that is expected in CI).
import { after, before, describe, it } from "node:test";
import { configSchema } from "../../src/config/schema/index.ts";
import { PROVIDER_APIS, type ProviderApi } from "../../src/config/schema/providers.ts";
import {
  type AnyProviderClient,
  type CreateProviderClientOptions,
  createProviderClient,
} from "../../src/providers/clients.ts";
import { PROVIDER_DEFINITIONS } from "../../src/providers/definitions.ts";
import { resolveProvider } from "../../src/providers/registry.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";

export const SIMULATOR_KEY = "sk-simulator-test-key-0001";

export function liveKeyVariable(api: ProviderApi): string {
  return `AIO_LIVE_${api.toUpperCase()}_API_KEY`;
}

export interface Target {
  api: ProviderApi;
  kind: "simulator" | "live";
  model: string;
  baseUrl(): string;
  /** A new client, closed when the suite ends. */
  client(options?: CreateProviderClientOptions & { apiKey?: string }): AnyProviderClient;
  /** The running simulators; only for `kind: "simulator"`. */
  simulators(): Simulators;
}

export interface SuiteOptions {
  providers?: readonly ProviderApi[];
  /** Simulator clock, for expiry and processing tests. */
  now?: () => number;
}

/** Registers `describe(<api> simulator)` and `describe(<api> live)` for each provider. */
export function contractSuite(
  title: string,
  body: (target: Target) => void,
  options: SuiteOptions = {},
): void {
  describe(title, () => {
    let running: Simulators | undefined;
    const clients: AnyProviderClient[] = [];
    before(async () => {
      running = await startSimulators({
        keys: Object.fromEntries(PROVIDER_APIS.map((api) => [api, [SIMULATOR_KEY]])),
        ...(options.now ? { now: options.now } : {}),
      });
    });
    after(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await running?.close();
    });
    const simulators = (): Simulators => {
      if (!running) throw new Error("simulators are not running");
      return running;
    };

    for (const api of options.providers ?? PROVIDER_APIS) {
      const makeTarget = (kind: Target["kind"], key: string, baseUrl: () => string): Target => ({
        api,
        kind,
        model:
          (kind === "live" ? process.env[`AIO_LIVE_${api.toUpperCase()}_MODEL`] : undefined) ??
          PROVIDER_DEFINITIONS[api].models.main,
        baseUrl,
        simulators,
        client(clientOptions = {}) {
          const { apiKey, ...rest } = clientOptions;
          const config = configSchema.parse({ providers: { [api]: { baseUrl: baseUrl() } } });
          const client = createProviderClient(resolveProvider(config, api), apiKey ?? key, rest);
          clients.push(client);
          return client;
        },
      });
      describe(`${api} simulator`, () => {
        body(makeTarget("simulator", SIMULATOR_KEY, () => simulators().endpoints[api].baseUrl));
      });
      describe(`${api} live`, () => {
        const key = process.env[liveKeyVariable(api)];
        if (!key) {
          it("live API skipped: no key", (t) => {
            t.skip(`live API skipped: no key (set ${liveKeyVariable(api)} to run it)`);
          });
          return;
        }
        body(
          makeTarget(
            "live",
            key,
            () => process.env[`AIO_LIVE_${api.toUpperCase()}_BASE_URL`] ?? PROVIDER_DEFINITIONS[api].baseUrl,
          ),
        );
      });
    }
  });
}
