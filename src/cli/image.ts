// `image build|status`: the docker runtime's sandbox image, built from docker/Dockerfile with the
// CLI versions this release pins, and whether the image present still holds them.
import { existsSync } from "node:fs";
import { type Command, InvalidArgumentError } from "commander";
import { AppError } from "../errors.ts";
import { engine, engineVersion } from "../runtimes/docker-engine.ts";
import {
  buildImage,
  buildLocalBase,
  DEFAULT_BASE_IMAGE,
  imageStatus,
  LOCAL_BASE_IMAGE,
  rebuildReason,
  removeLeftoverImages,
} from "../runtimes/docker-image.ts";
import { cliContext, print, printJson } from "./context.ts";

interface BuildCommandOptions {
  base?: string;
  localBase?: boolean;
  network?: string;
  caFile?: string;
}

/** Exit code of `image status` when the image is missing or stale, as `<mode> status` uses for "not running". */
const REBUILD_DUE_EXIT = 3;

export function registerImageCommands(program: Command): void {
  const image = program.command("image").description("build or check the docker runtime's sandbox image");

  image
    .command("build")
    .description("build the sandbox image (docker.image) with the pinned Claude Code and Gemini CLI")
    .option("--base <image>", `base image providing node and npm (default ${DEFAULT_BASE_IMAGE})`)
    .option(
      "--local-base",
      `without a registry: assemble ${LOCAL_BASE_IMAGE} with docker/build-base.sh (root, debootstrap) and build on it`,
    )
    .option("--network <name>", "network for the build's npm and apt steps (default: docker.network if host)")
    .option(
      "--ca-file <file>",
      "certificates of a TLS-intercepting proxy, trusted while building and inside the image (default: $NODE_EXTRA_CA_CERTS)",
      (value: string) => {
        if (!existsSync(value)) throw new InvalidArgumentError(`${value} does not exist`);
        return value;
      },
    )
    .action(async (options: BuildCommandOptions, command: Command) => {
      if (options.base !== undefined && options.localBase) {
        throw new AppError("usage", "give either --base or --local-base, not both");
      }
      const { config } = cliContext(command).config();
      const target = engine(config.docker.cli);
      const version = await engineVersion(target);
      if (!version.ok) throw new AppError("unavailable", version.reason);

      let base = options.base;
      if (options.localBase) {
        const assembled = await buildLocalBase(target, { stdio: "inherit" });
        if (assembled.exitCode !== 0) {
          throw new AppError(
            "runtime",
            `assembling ${LOCAL_BASE_IMAGE} failed (docker/build-base.sh said why, above)`,
          );
        }
        base = LOCAL_BASE_IMAGE;
      }
      const network = options.network ?? (config.docker.network === "host" ? "host" : undefined);
      const caFile = options.caFile ?? extraCertificates();
      const started = Date.now();
      const built = await buildImage(target, {
        image: config.docker.image,
        base,
        network,
        caFile,
        stdio: "inherit",
      });
      if (built.exitCode !== 0) {
        throw new AppError(
          "runtime",
          `building ${config.docker.image} failed (the engine's output above says where); without a registry use \`image build --local-base\``,
        );
      }
      await removeLeftoverImages(target);
      print(`built ${config.docker.image} in ${Math.round((Date.now() - started) / 1000)} s`);
    });

  image
    .command("status")
    .description("is the sandbox image built, and does it hold the pinned versions?")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { config } = cliContext(command).config();
      const target = engine(config.docker.cli);
      const version = await engineVersion(target);
      if (!version.ok) throw new AppError("unavailable", version.reason);
      const status = await imageStatus(target, config.docker.image);
      const reason = rebuildReason(status);
      if (options.json) {
        printJson({ ...status, reason: reason ?? null });
      } else {
        print(
          `image: ${status.image} (${status.present ? `present, ${status.id.slice(0, 19)}` : "not built"})`,
        );
        for (const entry of status.components) {
          const mark = entry.found === entry.pinned ? "ok" : "differs";
          print(`  ${entry.component}: ${entry.found ?? "-"} (pinned ${entry.pinned}) ${mark}`);
        }
        print(reason ? `rebuild due: ${reason}; run \`ai-orchestrator image build\`` : "current");
      }
      if (status.rebuildDue) process.exitCode = REBUILD_DUE_EXIT;
    });
}

/** The proxy certificates Node itself was told to trust, when they are a readable file. */
function extraCertificates(): string | undefined {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  return file && existsSync(file) ? file : undefined;
}
