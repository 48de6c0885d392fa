// `modes`: every mode with its CLI, provider, runtime and where its credential comes from.
// Shows where a key is and whether it is set, never the key itself.
import type { Command } from "commander";
import { type Paths, secretFile } from "../config/paths.ts";
import type { Config } from "../config/schema/index.ts";
import { isAppError } from "../errors.ts";
import { modeNames, type ResolvedMode, resolveMode } from "../modes/registry.ts";
import { describeSource, findCredential } from "../providers/credentials.ts";
import { cliContext, print, printJson } from "./context.ts";

export interface ModeCredentialStatus {
  /** Where the key was found ("env ZAI_API_KEY", "file …"), or every place it is looked for when unset. */
  source: string;
  set: boolean;
}

export type ModeRow =
  | {
      mode: string;
      cli: string;
      provider: string;
      runtime: string;
      credential: ModeCredentialStatus;
    }
  | { mode: string; error: string };

export function registerModeCommands(program: Command): void {
  program
    .command("modes")
    .description("list the modes: CLI, provider, runtime and credential source (never the key)")
    .option("--json", "print JSON")
    .action((options: { json?: boolean }, command: Command) => {
      const context = cliContext(command);
      const rows = modeRows(context.config().config, context.paths);
      if (options.json) return printJson(rows);
      const table = rows.map((row) =>
        "error" in row
          ? [row.mode, "-", "-", "-", "-", `configuration problem: ${row.error}`]
          : [
              row.mode,
              row.cli,
              row.provider,
              row.runtime,
              row.credential.set ? "yes" : "no",
              row.credential.source,
            ],
      );
      for (const line of formatTable([
        ["MODE", "CLI", "PROVIDER", "RUNTIME", "KEY SET", "CREDENTIAL SOURCE"],
        ...table,
      ])) {
        print(line);
      }
    });
}

export function modeRows(config: Config, paths: Paths, env: NodeJS.ProcessEnv = process.env): ModeRow[] {
  return modeNames(config).map((name) => {
    let mode: ResolvedMode;
    try {
      mode = resolveMode(config, name);
    } catch (error) {
      if (!isAppError(error)) throw error;
      return { mode: name, error: error.message };
    }
    return {
      mode: name,
      cli: mode.cli,
      provider: mode.provider.id,
      runtime: mode.runtime,
      credential: credentialStatus(mode, paths, env),
    };
  });
}

export function credentialStatus(
  mode: ResolvedMode,
  paths: Paths,
  env: NodeJS.ProcessEnv = process.env,
): ModeCredentialStatus {
  let found: ReturnType<typeof findCredential>;
  try {
    found = findCredential(mode.provider, paths, env);
  } catch (error) {
    // A key file that cannot be read: its own message says which and how to fix it.
    if (isAppError(error)) return { source: error.message, set: false };
    throw error;
  }
  if (found) return { source: describeSource(found.source), set: true };
  const places = [
    ...mode.provider.credentialEnv.map((name) => `env ${name}`),
    `file ${secretFile(paths, mode.provider.secretName)}`,
  ];
  return { source: places.join(" or "), set: false };
}

/** Pads columns to the widest cell; the last column is left ragged. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
