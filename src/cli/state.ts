// `init`, `reset <mode>` and `restore <mode> [backup]`: create the home, and look after each
// mode's state root with a backup before every destructive step.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname } from "node:path";
import type { Command } from "commander";
import { modeStateDir, type Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { isAppError } from "../errors.ts";
import { modeNames, type ResolvedMode, resolveMode } from "../modes/registry.ts";
import { backupState, listBackups, restoreState, wipeState } from "../sandbox/backup.ts";
import { importUserSettings, seedState } from "../sandbox/seed-state.ts";
import { cliContext, print } from "./context.ts";

const EXAMPLE_CONFIG = new URL("../../config.example.yaml", import.meta.url);

export function registerStateCommands(program: Command): void {
  program
    .command("init")
    .description("create the ai-orchestrator home, a commented config.yaml and each mode's state")
    .option("--import", "also import your own non-secret Claude Code and Gemini CLI settings")
    .action((options: { import?: boolean }, command: Command) => {
      const context = cliContext(command);
      const { paths } = context;
      const createdHome = !existsSync(paths.home);
      mkdirSync(paths.home, { recursive: true, mode: 0o700 });
      chmodSync(paths.home, 0o700);
      print(`${createdHome ? "created" : "exists "}  ${paths.home} (0700)`);

      if (existsSync(paths.configFile)) {
        print(`kept     ${paths.configFile} (an existing config is never overwritten)`);
      } else {
        mkdirSync(dirname(paths.configFile), { recursive: true });
        writeFileSync(paths.configFile, commentedExample(), { flag: "wx" });
        print(`created  ${paths.configFile} (every setting commented out: defaults apply)`);
      }

      const { config } = context.config();
      for (const mode of resolvableModes(config)) {
        const stateRoot = seedMode(paths, mode);
        print(`seeded   ${stateRoot}`);
        if (!options.import) continue;
        const report = importUserSettings(mode.cli, stateRoot, homedir());
        for (const file of report.imported) print(`imported ${file}`);
        for (const line of report.skipped) print(`skipped  ${line}`);
      }

      print();
      print("Next steps:");
      print(
        "  ai-orchestrator login zai             # store a key (read from stdin, never echoed); or export ZAI_API_KEY",
      );
      print("  ai-orchestrator doctor                # what each mode receives, and what is wrong");
      print(
        '  eval "$(ai-orchestrator shell-init bash)"   # in ~/.bashrc: `claude`, `gemini`, `glm`, `kimi` run sealed',
      );
      print("  ai-orchestrator glm                   # Claude Code on GLM, with only the Z.ai key");
    });

  program
    .command("reset <mode>")
    .description("back up a mode's state root, then wipe it and seed it afresh")
    .action((name: string, _options, command: Command) => {
      const context = cliContext(command);
      const mode = resolveMode(context.config().config, name);
      const backup = backupState(context.paths, mode.name);
      print(
        backup
          ? `backed up ${modeStateDir(context.paths, mode.name)} to ${backup.path}`
          : `nothing to back up: ${modeStateDir(context.paths, mode.name)} was empty`,
      );
      wipeState(context.paths, mode.name);
      print(`seeded   ${seedMode(context.paths, mode)}`);
      if (backup) print(`undo with: ai-orchestrator restore ${mode.name} ${backup.name}`);
    });

  program
    .command("restore <mode> [backup]")
    .description("put a backup of a mode's state root back (the latest by default); --list shows them")
    .option("--list", "list the mode's backups, oldest first")
    .action((name: string, backupName: string | undefined, options: { list?: boolean }, command: Command) => {
      const context = cliContext(command);
      const mode = resolveMode(context.config().config, name);
      if (options.list) {
        const backups = listBackups(context.paths, mode.name);
        if (backups.length === 0) print(`mode ${mode.name} has no backups`);
        for (const backup of backups) print(`${backup.name}  ${backup.path}`);
        return;
      }
      const result = restoreState(context.paths, mode.name, backupName);
      if (result.previous) print(`backed up the current state to ${result.previous.path}`);
      print(`restored ${modeStateDir(context.paths, mode.name)} from ${result.restored.path}`);
      if (result.previous) print(`undo with: ai-orchestrator restore ${mode.name} ${result.previous.name}`);
    });
}

/**
 * config.example.yaml with every setting commented out: the user sees every key with its
 * explanation, and the defaults keep applying until a line is uncommented.
 */
export function commentedExample(): string {
  const lines = readFileSync(EXAMPLE_CONFIG, "utf8").split("\n");
  return lines
    .map((line) => (line.trim() === "" || line.trimStart().startsWith("#") ? line : `# ${line}`))
    .join("\n");
}

function resolvableModes(config: Config): ResolvedMode[] {
  return modeNames(config).flatMap((name) => {
    try {
      return [resolveMode(config, name)];
    } catch (error) {
      if (isAppError(error)) return [];
      throw error;
    }
  });
}

/**
 * Seeds the first-run state (onboarding done, auth method chosen) without a workspace or a key:
 * each launch seeds again for its own workspace and key. The state root stands in for the
 * workspace, so no folder of the person's is marked trusted here.
 */
function seedMode(paths: Paths, mode: ResolvedMode): string {
  const stateRoot = modeStateDir(paths, mode.name);
  mkdirSync(paths.stateRoot, { recursive: true, mode: 0o700 });
  seedState({
    mode: mode.name,
    cli: mode.cli,
    args: [],
    env: {},
    secretEnv: [],
    stateRoot,
    workspace: stateRoot,
  });
  return stateRoot;
}
