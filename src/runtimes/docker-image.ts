// The sandbox image: the versions it must hold, whether the one present holds them, and how to
// build it from docker/Dockerfile, FROM a registry's node:24-slim or a base assembled offline.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "../errors.ts";
import { CLI_PACKAGES } from "../modes/cli-packages.ts";
import { clientEnv, type Engine, inspectImage } from "./docker-engine.ts";

/** The versions the image must hold; `image status` says "rebuild due" when the image differs. */
export const PINNED = {
  "claude-code": CLI_PACKAGES.claude.version,
  "gemini-cli": CLI_PACKAGES.gemini.version,
  /** The Dockerfile's own layout; raised whenever docker/Dockerfile changes what the image holds. */
  "image-version": "1",
} as const;
export type PinnedComponent = keyof typeof PINNED;
const COMPONENTS: readonly PinnedComponent[] = ["claude-code", "gemini-cli", "image-version"];

export const LABEL_PREFIX = "dev.ai-orchestrator.";
export const DEFAULT_BASE_IMAGE = "node:24-slim";
export const LOCAL_BASE_IMAGE = "ai-orchestrator-base:local";

/** docker/ in the package: two levels above both src/runtimes and dist/runtimes. */
export const DOCKER_DIR = join(import.meta.dirname, "..", "..", "docker");

export interface ComponentVersion {
  component: PinnedComponent;
  pinned: string;
  /** What the image's label says; undefined when the label is missing. */
  found: string | undefined;
}

export type ImageStatus =
  | { image: string; present: false; rebuildDue: true; components: ComponentVersion[] }
  | {
      image: string;
      present: true;
      id: string;
      created: string | undefined;
      rebuildDue: boolean;
      components: ComponentVersion[];
    };

export async function imageStatus(target: Engine, image: string): Promise<ImageStatus> {
  const inspected = await inspectImage(target, image);
  const labels = inspected?.Config?.Labels ?? {};
  const components = COMPONENTS.map((component) => ({
    component,
    pinned: PINNED[component],
    found: labels[`${LABEL_PREFIX}${component}`],
  }));
  if (!inspected) return { image, present: false, rebuildDue: true, components };
  return {
    image,
    present: true,
    id: inspected.Id,
    created: inspected.Created,
    rebuildDue: components.some((entry) => entry.found !== entry.pinned),
    components,
  };
}

/** One line on why an image needs building, or undefined when it is current. */
export function rebuildReason(status: ImageStatus): string | undefined {
  if (!status.present) return `image ${status.image} is not built`;
  const stale = status.components.filter((entry) => entry.found !== entry.pinned);
  if (stale.length === 0) return undefined;
  return `image ${status.image} holds ${stale
    .map((entry) => `${entry.component} ${entry.found ?? "(unlabelled)"} instead of ${entry.pinned}`)
    .join(", ")}`;
}

export interface BuildOptions {
  image: string;
  /** FROM image of both stages; default node:24-slim. */
  base?: string;
  /** Network of the build's RUN steps (npm install, apt-get); default: the engine's own. */
  network?: string;
  /** PEM certificates of a TLS-intercepting proxy, trusted by npm at build time and by the image. */
  caFile?: string;
  /** "inherit" shows the engine's build output as it happens; "pipe" collects it. */
  stdio: "inherit" | "pipe";
}

export interface BuildResult {
  exitCode: number;
  output: string;
}

export function buildArgs(options: BuildOptions, context: string): string[] {
  const args = ["build", "--tag", options.image];
  if (options.network) args.push("--network", options.network);
  args.push("--build-arg", `BASE_IMAGE=${options.base ?? DEFAULT_BASE_IMAGE}`);
  args.push("--build-arg", `CLAUDE_CODE_VERSION=${PINNED["claude-code"]}`);
  args.push("--build-arg", `GEMINI_CLI_VERSION=${PINNED["gemini-cli"]}`);
  args.push("--build-arg", `IMAGE_VERSION=${PINNED["image-version"]}`);
  args.push(context);
  return args;
}

/** Builds the image from a context holding only the Dockerfile (and the proxy's certificates). */
export async function buildImage(target: Engine, options: BuildOptions): Promise<BuildResult> {
  if (options.caFile !== undefined && !existsSync(options.caFile)) {
    throw new AppError(
      "usage",
      `--ca-file ${options.caFile} does not exist: give a PEM file of certificates`,
    );
  }
  const context = mkdtempSync(join(tmpdir(), "aio-image-"));
  try {
    copyFileSync(join(DOCKER_DIR, "Dockerfile"), join(context, "Dockerfile"));
    if (options.caFile !== undefined) copyFileSync(options.caFile, join(context, "extra-ca.crt"));
    return await spawnStep(target.cli, buildArgs(options, context), options.stdio);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/**
 * Removes the untagged images a build leaves: its `build` stage, and the sandbox image it replaced
 * under the same tag (unless a container still uses it). Only images with our stage label go.
 */
export async function removeLeftoverImages(target: Engine): Promise<void> {
  await target.run(["image", "prune", "--force", "--filter", `label=${LABEL_PREFIX}stage`]);
}

/**
 * Runs docker/build-base.sh: a Debian minbase root filesystem with Node.js from the npm registry,
 * imported as `ai-orchestrator-base:local` (cached, so a second run is quick).
 */
export async function buildLocalBase(
  target: Engine,
  options: { stdio: "inherit" | "pipe"; cacheDir?: string },
): Promise<BuildResult> {
  // The script fetches from Debian's mirror and the npm registry as the person would: with their
  // proxy settings and certificates. It is a build step on their behalf, not a sandbox.
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  env.AIO_DOCKER_CLI = target.cli;
  env.AIO_BASE_TAG = LOCAL_BASE_IMAGE;
  if (options.cacheDir !== undefined) env.AIO_CACHE_DIR = options.cacheDir;
  return spawnStep("bash", [join(DOCKER_DIR, "build-base.sh")], options.stdio, env);
}

function spawnStep(
  executable: string,
  args: readonly string[],
  stdio: "inherit" | "pipe",
  env: Record<string, string> = clientEnv(),
): Promise<BuildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, [...args], {
      env,
      stdio: stdio === "inherit" ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: string) => {
      output += chunk;
    };
    child.stdout?.setEncoding("utf8").on("data", collect);
    child.stderr?.setEncoding("utf8").on("data", collect);
    child.on("error", (error) =>
      reject(new AppError("runtime", `cannot run ${executable}: ${error.message}`)),
    );
    child.on("close", (code, signal) => resolve({ exitCode: code ?? (signal ? 128 : 1), output }));
  });
}
