// Picks the runtime for a run: the one asked for (flag, mode, config), or with `auto` the
// strongest that works here: docker (engine answering and image built), then bwrap, then process.
// Only the process and bwrap runtimes use the CLI locator; the docker image carries its own CLIs.
import type { Paths } from "../config/paths.ts";
import type { DockerConfig } from "../config/schema/docker.ts";
import type { RuntimeChoice } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import type { SandboxSpec } from "../sandbox/spec.ts";
import { type CliLocator, cliLocator } from "./locate-cli.ts";
import { processRuntime } from "./process.ts";
import type { Availability, Runtime, RuntimeName } from "./runtime.ts";

export interface RuntimeContext {
  paths: Paths;
  /** The parent's environment: its PATH is where CLIs are looked for after the orchestrator's prefix. */
  hostEnv: Readonly<Record<string, string | undefined>>;
  /** Default: the orchestrator's prefix, then PATH. */
  locate?: CliLocator;
  /** config.yaml's `docker:` section; default: its defaults. */
  docker?: DockerConfig;
  /** Told of what the chosen runtime says should be fixed, though it runs (a stale image). */
  onWarning?: (line: string) => void;
}

/** Strongest first: what `auto` tries, in order. */
export const AUTO_ORDER: readonly RuntimeName[] = ["docker", "bwrap", "process"];

export async function createRuntime(name: RuntimeName, context: RuntimeContext): Promise<Runtime> {
  const locate =
    context.locate ?? cliLocator({ clisPrefix: context.paths.clisPrefix, searchPath: context.hostEnv.PATH });
  switch (name) {
    case "process":
      return processRuntime({ locate });
    case "bwrap": {
      // Loaded when asked for or tried, like docker: a launch under process skips it.
      const { bwrapRuntime } = await import("./bwrap.ts");
      return bwrapRuntime({ locate });
    }
    case "docker":
      return dockerRuntimeFor(context);
  }
}

/**
 * With a spec, a runtime that would refuse it (see `Runtime.refusal`) is refused here, before
 * anything starts: named explicitly, that is an error; under `auto`, the next runtime is tried.
 */
export async function selectRuntime(
  choice: RuntimeChoice,
  context: RuntimeContext,
  spec?: SandboxSpec,
): Promise<Runtime> {
  if (choice !== "auto") {
    const runtime = await createRuntime(choice, context);
    const availability = await runtime.probe();
    if (!availability.available) {
      throw new AppError(
        "unavailable",
        `the ${choice} runtime is not available here: ${availability.reason}`,
      );
    }
    const refusal = spec && runtime.refusal?.(spec);
    if (refusal) throw new AppError("usage", refusal);
    if (availability.warning) context.onWarning?.(availability.warning);
    return runtime;
  }
  for (const name of AUTO_ORDER) {
    const runtime = await createRuntime(name, context);
    const availability = await runtime.probe();
    if (!availability.available) continue;
    const refusal = spec && runtime.refusal?.(spec);
    if (refusal) {
      if (name === AUTO_ORDER.at(-1)) throw new AppError("usage", refusal);
      context.onWarning?.(`not using the ${name} runtime: ${refusal}`);
      continue;
    }
    if (availability.warning) context.onWarning?.(availability.warning);
    return runtime;
  }
  // The process runtime always probes available; reaching here means something is badly wrong.
  throw new AppError("unavailable", "no sandbox runtime is available here");
}

/** Every runtime with its availability, for `doctor`. */
export async function probeRuntimes(
  context: RuntimeContext,
): Promise<{ name: RuntimeName; availability: Availability }[]> {
  const results: { name: RuntimeName; availability: Availability }[] = [];
  for (const name of AUTO_ORDER) {
    const runtime = await createRuntime(name, context);
    results.push({ name, availability: await runtime.probe() });
  }
  return results;
}

/** Loaded only when docker is asked for or tried: the launch path under process or bwrap skips it. */
async function dockerRuntimeFor(context: RuntimeContext): Promise<Runtime> {
  const { dockerRuntime } = await import("./docker.ts");
  const docker = context.docker ?? (await import("../config/schema/docker.ts")).dockerSchema.parse({});
  return dockerRuntime({ config: docker, paths: context.paths });
}
