// For tests of the docker runtime: the engine and image gate, the engine's own view of a
// container (`docker inspect`), and the check that a test left no container of its own behind.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { Paths } from "../../src/config/paths.ts";
import type { DockerConfig } from "../../src/config/schema/docker.ts";
import { dockerRuntime } from "../../src/runtimes/docker.ts";
import { LABEL } from "../../src/runtimes/docker-container.ts";
import { configFrom } from "./sandbox.ts";

/** Containers join the host's network here: CI's engine runs without a bridge. */
export const TEST_DOCKER_CONFIG = { network: "host" } as const;

export function testDockerConfig(): DockerConfig {
  return configFrom({ docker: TEST_DOCKER_CONFIG }).docker;
}

/** Why the docker runtime cannot run here (no engine, no image), or undefined when it can. */
export async function dockerUnavailable(paths: Paths): Promise<string | undefined> {
  const availability = await dockerRuntime({ config: testDockerConfig(), paths }).probe();
  return availability.available ? undefined : availability.reason;
}

/** Runs the docker client synchronously and returns its stdout; fails the test on an error. */
export function docker(args: readonly string[]): string {
  const result = spawnSync("docker", [...args], { encoding: "utf8" });
  assert.equal(result.status, 0, `docker ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** Names of the containers a home's runtime created, running or not. */
export function containersOf(home: string): string[] {
  return docker(["ps", "--all", "--format", "{{.Names}}", "--filter", `label=${LABEL.home}=${home}`])
    .split("\n")
    .filter(Boolean);
}

/** After the test: none of this home's containers may remain; any found are removed, then reported. */
export function assertNoContainersLeft(home: string): void {
  const left = containersOf(home);
  if (left.length > 0) spawnSync("docker", ["rm", "--force", ...left]);
  assert.deepEqual(left, [], "containers left behind");
}
