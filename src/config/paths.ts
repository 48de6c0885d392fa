// Where ai-orchestrator keeps its files. Everything lives under one home directory so that a
// backup, a reset or a test can point the whole tool somewhere else with one variable.
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface Paths {
  home: string;
  configFile: string;
  /** --config or AI_ORCHESTRATOR_CONFIG named the file: then a missing file is an error, not "defaults apply". */
  configNamed: boolean;
  secretsDir: string;
  stateRoot: string;
  backupsDir: string;
  runDir: string;
  databaseFile: string;
  clisPrefix: string;
}

export interface PathOptions {
  /** `--config FILE` from the command line; wins over AI_ORCHESTRATOR_CONFIG. */
  configFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export function resolvePaths(options: PathOptions = {}): Paths {
  const env = options.env ?? process.env;
  const home = resolve(env.AI_ORCHESTRATOR_HOME || join(homedir(), ".ai-orchestrator"));
  const named = options.configFile || env.AI_ORCHESTRATOR_CONFIG;
  const configFile = resolve(named || join(home, "config.yaml"));
  return {
    home,
    configFile,
    configNamed: Boolean(named),
    secretsDir: join(home, "secrets"),
    stateRoot: join(home, "state"),
    backupsDir: join(home, "backups"),
    runDir: join(home, "run"),
    databaseFile: join(home, "orchestrator.db"),
    clisPrefix: join(home, "clis"),
  };
}

export function modeStateDir(paths: Paths, mode: string): string {
  return join(paths.stateRoot, mode);
}

export function secretFile(paths: Paths, providerId: string): string {
  return join(paths.secretsDir, providerId);
}
