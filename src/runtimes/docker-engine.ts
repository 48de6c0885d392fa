// The container engine as the docker runtime sees it: its command-line client (docker, or podman
// with the same flags), run with a small environment, and its JSON answers parsed with zod.
import { spawn } from "node:child_process";
import { z } from "zod";
import type { ContainerCli } from "../config/schema/docker.ts";
import { isMissingFile } from "../errno.ts";
import { AppError } from "../errors.ts";

export interface EngineResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface EngineCommandOptions {
  /** Written to the client's stdin, then closed (how secrets reach a container: never argv). */
  input?: string;
  timeoutMs?: number;
}

/** What the client itself needs from the parent's environment: where the engine is, nothing else. */
const CLIENT_ENV = [
  "PATH",
  "HOME",
  "DOCKER_HOST",
  "DOCKER_CONFIG",
  "DOCKER_CONTEXT",
  "DOCKER_CERT_PATH",
  "DOCKER_TLS_VERIFY",
  "CONTAINER_HOST",
  "CONTAINERS_CONF",
  "XDG_RUNTIME_DIR",
  "XDG_CONFIG_HOME",
];

export function clientEnv(hostEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of CLIENT_ENV) {
    const value = hostEnv[name];
    if (value !== undefined) env[name] = value;
  }
  // The legacy builder's deprecation banner is noise in `image build` output.
  env.DOCKER_CLI_HINTS = "false";
  return env;
}

export interface Engine {
  readonly cli: ContainerCli;
  run(args: readonly string[], options?: EngineCommandOptions): Promise<EngineResult>;
  /** Runs and throws an AppError carrying the client's own message when it fails. */
  check(args: readonly string[], what: string, options?: EngineCommandOptions): Promise<string>;
}

export function engine(cli: ContainerCli): Engine {
  const run = (args: readonly string[], options: EngineCommandOptions = {}): Promise<EngineResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(cli, [...args], {
        env: clientEnv(),
        stdio: ["pipe", "pipe", "pipe"],
        timeout: options.timeoutMs ?? 60_000,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      child.on("error", (error: NodeJS.ErrnoException) => {
        reject(
          isMissingFile(error)
            ? new AppError(
                "unavailable",
                `${cli} is not installed or not on PATH: install it, or set docker.cli in config.yaml`,
              )
            : new AppError("runtime", `cannot run ${cli}: ${error.message}`),
        );
      });
      child.on("close", (code, signal) => {
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
      // A container that exits before reading its stdin closes the pipe; that is its answer, not ours.
      child.stdin.on("error", () => {});
      child.stdin.end(options.input ?? "");
    });
  return {
    cli,
    run,
    check: async (args, what, options) => {
      const result = await run(args, options);
      if (result.code !== 0) {
        throw new AppError(
          "runtime",
          `${what} failed: ${firstLine(result.stderr) || `${cli} exited ${result.code}`}`,
        );
      }
      return result.stdout;
    },
  };
}

export function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((line) => line.trim())
      .find((line) => line.length > 0 && !line.startsWith("DEPRECATED")) ?? ""
  );
}

/** The engine's version if it answers, or why not. */
export async function engineVersion(
  target: Engine,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  let result: EngineResult;
  try {
    result = await target.run(["version", "--format", "{{.Server.Version}}"], { timeoutMs: 10_000 });
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  const version = result.stdout.trim();
  if (result.code !== 0 || version === "") {
    const detail = firstLine(result.stderr) || `${target.cli} version exited ${result.code}`;
    return { ok: false, reason: `the ${target.cli} engine does not answer (${detail}): start it and retry` };
  }
  return { ok: true, version };
}

const labels = z
  .record(z.string(), z.string())
  .nullish()
  .transform((value) => value ?? {});

const containerInspect = z.object({
  Id: z.string(),
  Name: z.string(),
  Created: z.string(),
  State: z.object({
    Status: z.string(),
    Running: z.boolean(),
    OOMKilled: z.boolean().optional().default(false),
    ExitCode: z.number(),
    StartedAt: z.string(),
    FinishedAt: z.string().optional(),
  }),
  Config: z.object({
    Image: z.string(),
    Labels: labels,
    Env: z.array(z.string()).nullish(),
  }),
  Args: z.array(z.string()).nullish(),
  Mounts: z
    .array(z.object({ Type: z.string(), Source: z.string(), Destination: z.string(), RW: z.boolean() }))
    .nullish(),
});
export type ContainerInspect = z.infer<typeof containerInspect>;

const imageInspect = z.object({
  Id: z.string(),
  Created: z.string().optional(),
  Config: z.object({ Labels: labels }).nullish(),
});
export type ImageInspect = z.infer<typeof imageInspect>;

/** Containers carrying every one of `labels`, running or not. */
export async function containersLabelled(
  target: Engine,
  filter: Readonly<Record<string, string>>,
): Promise<ContainerInspect[]> {
  const args = ["ps", "--all", "--quiet", "--no-trunc"];
  for (const [name, value] of Object.entries(filter)) args.push("--filter", `label=${name}=${value}`);
  const ids = (await target.check(args, "listing containers"))
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  if (ids.length === 0) return [];
  // A container removed between `ps` and `inspect` is simply gone: inspect the rest.
  const result = await target.run(["container", "inspect", ...ids]);
  return parseInspect(result.stdout);
}

export async function inspectContainer(target: Engine, name: string): Promise<ContainerInspect | undefined> {
  const result = await target.run(["container", "inspect", name]);
  if (result.code !== 0) return undefined;
  return parseInspect(result.stdout)[0];
}

function parseInspect(stdout: string): ContainerInspect[] {
  if (stdout.trim() === "") return [];
  const parsed = z.array(containerInspect).safeParse(parseJson(stdout));
  if (!parsed.success) {
    throw new AppError(
      "runtime",
      `unexpected answer from container inspect: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

export async function inspectImage(target: Engine, reference: string): Promise<ImageInspect | undefined> {
  const result = await target.run(["image", "inspect", reference]);
  if (result.code !== 0) return undefined;
  const parsed = z.array(imageInspect).safeParse(parseJson(result.stdout));
  if (!parsed.success) {
    throw new AppError("runtime", `unexpected answer from image inspect: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data[0];
}

/** The engine's JSON, or undefined (which the schema then rejects with a readable message). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
