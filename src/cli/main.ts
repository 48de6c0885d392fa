// The ai-orchestrator command line. Orchestrator options come before the mode name; everything
// after it goes to the assistant untouched. Each command group lives in its own file.
import type { Command } from "commander";
import { AppError } from "../errors.ts";
import { isMode } from "../modes/registry.ts";
import { registerAskCommand } from "./ask.ts";
import { registerAuditCommands } from "./audit.ts";
import { registerCliCommands } from "./clis.ts";
import { registerConfigCommands } from "./config.ts";
import { cliContext } from "./context.ts";
import { registerCredentialCommands } from "./credentials.ts";
import { registerDoctorCommands } from "./doctor.ts";
import { registerFilesCommands } from "./files.ts";
import { registerHubCommands } from "./hub.ts";
import { registerImageCommands } from "./image.ts";
import { registerKeyCommands } from "./keys.ts";
import { registerLaunch } from "./launch.ts";
import { registerMcpCommand } from "./mcp.ts";
import { registerModeCommands } from "./modes.ts";
import { baseProgram, runProgram } from "./program.ts";
import { registerProvidersCommands } from "./providers.ts";
import { registerServeCommand } from "./serve.ts";
import { registerCompletionCommand, registerShellCommands } from "./shell.ts";
import { registerSimulateCommand } from "./simulate.ts";
import { registerStateCommands } from "./state.ts";
import { registerStatusCommand } from "./status.ts";

export function buildProgram(): Command {
  const program = baseProgram();

  // -- command groups: each file adds its commands here. The first command of each help group
  // decides where that group is listed, so the getting-started commands come first. --
  registerCredentialCommands(program);
  registerCliCommands(program);
  registerDoctorCommands(program);
  registerShellCommands(program);
  registerModeCommands(program);
  registerStateCommands(program);
  registerImageCommands(program);
  registerStatusCommand(program);
  registerAskCommand(program);
  registerFilesCommands(program);
  registerProvidersCommands(program);
  registerKeyCommands(program);
  registerHubCommands(program);
  registerAuditCommands(program);
  registerSimulateCommand(program);
  registerConfigCommands(program);
  registerCompletionCommand(program);
  registerServeCommand(program);
  registerMcpCommand(program);
  registerLaunch(program);
  registerHelpCommands(program);
  groupCommands(program);
  program.commandsGroup(COMMAND_GROUPS[0]?.[0] ?? "Commands:");
  program.addHelpText("after", LAUNCH_HELP);

  return program;
}

/**
 * An explicit `help [command...]`, on the program and on each command group (`files help upload`):
 * the program's own action takes a mode name, which would otherwise take `help` too; and
 * commander's own help command answers an unknown name with the whole help and no word on what was
 * wrong.
 */
function registerHelpCommands(program: Command): void {
  const groups = [program, ...program.commands.filter((command) => command.commands.length > 0)];
  for (const group of groups) {
    group.helpCommand(false);
    group
      .command("help [command...]")
      .description("show help for a command")
      .action((words: string[], _options: unknown, command: Command) => {
        let target = group;
        for (const [index, word] of words.entries()) {
          const next = target.commands.find(
            (child) => child.name() === word || child.aliases().includes(word),
          );
          if (next !== undefined) {
            target = next;
            continue;
          }
          // `help glm`: a mode is launched by the program itself, whose help says how.
          if (group === program && index === 0 && isMode(cliContext(command).config().config, word)) break;
          const asked = [...(group === program ? [] : [group.name()]), ...words.slice(0, index + 1)];
          throw new AppError(
            "usage",
            group === program
              ? `unknown command "${asked.join(" ")}": run \`ai-orchestrator help\` for the commands, \`ai-orchestrator modes\` for the modes`
              : `unknown command "${asked.join(" ")}": run \`ai-orchestrator help ${group.name()}\` for its commands`,
          );
        }
        target.outputHelp();
      });
  }
}

/** Which heading each command is listed under in `--help`; commands not named here go under "Other". */
const COMMAND_GROUPS: readonly (readonly [string, readonly string[]])[] = [
  [
    "Getting started:",
    ["init", "login", "logout", "install-clis", "doctor", "shell-init", "completion", "help"],
  ],
  ["Modes and their state:", ["modes", "status", "reset", "restore", "image"]],
  [
    "Hub (chat and files across providers):",
    ["serve", "keys", "audit", "ask", "providers", "mcp", "files", "hub", "simulate"],
  ],
  ["Configuration:", ["config"]],
];

/** Sets each command's heading in `--help`. */
function groupCommands(program: Command): void {
  for (const command of program.commands) {
    const group = COMMAND_GROUPS.find(([, names]) => names.includes(command.name()));
    command.helpGroup(group?.[0] ?? "Other commands:");
  }
}

const LAUNCH_HELP = `
Launching a mode:
  ai-orchestrator [--runtime R] [--config F] <mode> [args...]
      runs the mode's assistant in its sandbox; every argument after the mode name goes to the
      assistant untouched: \`ai-orchestrator glm -p "hi"\`, \`ai-orchestrator claude --resume <id>\`.
      Built-in modes: claude, gemini, glm, kimi; more come from config.yaml (\`ai-orchestrator modes\`).
  ai-orchestrator <mode> start|stop|restart|status|logs
      a persistent session (docker runtime only); \`<mode> -- start\` passes "start" to the assistant.

Runtimes (--runtime, or runtime: in config.yaml):
  auto      the strongest that works here: docker (engine and image ready), then bwrap, then process
  docker    a container per mode and workspace (\`ai-orchestrator image build\` first)
  bwrap     bubblewrap namespaces: only the system, the CLI, the mode's state and the workspace
  process   a child process with an allow-listed environment (no filesystem isolation)

Run \`ai-orchestrator help <command>\` for a command's options.
`;

export function main(argv: readonly string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}
