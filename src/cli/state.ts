// `init`, `reset <mode>` and `restore <mode> [backup]`: create the home, and look after each
// mode's state root with a backup before every destructive step.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname } from "node:path";
import type { Command } from "commander";
import { modeStateDir, type Paths } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { AppError, isAppError } from "../errors.ts";
import { modeNames, type ResolvedMode, resolveMode } from "../modes/registry.ts";
import { backupState, listBackups, restoreState, wipeState } from "../sandbox/backup.ts";
import { importUserSettings, seedState } from "../sandbox/seed-state.ts";
import { cliContext, print, printJson } from "./context.ts";

const EXAMPLE_CONFIG = new URL("../../config.example.yaml", import.meta.url);

export function registerStateCommands(program: Command): void {
  program
    .command("init")
    .description("create the ai-orchestrator home, a commented config.yaml and each mode's state")
    .option("--import", "also import your own non-secret Claude Code and Gemini CLI settings")
    .option("--json", "print JSON")
    .action((options: { import?: boolean; json?: boolean }, command: Command) => {
      const context = cliContext(command);
      const { paths } = context;
      const createdHome = !existsSync(paths.home);
      mkdirSync(paths.home, { recursive: true, mode: 0o700 });
      chmodSync(paths.home, 0o700);
      const out = output(options.json);
      out.line(`${createdHome ? "created" : "exists "}  ${paths.home} (0700)`);

      const createdConfig = !existsSync(paths.configFile);
      if (createdConfig) {
        mkdirSync(dirname(paths.configFile), { recursive: true });
        writeFileSync(paths.configFile, commentedExample(), { flag: "wx" });
        out.line(`created  ${paths.configFile} (every setting commented out: defaults apply)`);
      } else {
        out.line(`kept     ${paths.configFile} (an existing config is never overwritten)`);
      }

      const { config } = context.config();
      const modes: { mode: string; stateRoot: string; imported: string[]; skipped: string[] }[] = [];
      for (const mode of resolvableModes(config)) {
        const stateRoot = seedMode(paths, mode);
        out.line(`seeded   ${stateRoot}`);
        const report = options.import
          ? importUserSettings(mode.cli, stateRoot, homedir())
          : { imported: [], skipped: [] };
        for (const file of report.imported) out.line(`imported ${file}`);
        for (const line of report.skipped) out.line(`skipped  ${line}`);
        modes.push({ mode: mode.name, stateRoot, ...report });
      }
      if (options.json) {
        printJson({ home: paths.home, createdHome, configFile: paths.configFile, createdConfig, modes });
        return;
      }

      print();
      print("Next steps:");
      print(
        "  ai-orchestrator install-clis          # the pinned Claude Code and Gemini CLI (unless yours are on PATH)",
      );
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
    .option("--stop", "stop the mode's running docker sessions first, instead of refusing")
    .option("--json", "print JSON")
    .action(async (name: string, options: { stop?: boolean; json?: boolean }, command: Command) => {
      const context = cliContext(command);
      const { config } = context.config();
      const mode = resolveMode(config, name);
      const out = output(options.json);
      const stopped = await stopLiveSessions(context.paths, config, mode.name, options.stop === true, out);
      const stateRoot = modeStateDir(context.paths, mode.name);
      const backup = backupState(context.paths, mode.name);
      out.line(
        backup ? `backed up ${stateRoot} to ${backup.path}` : `nothing to back up: ${stateRoot} was empty`,
      );
      wipeState(context.paths, mode.name);
      out.line(`seeded   ${seedMode(context.paths, mode)}`);
      const undo = backup ? `ai-orchestrator restore ${mode.name} ${backup.name}` : undefined;
      if (undo) out.line(`undo with: ${undo}`);
      if (options.json) {
        printJson({ mode: mode.name, stateRoot, backup: backup?.path ?? null, stopped, undo: undo ?? null });
      }
    });

  program
    .command("restore <mode> [backup]")
    .description("put a backup of a mode's state root back (the latest by default); --list shows them")
    .option("--list", "list the mode's backups, oldest first")
    .option("--json", "print JSON")
    .action(
      (
        name: string,
        backupName: string | undefined,
        options: { list?: boolean; json?: boolean },
        command: Command,
      ) => {
        const context = cliContext(command);
        const mode = resolveMode(context.config().config, name);
        if (options.list) {
          const backups = listBackups(context.paths, mode.name);
          if (options.json) return printJson(backups.map(({ name, path }) => ({ name, path })));
          if (backups.length === 0) print(`mode ${mode.name} has no backups`);
          for (const backup of backups) print(`${backup.name}  ${backup.path}`);
          return;
        }
        const result = restoreState(context.paths, mode.name, backupName);
        const stateRoot = modeStateDir(context.paths, mode.name);
        const undo = result.previous
          ? `ai-orchestrator restore ${mode.name} ${result.previous.name}`
          : undefined;
        if (options.json) {
          return printJson({
            mode: mode.name,
            stateRoot,
            restored: result.restored.path,
            previous: result.previous?.path ?? null,
            undo: undo ?? null,
          });
        }
        if (result.previous) print(`backed up the current state to ${result.previous.path}`);
        print(`restored ${stateRoot} from ${result.restored.path}`);
        if (undo) print(`undo with: ${undo}`);
      },
    );
}

/** Lines for a person, or nothing when the command prints one JSON document at the end. */
function output(json: boolean | undefined): { line(text: string): void } {
  return { line: (text) => (json ? undefined : print(text)) };
}

/**
 * A docker session of the mode keeps writing its state root, and would write over a reset (or
 * keep what it had in memory): refused while one runs, unless asked to stop them first. An engine
 * that is not there has no sessions.
 */
async function stopLiveSessions(
  paths: Paths,
  config: Config,
  mode: string,
  stop: boolean,
  out: { line(text: string): void },
): Promise<string[]> {
  const { engine, engineVersion } = await import("../runtimes/docker-engine.ts");
  const target = engine(config.docker.cli);
  if (!(await engineVersion(target)).ok) return [];
  const { dockerRuntime } = await import("../runtimes/docker.ts");
  const sessions = await dockerRuntime({ config: config.docker, paths }).sessions.list();
  const live = sessions.filter((session) => session.mode === mode && session.state === "running");
  if (live.length === 0) return [];
  const where = live.map((session) => `${session.container} in ${session.workspace}`).join(", ");
  if (!stop) {
    throw new AppError(
      "conflict",
      `the ${mode} mode is running in docker (${where}), which would keep writing the state being reset: stop it with \`ai-orchestrator ${mode} stop\` in that workspace, or run \`ai-orchestrator reset ${mode} --stop\``,
    );
  }
  for (const session of live) {
    out.line(`stopping ${session.container} (the ${mode} session in ${session.workspace}) before the reset`);
    await target.check(["rm", "--force", session.container], `stopping ${session.container}`);
  }
  return live.map((session) => session.container);
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
