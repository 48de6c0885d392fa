// Local stand-ins for Anthropic, Google Gemini, Z.ai and Moonshot, one loopback HTTP server each,
// following the wire contracts of docs/simulators.md so everything can be tried and tested offline.
import type { AddressInfo } from "node:net";
import { PROVIDER_APIS, type ProviderApi } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import { createAnthropicSimulator } from "./anthropic.ts";
import { FaultBook, type FaultController } from "./faults.ts";
import { createGoogleSimulator } from "./google.ts";
import { createMoonshotSimulator } from "./moonshot.ts";
import { ScriptBook, type ScriptController, withScripts } from "./scripts.ts";
import { createSimulatorServer, type RecordedRequest, type RunningServer } from "./server.ts";
import type { ProviderSimulator } from "./wire.ts";
import { createZaiSimulator } from "./zai.ts";

export type { Fault, FaultController, FaultKind } from "./faults.ts";
export { faultSchema, parseFaultSpec } from "./faults.ts";
export type { ScriptController, ScriptStep } from "./scripts.ts";
export type { RecordedRequest } from "./server.ts";

export interface StartSimulatorsOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** 0 or absent: each on a random free port; N: anthropic N, google N+1, zai N+2, moonshot N+3. */
  port?: number;
  /** Default: all four. */
  providers?: readonly ProviderApi[];
  /** Accepted keys per provider; a provider absent here accepts any non-empty key. */
  keys?: Partial<Record<ProviderApi, readonly string[]>>;
  /** Millisecond clock, for expiry tests (Gemini files live 48 h). */
  now?: () => number;
}

export interface SimulatorEndpoint {
  provider: ProviderApi;
  /** Shaped like the real base URL: anthropic and google the origin, zai …/api/paas/v4, moonshot …/v1. */
  baseUrl: string;
  /** The Anthropic-compatible base Claude Code is pointed at, where the provider has one. */
  anthropicBaseUrl?: string;
}

export interface Simulators {
  /** Only the started providers are present. */
  endpoints: Record<ProviderApi, SimulatorEndpoint>;
  /** Everything received, in arrival order, across all providers (control calls excluded). */
  requests(): RecordedRequest[];
  clearRequests(): void;
  faults: FaultController;
  /** Scripted Messages answers (a tool_use, then a quote of its result), for driving agent loops. */
  scripts: ScriptController;
  close(): Promise<void>;
}

const FACTORIES: Readonly<Record<ProviderApi, () => ProviderSimulator>> = {
  anthropic: createAnthropicSimulator,
  google: createGoogleSimulator,
  zai: createZaiSimulator,
  moonshot: createMoonshotSimulator,
};

export async function startSimulators(options: StartSimulatorsOptions = {}): Promise<Simulators> {
  const host = options.host ?? "127.0.0.1";
  const providers = options.providers ?? PROVIDER_APIS;
  const now = options.now ?? Date.now;
  const faults = new FaultBook();
  const scripts = new ScriptBook();
  const recorded: RecordedRequest[] = [];
  const endpoints: Partial<Record<ProviderApi, SimulatorEndpoint>> = {};
  const running: RunningServer[] = [];

  try {
    for (const provider of providers) {
      const server = createSimulatorServer(withScripts(FACTORIES[provider](), scripts), {
        faults,
        now,
        keys: options.keys?.[provider],
        record: (request) => recorded.push(request),
        requests: (which) => recorded.filter((request) => request.provider === which),
        clearRequests: (which) => {
          const kept = recorded.filter((request) => request.provider !== which);
          recorded.splice(0, recorded.length, ...kept);
        },
      });
      running.push(server);
      const port = options.port ? options.port + PROVIDER_APIS.indexOf(provider) : 0;
      const address = await listen(server, host, port);
      const origin = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
      server.setOrigin(origin);
      endpoints[provider] = endpointFor(provider, origin);
    }
  } catch (error) {
    await Promise.all(running.map((server) => server.close()));
    throw error;
  }

  return {
    // The documented contract: only the started providers are present, callers index by those.
    endpoints: endpoints as Record<ProviderApi, SimulatorEndpoint>,
    requests: () => [...recorded],
    clearRequests: () => {
      recorded.length = 0;
    },
    faults,
    scripts,
    close: async () => {
      await Promise.all(running.map((server) => server.close()));
    },
  };
}

export function endpointFor(provider: ProviderApi, origin: string): SimulatorEndpoint {
  switch (provider) {
    case "anthropic":
      return { provider, baseUrl: origin, anthropicBaseUrl: origin };
    case "google":
      return { provider, baseUrl: origin };
    case "zai":
      return { provider, baseUrl: `${origin}/api/paas/v4`, anthropicBaseUrl: `${origin}/api/anthropic` };
    case "moonshot":
      return { provider, baseUrl: `${origin}/v1`, anthropicBaseUrl: `${origin}/anthropic` };
  }
}

function listen(running: RunningServer, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === "EADDRINUSE"
          ? new AppError(
              "unavailable",
              `port ${port} on ${host} is already in use: pick another --port or omit it`,
            )
          : error,
      );
    };
    running.server.once("error", onError);
    running.server.listen(port, host, () => {
      running.server.off("error", onError);
      const address = running.server.address();
      if (address === null || typeof address === "string")
        reject(new Error("simulator did not bind a TCP port"));
      else resolve(address);
    });
  });
}
