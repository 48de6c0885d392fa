// The checks of config.yaml that need the registries, not only the schema: every mode must resolve
// to an assistant CLI and a provider that CLI can talk to. Kept apart from config.ts so that the
// launch path can run it without loading the command groups.
import type { ConfigProblem } from "../config/load.ts";
import type { Config } from "../config/schema/index.ts";
import { isAppError } from "../errors.ts";
import { modeNames, resolveMode } from "../modes/registry.ts";

export function modeProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const name of modeNames(config)) {
    try {
      resolveMode(config, name);
    } catch (error) {
      if (!isAppError(error)) throw error;
      problems.push({ path: `modes.${name}`, message: error.message.replace(/^modes\.[a-z0-9-]+: /, "") });
    }
  }
  return problems;
}
