// The ai-orchestrator command line. Orchestrator options come before the mode name; everything
// after it goes to the assistant untouched. Each command group lives in its own file.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { registerAskCommand } from "./ask.ts";
import { registerAuditCommands } from "./audit.ts";
import { registerCliCommands } from "./clis.ts";
import { registerConfigCommands } from "./config.ts";
import { registerCredentialCommands } from "./credentials.ts";
import { registerDoctorCommands } from "./doctor.ts";
import { registerFilesCommands } from "./files.ts";
import { registerImageCommands } from "./image.ts";
import { registerKeyCommands } from "./keys.ts";
import { registerLaunch } from "./launch.ts";
import { registerModeCommands } from "./modes.ts";
import { registerProvidersCommands } from "./providers.ts";
import { reportFailure } from "./report-error.ts";
import { registerShellCommands } from "./shell.ts";
import { registerSimulateCommand } from "./simulate.ts";
import { registerStateCommands } from "./state.ts";
import { registerStatusCommand } from "./status.ts";

const RUNTIMES = ["auto", "process", "bwrap", "docker"];

export function buildProgram(): Command {
  const program = new Command("ai-orchestrator")
    .description(
      "Run AI coding assistants in sealed per-mode sandboxes, and route chat and files across providers.",
    )
    .version(VERSION, "-V, --version")
    .option("--config <file>", "config file (default: $AI_ORCHESTRATOR_HOME/config.yaml)")
    .addOption(
      new Option("--runtime <name>", "sandbox runtime for this run").argParser((value) => {
        if (!RUNTIMES.includes(value))
          throw new InvalidArgumentError(`must be one of ${RUNTIMES.join(", ")}`);
        return value;
      }),
    )
    .enablePositionalOptions()
    .passThroughOptions()
    .showSuggestionAfterError(true)
    // Set before any subcommand is added: subcommands copy these settings when they are created,
    // so their usage errors also end up in reportError (exit 2) instead of commander's process.exit.
    .exitOverride()
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      outputError: (text, write) => write(`ai-orchestrator: ${text.replace(/^error: /, "")}`),
    })
    .showHelpAfterError("(add --help for usage)");

  registerConfigCommands(program);
  // -- command groups: each file adds its commands here --
  registerSimulateCommand(program);
  registerAskCommand(program);
  registerFilesCommands(program);
  registerCredentialCommands(program);
  registerModeCommands(program);
  registerShellCommands(program);
  registerCliCommands(program);
  registerDoctorCommands(program);
  registerStateCommands(program);
  registerImageCommands(program);
  registerStatusCommand(program);
  registerProvidersCommands(program);
  registerKeyCommands(program);
  registerAuditCommands(program);
  registerLaunch(program);

  return program;
}

const VERSION = "0.1.0";

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

export function reportError(error: unknown): number {
  // Commander has already printed its message (or the help/version text).
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  return reportFailure(error);
}
