// `shell-init bash|zsh|fish`: prints the functions that make `claude`, `gemini`, `glm`, `kimi`
// (and every mode of config.yaml) run through ai-orchestrator.
import { accessSync, constants, realpathSync } from "node:fs";
import type { Command } from "commander";
import { ASSISTANT_CLIS } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import { modeNames } from "../modes/registry.ts";
import { SHELLS, type ShellName, shellInitScript } from "../shell/init-script.ts";
import { cliContext } from "./context.ts";

export function registerShellCommands(program: Command): void {
  program
    .command("shell-init <shell>")
    .description(`print shell functions for the mode commands (${SHELLS.join(", ")})`)
    .action((shell: string, _options, command: Command) => {
      if (!isShell(shell)) {
        throw new AppError("usage", `unknown shell "${shell}": use one of ${SHELLS.join(", ")}`);
      }
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

function isShell(value: string): value is ShellName {
  return SHELLS.some((shell) => shell === value);
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
