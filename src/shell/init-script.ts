// The shell functions that keep the old commands (`claude`, `gemini`, `glm`, `kimi`, and any mode
// from config.yaml) working through ai-orchestrator, for bash, zsh and fish.
// No recursion: the functions call ai-orchestrator by absolute path, and ai-orchestrator finds
// the real CLI by absolute path in a child process, where these functions do not exist.

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type ShellName = (typeof SHELLS)[number];

export interface ShellInitOptions {
  /** How to start ai-orchestrator: absolute paths, e.g. ["/opt/aio/bin/ai-orchestrator.js"]. */
  orchestrator: readonly string[];
  /** The modes to define a function for. */
  modes: readonly string[];
  /** Modes that are also the name of a native binary; `<name> --native …` runs that binary. */
  nativeCommands: readonly string[];
}

export interface ShellInit {
  script: string;
  /** Modes left without a function because their name would hide a shell builtin or keyword. */
  skipped: string[];
}

// A mode named like one of these would break the shell rather than launch an assistant.
const RESERVED = new Set([
  ...["alias", "bg", "bind", "break", "builtin", "case", "cd", "command", "complete", "continue"],
  ...["declare", "dirs", "disown", "do", "done", "echo", "else", "enable", "end", "esac", "eval"],
  ...["exec", "exit", "export", "false", "fc", "fg", "fi", "for", "function", "getopts", "hash"],
  ...["help", "history", "if", "in", "jobs", "kill", "let", "local", "logout", "popd", "printf"],
  ...["pushd", "pwd", "read", "readonly", "return", "select", "set", "shift", "source", "string"],
  ...["suspend", "test", "then", "time", "times", "trap", "true", "type", "typeset", "ulimit"],
  ...["umask", "unalias", "unset", "until", "wait", "while", "and", "or", "not", "begin", "switch"],
]);

export function shellInitScript(shell: ShellName, options: ShellInitOptions): ShellInit {
  const modes = options.modes.filter((mode) => !RESERVED.has(mode));
  const skipped = options.modes.filter((mode) => RESERVED.has(mode));
  const header = [
    `# ai-orchestrator shell integration for ${shell}: each mode below runs through ai-orchestrator.`,
    `# Install: ${shell === "fish" ? "ai-orchestrator shell-init fish | source" : `eval "$(ai-orchestrator shell-init ${shell})"`}  (in your ${startupFile(shell)})`,
    "# Native binary, bypassing ai-orchestrator: `command claude …` (the old `claude --native …` does the same).",
  ];
  const functions = modes.map((mode) =>
    shell === "fish"
      ? fishFunction(mode, options.orchestrator, options.nativeCommands.includes(mode))
      : posixFunction(mode, options.orchestrator, options.nativeCommands.includes(mode)),
  );
  return { script: `${[...header, ...functions].join("\n")}\n`, skipped };
}

function startupFile(shell: ShellName): string {
  if (shell === "fish") return "~/.config/fish/config.fish";
  return shell === "zsh" ? "~/.zshrc" : "~/.bashrc";
}

// `function name { … }` rather than `name() { … }`: zsh refuses the latter when an alias of that name exists.
function posixFunction(mode: string, orchestrator: readonly string[], native: boolean): string {
  const run = `${orchestrator.map(posixQuote).join(" ")} ${mode} "$@"`;
  if (!native) return `function ${mode} { ${run}; }`;
  return [
    `function ${mode} {`,
    `  if [ "\${1-}" = --native ]; then shift; command ${mode} "$@"; else ${run}; fi`,
    "}",
  ].join("\n");
}

function fishFunction(mode: string, orchestrator: readonly string[], native: boolean): string {
  const run = `${orchestrator.map(fishQuote).join(" ")} ${mode} $argv`;
  const body = native
    ? [
        '    if test "$argv[1]" = --native',
        `        command ${mode} $argv[2..-1]`,
        "    else",
        `        ${run}`,
        "    end",
      ]
    : [`    ${run}`];
  return [`function ${mode} --description '${mode} through ai-orchestrator'`, ...body, "end"].join("\n");
}

function posixQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function fishQuote(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}
