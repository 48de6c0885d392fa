// `docker:` settings of the docker runtime: which engine client, which image, and the limits every
// sandbox container gets. The defaults suit one person running a few assistants on a laptop.
import { z } from "zod";

export const CONTAINER_CLIS = ["docker", "podman"] as const;
export type ContainerCli = (typeof CONTAINER_CLIS)[number];

/** `name[:tag]` or `registry/path/name[:tag][@digest]`, as `docker build -t` accepts. */
const imageReference = z
  .string()
  .regex(
    /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    "must be an image reference such as ai-orchestrator:latest (lower-case name, optional :tag)",
  );

export const dockerSchema = z.strictObject({
  cli: z
    .enum(CONTAINER_CLIS, { error: `must be one of ${CONTAINER_CLIS.join(", ")}` })
    .default("docker")
    .describe("The engine client to run: docker, or podman (same command line)."),
  image: imageReference
    .default("ai-orchestrator:latest")
    .describe("The sandbox image; `ai-orchestrator image build` builds it under this name."),
  network: z
    .string()
    .regex(
      /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/,
      "must be host, none, bridge or the name of a user-defined network",
    )
    .default("bridge")
    .describe(
      "Network of the sandbox containers: bridge (the engine's default), host, none, or a user-defined network.",
    ),
  memory: z
    .string()
    .regex(/^[0-9]+(?:\.[0-9]+)?[bkmgBKMG]?$/, "must be a size such as 4g or 512m")
    .default("4g")
    .describe("Memory limit of each sandbox container (docker --memory)."),
  cpus: z
    .number({ error: "must be a number of CPUs such as 2 or 1.5" })
    .positive("must be more than 0")
    .max(1024)
    .default(2)
    .describe("CPU limit of each sandbox container (docker --cpus)."),
  pidsLimit: z
    .number({ error: "must be a whole number of processes" })
    .int("must be a whole number of processes")
    .min(32, "must be at least 32: the assistants run many threads")
    .default(1024)
    .describe("Process and thread limit of each sandbox container (docker --pids-limit)."),
});
export type DockerConfig = z.infer<typeof dockerSchema>;
