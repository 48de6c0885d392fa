// Tab completion for bash, zsh and fish: commands, modes (config.yaml's included, as they were when
// the script was printed), each mode's session actions, the runtimes and the shells.
import type { ShellName } from "./init-script.ts";

export interface CompletionOptions {
  /** The program's command names, `help` included. */
  commands: readonly string[];
  modes: readonly string[];
  runtimes: readonly string[];
  shells: readonly string[];
  /** Words after `<mode>` that manage a persistent session. */
  sessionActions: readonly string[];
}

/** Commands whose first argument is a mode name. */
const TAKES_MODE = ["reset", "restore"];
/** Commands whose first argument is a shell name. */
const TAKES_SHELL = ["shell-init", "completion"];
const NAMES = ["ai-orchestrator", "aio"];

export function completionScript(shell: ShellName, options: CompletionOptions): string {
  if (shell === "fish") return fishScript(options);
  return shell === "zsh" ? zshScript(options) : bashScript(options);
}

function words(values: readonly string[]): string {
  return values.join(" ");
}

/** One bash function, loaded by zsh through bashcompinit as well. */
function bashFunction(options: CompletionOptions): string {
  return `_ai_orchestrator() {
  local current=\${COMP_WORDS[COMP_CWORD]} previous=\${COMP_WORDS[COMP_CWORD-1]}
  local commands="${words(options.commands)}" modes="${words(options.modes)}"
  if [ "$previous" = --runtime ]; then COMPREPLY=($(compgen -W "${words(options.runtimes)}" -- "$current")); return; fi
  if [ "$previous" = --config ]; then COMPREPLY=($(compgen -f -- "$current")); return; fi
  local index=1 first=""
  while [ $index -lt $COMP_CWORD ]; do
    case \${COMP_WORDS[index]} in
      --runtime|--config) index=$((index + 2)) ;;
      -*) index=$((index + 1)) ;;
      *) first=\${COMP_WORDS[index]}; break ;;
    esac
  done
  if [ -z "$first" ]; then
    COMPREPLY=($(compgen -W "$commands $modes --runtime --config --help --version" -- "$current")); return
  fi
  [ $index -ne $((COMP_CWORD - 1)) ] && return
  case " ${words(TAKES_MODE)} " in *" $first "*) COMPREPLY=($(compgen -W "$modes" -- "$current")); return ;; esac
  case " ${words(TAKES_SHELL)} " in *" $first "*) COMPREPLY=($(compgen -W "${words(options.shells)}" -- "$current")); return ;; esac
  [ "$first" = help ] && { COMPREPLY=($(compgen -W "$commands" -- "$current")); return; }
  case " $modes " in *" $first "*) COMPREPLY=($(compgen -W "${words(options.sessionActions)}" -- "$current")) ;; esac
}
complete -o default -F _ai_orchestrator ${words(NAMES)}
`;
}

function bashScript(options: CompletionOptions): string {
  return `# ai-orchestrator completion for bash. Install: eval "$(ai-orchestrator completion bash)" in ~/.bashrc
${bashFunction(options)}`;
}

function zshScript(options: CompletionOptions): string {
  return `# ai-orchestrator completion for zsh. Install: eval "$(ai-orchestrator completion zsh)" in ~/.zshrc
autoload -U +X compinit && { (( $+functions[compdef] )) || compinit; }
autoload -U +X bashcompinit && bashcompinit
${bashFunction(options)}`;
}

function fishScript(options: CompletionOptions): string {
  const first = "not __fish_seen_subcommand_from $__aio_commands $__aio_modes";
  const lines = [
    "# ai-orchestrator completion for fish. Install: ai-orchestrator completion fish | source  (in ~/.config/fish/config.fish)",
    `set -g __aio_commands ${words(options.commands)}`,
    `set -g __aio_modes ${words(options.modes)}`,
  ];
  for (const name of NAMES) {
    lines.push(
      `complete -c ${name} -f`,
      `complete -c ${name} -l runtime -x -a '${words(options.runtimes)}' -d 'sandbox runtime for this run'`,
      `complete -c ${name} -l config -r -F -d 'config file'`,
      `complete -c ${name} -n '${first}' -a '$__aio_commands' -d command`,
      `complete -c ${name} -n '${first}' -a '$__aio_modes' -d mode`,
      `complete -c ${name} -n '__fish_seen_subcommand_from ${words(TAKES_MODE)}' -a '$__aio_modes'`,
      `complete -c ${name} -n '__fish_seen_subcommand_from ${words(TAKES_SHELL)}' -a '${words(options.shells)}'`,
      `complete -c ${name} -n '__fish_seen_subcommand_from help' -a '$__aio_commands'`,
      `complete -c ${name} -n '__fish_seen_subcommand_from $__aio_modes' -a '${words(options.sessionActions)}'`,
    );
  }
  return `${lines.join("\n")}\n`;
}
