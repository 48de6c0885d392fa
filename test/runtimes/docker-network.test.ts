// The docker runtime on a bridge-type network with the provider on this machine's loopback (the
// simulators, a local gateway): 127.0.0.1 inside a container is the container, so the assistant
// would retry for minutes in silence. Named explicitly, the runtime refuses before starting, in one
// line with the fix; under `auto` the launcher says so and runs the mode under the next runtime.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { stringify } from "yaml";
import { probeBwrap } from "../../src/runtimes/bwrap.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { homeEnv } from "../cli/home-env.ts";
import { runCli } from "../support/cli.ts";
import { assertNoContainersLeft, dockerUnavailable } from "../support/docker.ts";
import { sandboxFixture } from "../support/sandbox.ts";
import { requireService } from "../support/services.ts";

const REPO = join(import.meta.dirname, "..", "..");
const NETWORK = `aio-test-bridge-${randomBytes(4).toString("hex")}`;
let simulators: Simulators;
let networkProblem: string | undefined;

before(async () => {
  simulators = await startSimulators({ providers: ["zai"] });
  const created = spawnSync("docker", ["network", "create", "--driver", "bridge", NETWORK], {
    encoding: "utf8",
  });
  if (created.status !== 0) networkProblem = `cannot create a bridge network: ${created.stderr.trim()}`;
});

after(async () => {
  await simulators.close();
  if (!networkProblem) spawnSync("docker", ["network", "rm", NETWORK]);
});

async function setup(t: TestContext): Promise<NodeJS.ProcessEnv | undefined> {
  const fixture = sandboxFixture(t);
  if (!requireService(t, "docker", networkProblem ?? (await dockerUnavailable(fixture.paths)))) return;
  t.after(() => assertNoContainersLeft(fixture.home));
  const config = {
    providers: { zai: { anthropicBaseUrl: simulators.endpoints.zai.anthropicBaseUrl } },
    docker: { network: NETWORK },
  };
  writeFileSync(join(fixture.home, "config.yaml"), stringify(config));
  return {
    ...homeEnv(fixture.home, { ZAI_API_KEY: "zai-bridge-test-key" }),
    PATH: `${join(REPO, "node_modules", ".bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
  };
}

test("--runtime docker on a bridge network with a loopback endpoint: refused at once, with the fix", async (t) => {
  const env = await setup(t);
  if (!env) return;
  const result = await runCli(["--runtime", "docker", "glm", "-p", "hi"], { env, timeoutMs: 60_000 });
  assert.equal(result.signal, null, "the launch had to be killed: it hung");
  assert.equal(result.code, 2, result.stderr);
  assert.equal(
    result.stderr,
    `ai-orchestrator: the glm mode's endpoint ${simulators.endpoints.zai.anthropicBaseUrl} is on this machine's loopback, which a container on the docker network "${NETWORK}" cannot reach: set \`network: host\` under \`docker:\` in config.yaml, or run with \`--runtime bwrap\`\n`,
  );
  assert.equal(simulators.requests().length, 0);
});

test("auto with the image built: docker is passed over with a line saying why, and the answer comes", async (t) => {
  const env = await setup(t);
  if (!env) return;
  const bwrap = probeBwrap();
  if (!requireService(t, "bubblewrap", bwrap.available ? undefined : bwrap.reason)) return;
  const result = await runCli(["glm", "-p", "What is two plus two?"], { env, timeoutMs: 120_000 });
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /^ai-orchestrator: warning: not using the docker runtime: the glm mode's endpoint/m,
  );
  assert.match(result.stdout, /Simulated Z\.ai reply to: What is two plus two\?/);
});
