// Reads config.yaml, validates it, and describes every problem by its path with a fix.
import { readFileSync } from "node:fs";
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { errnoCode, isMissingFile } from "../errno.ts";
import { AppError } from "../errors.ts";
import { type Config, configSchema } from "./schema/index.ts";

export interface ConfigProblem {
  /** Dotted path of the offending key, e.g. `providers.zai.anthropicBaseUrl`; empty for the file itself. */
  path: string;
  message: string;
  line?: number;
}

export interface LoadedConfig {
  config: Config;
  /** The file that was read, or undefined when none exists and defaults apply. */
  file: string | undefined;
}

export type ConfigCheck =
  | { ok: true; loaded: LoadedConfig }
  | { ok: false; file: string; problems: ConfigProblem[] };

export interface CheckOptions {
  /** The file was named explicitly (--config, AI_ORCHESTRATOR_CONFIG): a typo must not mean "defaults apply". */
  mustExist?: boolean;
  /**
   * Checks that need more than the file: a mode resolved against the provider registry, say. Run
   * once the schema passes; each problem is reported with its line like the schema's own.
   */
  references?: (config: Config) => ConfigProblem[];
}

/** Validates the file (or the defaults, when it does not exist) and returns every problem found. */
export function checkConfig(file: string, options: CheckOptions = {}): ConfigCheck {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (isMissingFile(error) && options.mustExist) {
      return {
        ok: false,
        file,
        problems: [
          {
            path: "",
            message:
              "does not exist (named by --config or AI_ORCHESTRATOR_CONFIG): correct the path, or create the file with `ai-orchestrator init`",
          },
        ],
      };
    }
    if (isMissingFile(error))
      return { ok: true, loaded: { config: configSchema.parse({}), file: undefined } };
    return {
      ok: false,
      file,
      problems: [{ path: "", message: `cannot be read: ${errnoCode(error) ?? String(error)}` }],
    };
  }

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      file,
      problems: document.errors.map((error) => ({
        path: "",
        message: `is not valid YAML: ${error.message.split("\n")[0]}`,
        line: lineCounter.linePos(error.pos[0]).line,
      })),
    };
  }

  const raw: unknown = document.toJS() ?? {};
  const result = configSchema.safeParse(raw);
  const problems = result.success
    ? (options.references?.(result.data) ?? [])
    : result.error.issues.flatMap((issue) => describeIssue(issue));
  if (result.success && problems.length === 0) return { ok: true, loaded: { config: result.data, file } };
  const located = problems.map((problem) => {
    const offset = problem.path ? offsetOf(document, problem.path.split(".")) : undefined;
    return offset === undefined ? problem : { ...problem, line: lineCounter.linePos(offset).line };
  });
  return { ok: false, file, problems: located };
}

/** Loads the configuration or throws one AppError naming the first problem and the fix. */
export function loadConfig(file: string, options: CheckOptions = {}): LoadedConfig {
  const check = checkConfig(file, options);
  if (check.ok) return check.loaded;
  const first = check.problems[0];
  const more = check.problems.length > 1 ? ` (and ${check.problems.length - 1} more)` : "";
  throw new AppError(
    "config",
    `${formatProblem(check.file, first ?? { path: "", message: "is invalid" })}${more}; run \`ai-orchestrator config check\` to see every problem`,
  );
}

/** Where a key is written (its name, for an entry of a map; the item, in a list). */
function offsetOf(document: Document, path: string[]): number | undefined {
  const parent = document.getIn(path.slice(0, -1), true);
  const last = path.at(-1);
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === last);
    if (isNode(pair?.key)) return pair.key.range?.[0];
  }
  const node = document.getIn(path, true);
  return isNode(node) ? node.range?.[0] : undefined;
}

export function formatProblem(file: string, problem: ConfigProblem): string {
  const where = problem.line === undefined ? file : `${file}:${problem.line}`;
  return problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
}

function describeIssue(issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: path ? `${path}.${key}` : key,
      message: "is not a known setting; remove it or check its spelling",
    }));
  }
  if (issue.code === "invalid_type" && issue.expected === "object" && issue.input === null) {
    return [{ path, message: "is empty; give it settings or remove it" }];
  }
  return [{ path, message: issue.message }];
}
