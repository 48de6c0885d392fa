// `simulate`: run the provider simulators in the foreground, one JSON line per provider on stdout,
// until SIGINT or SIGTERM, so a person (or another process) can try everything offline.
import { type Command, InvalidArgumentError } from "commander";
import { PROVIDER_APIS, type ProviderApi } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import { type Fault, parseFaultSpec, startSimulators } from "../simulators/index.ts";
import { print } from "./context.ts";
import { untilSignalled } from "./signals.ts";

interface SimulateOptions {
  port?: number;
  host: string;
  provider?: ProviderApi[];
  fault?: { provider: ProviderApi; fault: Fault }[];
}

export function registerSimulateCommand(program: Command): void {
  program
    .command("simulate")
    .description("run local simulators of Anthropic, Gemini, Z.ai and Moonshot (offline trials and tests)")
    .option(
      "--port <n>",
      "first port: anthropic N, google N+1, zai N+2, moonshot N+3 (default: random free ports)",
      parsePort,
    )
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option(
      "--provider <id...>",
      `providers to start (default: all of ${PROVIDER_APIS.join(", ")})`,
      collectProvider,
    )
    .option(
      "--fault <provider:spec...>",
      "arm a fault, e.g. anthropic:status=529 or moonshot:status=429,retryAfterSeconds=3,times=1 (see docs/simulators.md)",
      collectFault,
    )
    .action(async (options: SimulateOptions) => {
      const simulators = await startSimulators({
        host: options.host,
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.provider === undefined ? {} : { providers: [...new Set(options.provider)] }),
      });
      for (const { provider, fault } of options.fault ?? []) {
        if (!(provider in simulators.endpoints)) {
          await simulators.close();
          throw new AppError(
            "usage",
            `--fault for ${provider}, which is not started: add --provider ${provider}`,
          );
        }
        simulators.faults.inject(provider, fault);
      }
      for (const endpoint of Object.values(simulators.endpoints)) {
        print(
          JSON.stringify({
            provider: endpoint.provider,
            baseUrl: endpoint.baseUrl,
            ...(endpoint.anthropicBaseUrl ? { anthropicBaseUrl: endpoint.anthropicBaseUrl } : {}),
          }),
        );
      }
      await untilSignalled();
      await simulators.close();
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65532) {
    throw new InvalidArgumentError("must be a port number from 1 to 65532 (four consecutive ports are used)");
  }
  return port;
}

function collectProvider(value: string, previous: ProviderApi[] | undefined): ProviderApi[] {
  const provider = PROVIDER_APIS.find((id) => id === value);
  if (!provider) throw new InvalidArgumentError(`must be one of ${PROVIDER_APIS.join(", ")}`);
  return [...(previous ?? []), provider];
}

function collectFault(
  value: string,
  previous: { provider: ProviderApi; fault: Fault }[] | undefined,
): { provider: ProviderApi; fault: Fault }[] {
  try {
    return [...(previous ?? []), parseFaultSpec(value)];
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}
