// `shell-init bash|zsh|fish`: prints the functions that make `claude`, `gemini`, `glm`, `kimi`
// (and every mode of config.yaml) run through ai-orchestrator; `completion bash|zsh|fish` prints
// tab completion for the commands and modes.
import { accessSync, constants, realpathSync } from "node:fs";
import type { Command } from "commander";
import { ASSISTANT_CLIS } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import { modeNames } from "../modes/registry.ts";
import { completionScript } from "../shell/completion-script.ts";
import { SHELLS, type ShellName, shellInitScript } from "../shell/init-script.ts";
import { cliContext } from "./context.ts";

export function registerShellCommands(program: Command): void {
  program
    .command("shell-init <shell>")
    .description(`print shell functions for the mode commands (${SHELLS.join(", ")})`)
    .action((shell: string, _options, command: Command) => {
      assertShell(shell);
      const { config } = cliContext(command).config();
      const { script, skipped } = shellInitScript(shell, {
        orchestrator: orchestratorCommand(),
        modes: modeNames(config),
        nativeCommands: ASSISTANT_CLIS,
      });
      process.stdout.write(script);
      for (const mode of skipped) {
        process.stderr.write(
          `ai-orchestrator: no function for mode "${mode}": it would hide the shell's own ${mode}; run \`ai-orchestrator ${mode}\`\n`,
        );
      }
    });
}

export function registerCompletionCommand(program: Command): void {
  program
    .command("completion <shell>")
    .description(`print tab completion for commands and modes (${SHELLS.join(", ")})`)
    .action((shell: string, _options, command: Command) => {
      assertShell(shell);
      const { config } = cliContext(command).config();
      const commands = [...program.commands.map((entry) => entry.name()), "help"];
      process.stdout.write(
        completionScript(shell, {
          commands: [...new Set(commands)].sort(),
          modes: modeNames(config),
          runtimes: ["auto", "process", "bwrap", "docker"],
          shells: SHELLS,
          sessionActions: ["start", "stop", "restart", "status", "logs"],
        }),
      );
    });
}

function assertShell(value: string): asserts value is ShellName {
  if (!SHELLS.some((shell) => shell === value)) {
    throw new AppError("usage", `unknown shell "${value}": use one of ${SHELLS.join(", ")}`);
  }
}

/** The absolute command that started this process, so the functions never depend on PATH. */
function orchestratorCommand(): string[] {
  const script = process.argv[1];
  if (!script) throw new AppError("runtime", "cannot tell where ai-orchestrator is installed");
  const resolved = realpathSync(script);
  try {
    accessSync(resolved, constants.X_OK);
    return [resolved];
  } catch {
    return [process.execPath, resolved];
  }
}
