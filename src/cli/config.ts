// `config check|show|path|schema`: look at the configuration without running anything.
import type { Command } from "commander";
import { z } from "zod";
import { checkConfig, formatProblem } from "../config/load.ts";
import { configSchema } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import { cliContext, print, printJson } from "./context.ts";
import { redactConfig } from "../config/redact.ts";
import { stringify } from "yaml";

export function registerConfigCommands(program: Command): void {
  const config = program.command("config").description("check, show or locate the configuration");

  config
    .command("check")
    .description("validate the config file and report every problem with its fix")
    .action((_options, command: Command) => {
      const { paths } = cliContext(command);
      const check = checkConfig(paths.configFile);
      if (check.ok) {
        print(check.loaded.file ? `${check.loaded.file}: OK` : `${paths.configFile}: not found; defaults apply`);
        return;
      }
      for (const problem of check.problems) process.stderr.write(`${formatProblem(check.file, problem)}\n`);
      throw new AppError("config", `${check.problems.length} problem(s) in ${check.file}`);
    });

  config
    .command("show")
    .description("print the effective configuration, secrets redacted")
    .option("--json", "print JSON instead of YAML")
    .action((options: { json?: boolean }, command: Command) => {
      const { config } = cliContext(command).config();
      const redacted = redactConfig(config);
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

export function configJsonSchema(): unknown {
  return {
    $id: "https://ai-orchestrator.dev/config.schema.json",
    title: "ai-orchestrator config.yaml",
    ...z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }),
  };
}
