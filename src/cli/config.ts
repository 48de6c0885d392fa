// `config check|show|path|schema`: look at the configuration without running anything.
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { stringify } from "yaml";
import { z } from "zod";
import { type ConfigCheck, type ConfigProblem, checkConfig, formatProblem } from "../config/load.ts";
import type { Paths } from "../config/paths.ts";
import { configSchema } from "../config/schema/index.ts";
import { missingBreakerRedis, redisUrl } from "../config/shared-state.ts";
import { AppError } from "../errors.ts";
import { redactValue } from "../observability/logger.ts";
import { modeProblems } from "./config-references.ts";
import { cliContext, print, printJson } from "./context.ts";

export function registerConfigCommands(program: Command): void {
  const config = program.command("config").description("check, show or locate the configuration");

  config
    .command("check")
    .description("validate the config file and report every problem with its fix")
    .option("--json", "print JSON: the file, whether it exists, and every problem")
    .action((options: { json?: boolean }, command: Command) => {
      const { paths } = cliContext(command);
      const { check, problems } = checkConfigHere(paths);
      if (options.json) {
        printJson({
          file: paths.configFile,
          exists: existsSync(paths.configFile),
          ok: problems.length === 0,
          problems,
        });
        if (problems.length > 0) process.exitCode = 2;
        return;
      }
      if (problems.length === 0) {
        print(
          check.ok && check.loaded.file
            ? `${check.loaded.file}: OK`
            : `${paths.configFile}: not found; defaults apply`,
        );
        return;
      }
      for (const problem of problems) process.stderr.write(`${formatProblem(paths.configFile, problem)}\n`);
      throw new AppError("config", `${problems.length} problem(s) in ${paths.configFile}`);
    });

  config
    .command("show")
    .description("print the effective configuration, secrets redacted")
    .option("--json", "print JSON instead of YAML")
    .action((options: { json?: boolean }, command: Command) => {
      const { config } = cliContext(command).config();
      const redacted = redactValue(config);
      if (options.json) printJson(redacted);
      else process.stdout.write(stringify(redacted));
    });

  config
    .command("path")
    .description("print where the config file is read from")
    .action((_options, command: Command) => print(cliContext(command).paths.configFile));

  config
    .command("schema")
    .description("print the JSON Schema of config.yaml, for editors")
    .action(() => printJson(configJsonSchema()));
}

/**
 * Every problem `config check` and `doctor` report: the file's own (what any command would stop on)
 * and, once it loads, what the environment this command runs in adds (breakers on a Redis named nowhere).
 */
export function checkConfigHere(paths: Paths): { check: ConfigCheck; problems: ConfigProblem[] } {
  const check = checkConfig(paths.configFile, { mustExist: paths.configNamed, references: modeProblems });
  if (!check.ok) return { check, problems: check.problems };
  try {
    // Refuses an AI_ORCHESTRATOR_REDIS_URL that is no Redis URL, as the hub would at start.
    redisUrl(check.loaded.config);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { check, problems: [{ path: "", message: error.message }] };
  }
  const noRedis = missingBreakerRedis(check.loaded.config);
  return { check, problems: noRedis === undefined ? [] : [{ path: "resilience.store", message: noRedis }] };
}

export function configJsonSchema(): unknown {
  return {
    $id: "https://ai-orchestrator.dev/config.schema.json",
    title: "ai-orchestrator config.yaml",
    ...z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }),
  };
}
