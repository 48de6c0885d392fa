// `install-clis`: installs the pinned Claude Code and Gemini CLI under $AI_ORCHESTRATOR_HOME/clis,
// so every mode runs a known version. Without it, the user's own binaries on PATH are used.
import { execFile, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { AssistantCli } from "../config/schema/index.ts";
import { isMissingFile } from "../errno.ts";
import { AppError } from "../errors.ts";
import { CLI_PACKAGES, type CliPackage } from "../modes/cli-packages.ts";
import { cliContext, print, printJson } from "./context.ts";
import { withProgress } from "./progress.ts";

/** npm installs both CLIs in well under a minute on a working connection. */
const INSTALL_DEADLINE_MS = 10 * 60_000;

export function registerCliCommands(program: Command): void {
  program
    .command("install-clis")
    .description("install the pinned Claude Code and Gemini CLI into $AI_ORCHESTRATOR_HOME/clis")
    .option("--dry-run", "print what would be installed and how, without doing it")
    .option("--json", "print JSON")
    .action(async (options: { dryRun?: boolean; json?: boolean }, command: Command) => {
      const { paths } = cliContext(command);
      const prefix = paths.clisPrefix;
      const packages = Object.values(CLI_PACKAGES);
      const npmArgs = npmInstallArgs(prefix, packages);
      const report = (status: "would install" | "already installed" | "installed") =>
        printJson({
          prefix,
          status,
          clis: packages.map((entry) => ({
            cli: entry.cli,
            package: entry.name,
            version: entry.version,
            path: installedCliPath(prefix, entry.cli),
          })),
          ...(status === "would install" ? { command: ["npm", ...npmArgs] } : {}),
        });

      if (options.dryRun) {
        if (options.json) return report("would install");
        for (const entry of packages) print(`would install ${entry.name}@${entry.version} (${entry.cli})`);
        print(`into ${prefix}`);
        print(`by running: npm ${npmArgs.join(" ")}`);
        return;
      }

      const before = await installedVersions(prefix, packages);
      if (packages.every((entry) => before.get(entry.cli) === entry.version)) {
        if (options.json) return report("already installed");
        for (const entry of packages) {
          print(`${entry.cli} ${entry.version} already installed: ${installedCliPath(prefix, entry.cli)}`);
        }
        return;
      }

      mkdirSync(prefix, { recursive: true, mode: 0o700 });
      await withProgress((signal) => runNpm(npmArgs, signal), {
        label: `installing ${packages.map((entry) => `${entry.name}@${entry.version}`).join(", ")} from the npm registry`,
        deadlineMs: INSTALL_DEADLINE_MS,
        hint: "check the connection to the npm registry (`npm ping`) and npm's proxy settings, then run it again",
        quietMs: 0,
      });

      const after = await installedVersions(prefix, packages);
      for (const entry of packages) {
        const found = after.get(entry.cli);
        if (found !== entry.version) {
          throw new AppError(
            "runtime",
            found === undefined
              ? `${entry.name} was installed but \`${installedCliPath(prefix, entry.cli)} --version\` does not run; if npm's ignore-scripts is set, Claude Code's install script could not place its binary: run \`npm config get ignore-scripts\``
              : `${entry.name}: expected version ${entry.version}, found ${found}`,
          );
        }
        if (!options.json)
          print(`${entry.cli} ${entry.version} installed: ${installedCliPath(prefix, entry.cli)}`);
      }
      if (options.json) report("installed");
    });
}

/** Where `install-clis` puts a CLI's command. */
export function installedCliPath(clisPrefix: string, cli: AssistantCli): string {
  return join(clisPrefix, "node_modules", ".bin", cli);
}

/**
 * Runs `<binary> --version` and returns the version it reports (the first x.y.z), or undefined
 * when it does not run. Both CLIs answer without credentials or network.
 */
export function readCliVersion(
  binary: string,
  leadingArgs: readonly string[] = [],
  timeoutMs = 20_000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      binary,
      [...leadingArgs, "--version"],
      { timeout: timeoutMs, encoding: "utf8" },
      (error, stdout) => {
        if (error) return resolve(undefined);
        resolve(/\d+\.\d+\.\d+[\w.-]*/.exec(stdout)?.[0]);
      },
    );
  });
}

function npmInstallArgs(prefix: string, packages: readonly CliPackage[]): string[] {
  // One command for every package: with --no-save, a later install would prune whatever it did not name.
  return [
    "install",
    "--prefix",
    prefix,
    "--no-save",
    "--no-audit",
    "--no-fund",
    "--no-update-notifier",
    ...packages.map((entry) => `${entry.name}@${entry.version}`),
  ];
}

async function installedVersions(
  prefix: string,
  packages: readonly CliPackage[],
): Promise<Map<AssistantCli, string>> {
  const versions = new Map<AssistantCli, string>();
  for (const entry of packages) {
    const version = await readCliVersion(installedCliPath(prefix, entry.cli));
    if (version) versions.set(entry.cli, version);
  }
  return versions;
}

function runNpm(args: readonly string[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", args, { stdio: ["ignore", "pipe", "pipe"], signal });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", (error) => {
      if (signal.aborted) return;
      reject(
        isMissingFile(error)
          ? new AppError(
              "unavailable",
              "npm is not on PATH: install Node.js with npm, or install the CLIs yourself",
            )
          : error,
      );
    });
    child.on("close", (code) => {
      if (signal.aborted) return;
      if (code === 0) return resolve();
      // npm's own explanation is the useful part; show it before our one-line summary.
      const reasons = output.split("\n").filter((line) => /^npm (error|ERR!)/.test(line));
      process.stderr.write(
        `${(reasons.length > 0 ? reasons : output.trim().split("\n").slice(-15)).join("\n")}\n`,
      );
      reject(new AppError("runtime", `npm install failed with exit code ${code}; see npm's messages above`));
    });
  });
}
