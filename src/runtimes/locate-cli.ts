// Finds the host program of an assistant CLI: ai-orchestrator's own prefix first (where
// `install-clis` puts the pinned versions), then PATH. Claude Code runs as its native executable;
// Gemini CLI is a Node script, run by this process's own Node (>= 24).
import { accessSync, closeSync, constants, openSync, readSync, realpathSync, statSync } from "node:fs";
import { basename, delimiter, dirname, join, sep } from "node:path";
import type { AssistantCli } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";

export interface LocatedCli {
  cli: AssistantCli;
  /** The program to execute. */
  executable: string;
  /** Arguments placed before the assistant's own: the script, for a Node CLI. */
  leadingArgs: readonly string[];
  /** Host paths the program needs to run, bound read-only into a bwrap sandbox. */
  readOnlyPaths: readonly string[];
}

export interface LocateOptions {
  /** `$AI_ORCHESTRATOR_HOME/clis`, where `install-clis` installs. */
  clisPrefix: string;
  /** The PATH to search after the prefix. */
  searchPath: string | undefined;
  /** Node (20 or later) for script CLIs; default this process's own, which is 24 or later. */
  nodeExecutable?: string;
}

export type CliLocator = (cli: AssistantCli) => LocatedCli;

const DISPLAY_NAMES: Readonly<Record<AssistantCli, string>> = { claude: "Claude Code", gemini: "Gemini CLI" };
const PACKAGES: Readonly<Record<AssistantCli, string>> = {
  claude: "@anthropic-ai/claude-code",
  gemini: "@google/gemini-cli",
};
/** Exit code of a shell for a command that is not found. */
export const CLI_NOT_FOUND_EXIT = 127;

export function locateCli(cli: AssistantCli, options: LocateOptions): LocatedCli {
  for (const candidate of candidates(cli, options)) {
    const located = cli === "claude" ? claudeAt(candidate) : geminiAt(candidate, options);
    if (located) return located;
  }
  throw new AppError(
    "not_found",
    `${cli} (${DISPLAY_NAMES[cli]}) not found: run \`ai-orchestrator install-clis\` or install ${PACKAGES[cli]}`,
    { exitCode: CLI_NOT_FOUND_EXIT },
  );
}

export function cliLocator(options: LocateOptions): CliLocator {
  return (cli) => locateCli(cli, options);
}

/** One at a time: the first that runs is used, and a launch need not look through the rest of PATH. */
function* candidates(cli: AssistantCli, options: LocateOptions): Generator<string> {
  const directories = [
    join(options.clisPrefix, "node_modules", ".bin"),
    join(options.clisPrefix, "bin"),
    ...(options.searchPath ?? "").split(delimiter).filter((entry) => entry.startsWith(sep)),
  ];
  for (const directory of directories) {
    const candidate = join(directory, cli);
    if (isExecutableFile(candidate)) yield candidate;
  }
}

function claudeAt(candidate: string): LocatedCli {
  const real = realpathSync(candidate);
  // npm's wrapper links bin/claude to a copy of the platform package's binary, or to a stub
  // when install scripts were withheld: the platform package's own executable is the sure one.
  // Anything else (the standalone installer's binary, a person's wrapper) runs as it is.
  const native = nativeClaudeBeside(real);
  // The platform package's folder holds only the binary and its notices; any other binary is
  // bound alone, so that a folder it happens to sit in (a home, a bin full of tools) stays out.
  return native
    ? { cli: "claude", executable: native, leadingArgs: [], readOnlyPaths: [dirname(native)] }
    : { cli: "claude", executable: real, leadingArgs: [], readOnlyPaths: [real] };
}

function nativeClaudeBeside(wrapperPath: string): string | undefined {
  const marker = `${sep}node_modules${sep}@anthropic-ai${sep}claude-code${sep}`;
  const at = wrapperPath.lastIndexOf(marker);
  if (at < 0) return undefined;
  const nodeModules = wrapperPath.slice(0, at + `${sep}node_modules`.length);
  const wrapper = join(nodeModules, "@anthropic-ai", "claude-code");
  const platform = `claude-code-${process.platform}-${process.arch}`;
  const places = [
    join(nodeModules, "@anthropic-ai", platform, "claude"),
    join(nodeModules, "@anthropic-ai", `${platform}-musl`, "claude"),
    join(wrapper, "node_modules", "@anthropic-ai", platform, "claude"),
    join(wrapper, "node_modules", "@anthropic-ai", `${platform}-musl`, "claude"),
  ];
  const found = places.find(isExecutableFile);
  return found ? realpathSync(found) : undefined;
}

function geminiAt(candidate: string, options: LocateOptions): LocatedCli | undefined {
  const real = realpathSync(candidate);
  if (!isNodeScript(real)) return { cli: "gemini", executable: real, leadingArgs: [], readOnlyPaths: [real] };
  const node = realpathSync(options.nodeExecutable ?? process.execPath);
  return {
    cli: "gemini",
    executable: node,
    leadingArgs: [real],
    // The bundle may load optional packages hoisted beside it, so its whole node_modules goes in.
    readOnlyPaths: [dirname(node), enclosingNodeModules(real) ?? dirname(real)],
  };
}

function enclosingNodeModules(path: string): string | undefined {
  let directory = dirname(path);
  while (directory !== dirname(directory)) {
    if (basename(directory) === "node_modules") return directory;
    directory = dirname(directory);
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    // Most of PATH lacks the program: no exception built for each of those.
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A `.js` file or a script whose `#!` line names node: run by our Node, not through PATH's. */
function isNodeScript(path: string): boolean {
  if (/\.[cm]?js$/.test(path)) return true;
  const head = Buffer.alloc(128);
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, "r");
    const length = readSync(descriptor, head, 0, head.length, 0);
    const firstLine = head.subarray(0, length).toString("latin1").split("\n")[0] ?? "";
    return firstLine.startsWith("#!") && /\bnode\b/.test(firstLine);
  } catch {
    return false;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
