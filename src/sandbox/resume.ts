// Claude Code ends a session by printing `claude --resume <id>`. Through the shell functions that
// runs the claude mode, whatever mode the session ran in: the transcript, kept in exactly one
// mode's state root, says which mode the session belongs to.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { claudeConfigDir } from "./build-spec.ts";

/** The session id of `--resume <id>`, `--resume=<id>` or `-r <id>` among Claude Code's arguments. */
export function resumedSession(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const word = args[index] ?? "";
    if (word === "--") return undefined;
    if (word.startsWith("--resume=")) return sessionId(word.slice("--resume=".length));
    if (word === "--resume" || word === "-r") return sessionId(args[index + 1]);
  }
  return undefined;
}

/** Whether the Claude Code state under `stateRoot` holds the transcript of session `id`. */
export function holdsSession(stateRoot: string, id: string): boolean {
  const projects = join(claudeConfigDir(stateRoot), "projects");
  let folders: string[];
  try {
    folders = readdirSync(projects);
  } catch {
    return false;
  }
  return folders.some((folder) => existsSync(join(projects, folder, `${id}.jsonl`)));
}

/** Only a session id: `--resume` alone (a picker) or a search term is left to Claude Code. */
function sessionId(value: string | undefined): string | undefined {
  return value !== undefined && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
    ? value.toLowerCase()
    : undefined;
}
