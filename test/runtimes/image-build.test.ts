// `image build` leaves no untagged image behind: neither its build stage nor the image it replaced.
// Built under a name of its own from the local base image, so the sandbox image in use is untouched.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { LOCAL_BASE_IMAGE } from "../../src/runtimes/docker-image.ts";
import { homeEnv } from "../cli/home-env.ts";
import { runCli, temporaryHome } from "../support/cli.ts";
import { docker } from "../support/docker.ts";
import { requireService } from "../support/services.ts";

const IMAGE = "aio-test-leftovers:latest";

function leftovers(): string[] {
  return docker([
    "images",
    "--quiet",
    "--filter",
    "dangling=true",
    "--filter",
    "label=dev.ai-orchestrator.stage",
  ])
    .split("\n")
    .filter(Boolean);
}

test("image build, run twice, leaves only the tagged image", async (t) => {
  const base = spawnSync("docker", ["image", "inspect", LOCAL_BASE_IMAGE], { encoding: "utf8" });
  const missing = base.error?.message ?? (base.status === 0 ? undefined : `${LOCAL_BASE_IMAGE} is not built`);
  if (!requireService(t, "docker with the local base image", missing)) return;
  const home = temporaryHome(t);
  writeFileSync(join(home, "config.yaml"), `docker: { image: "${IMAGE}", network: host }\n`);
  t.after(() => spawnSync("docker", ["rmi", "--force", IMAGE]));
  const env = homeEnv(home);
  const before = new Set(leftovers());
  for (const round of [1, 2]) {
    const built = await runCli(["image", "build", "--base", LOCAL_BASE_IMAGE, "--network", "host"], {
      env,
      timeoutMs: 600_000,
    });
    assert.equal(built.code, 0, `round ${round}: ${built.stderr.slice(-2000)}`);
    assert.deepEqual(
      leftovers().filter((id) => !before.has(id)),
      [],
      `round ${round} left untagged images`,
    );
  }
});
