// What `doctor` says about the docker runtime: is the engine reachable, is the image built, does
// it hold the pinned CLI versions. Each check carries the fix in its message.
import type { DockerConfig } from "../config/schema/docker.ts";
import { networkProblem } from "./docker.ts";
import { engine, engineVersion } from "./docker-engine.ts";
import { imageStatus, rebuildReason } from "./docker-image.ts";

export interface DockerCheck {
  status: "ok" | "warn" | "fail";
  topic: "docker";
  message: string;
}

/**
 * An engine that is absent is a warning, not a failure: the other runtimes still work. An engine
 * present with an image missing or stale is a warning too, with the command that fixes it.
 */
export async function dockerDoctorChecks(config: DockerConfig): Promise<DockerCheck[]> {
  const target = engine(config.cli);
  const version = await engineVersion(target);
  if (!version.ok) {
    return [{ status: "warn", topic: "docker", message: `docker runtime unavailable: ${version.reason}` }];
  }
  const checks: DockerCheck[] = [
    { status: "ok", topic: "docker", message: `${config.cli} engine ${version.version} reachable` },
  ];
  // The runtime is unavailable without its network, whatever the image: say so, not "ok" alone.
  const network = await networkProblem(target, config.network);
  if (network)
    checks.push({ status: "warn", topic: "docker", message: `docker runtime unavailable: ${network}` });
  const status = await imageStatus(target, config.image);
  const stale = rebuildReason(status);
  if (!status.present) {
    checks.push({
      status: "warn",
      topic: "docker",
      message: `${stale}: run \`ai-orchestrator image build\` (or \`image build --local-base\` without a registry)`,
    });
  } else if (stale) {
    checks.push({
      status: "warn",
      topic: "docker",
      message: `rebuild due: ${stale}: run \`ai-orchestrator image build\``,
    });
  } else {
    const versions = status.components.map((entry) => `${entry.component} ${entry.pinned}`).join(", ");
    checks.push({ status: "ok", topic: "docker", message: `image ${config.image} current (${versions})` });
  }
  return checks;
}
