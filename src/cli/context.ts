// What every command needs: the global options, the resolved paths and the configuration,
// loaded once and only when a command asks for it.
import type { Command } from "commander";
import { type LoadedConfig, loadConfig } from "../config/load.ts";
import { type Paths, resolvePaths } from "../config/paths.ts";
import type { RuntimeChoice } from "../config/schema/index.ts";
import { modeProblems } from "./config-references.ts";

export interface GlobalOptions {
  config?: string;
  runtime?: RuntimeChoice;
  /** `--via-hub`: a hub session token in the sandbox instead of the provider key. */
  viaHub?: boolean;
}

export interface CliContext {
  options: GlobalOptions;
  paths: Paths;
  /** Loads and validates config.yaml; throws an AppError naming the first problem. */
  config(): LoadedConfig;
}

export function cliContext(command: Command): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const paths = resolvePaths({ configFile: options.config });
  let loaded: LoadedConfig | undefined;
  return {
    options,
    paths,
    config: () => {
      loaded ??= loadConfig(paths.configFile, { mustExist: paths.configNamed, references: modeProblems });
      return loaded;
    },
  };
}

/** Writes one line to stdout; commands print through this so tests can read plain text. */
export function print(line = ""): void {
  process.stdout.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
