// The command line's frame: the program with its global options and error handling, before any
// command is added, and how a parse ends in an exit code. `main` adds every command to it; `serve`,
// started on its own path by bin/, adds only itself, so the hub never loads the other commands.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { reportFailure } from "./report-error.ts";

const RUNTIMES = ["auto", "process", "bwrap", "docker"];

const VERSION = "0.1.0";

export function baseProgram(): Command {
  return (
    new Command("ai-orchestrator")
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
      .option("--via-hub", "give the sandbox a short-lived hub session token instead of the provider key")
      .enablePositionalOptions()
      .passThroughOptions()
      .showSuggestionAfterError(true)
      // Set before any subcommand is added: subcommands copy these settings when they are created,
      // so their usage errors also end up in reportError (exit 2) instead of commander's process.exit.
      .exitOverride()
      .configureOutput({
        writeErr: (text) => process.stderr.write(text),
        // One line: the mistake, then where the usage is (commander's own hint would be a second line).
        outputError: (text, write) =>
          write(`ai-orchestrator: ${text.replace(/^error: /, "").trimEnd()} (add --help for usage)\n`),
      })
  );
}

/** Parses `argv` (the words after the program's name) and runs the command; returns the exit code. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  // Commander has already printed its message (or the help/version text).
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  return reportFailure(error);
}
