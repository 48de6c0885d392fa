// Install once, run anywhere: the README's set-up (`npm ci && npm link`) puts `ai-orchestrator` and
// `aio` on the PATH, so a mode starts from any project, through the shell-init functions too, and
// `doctor` finds the same assistant CLI the launch does. `npm ci` has already run in this checkout
// (it is how the tests got here); `npm link` goes into a scratch prefix instead of the global one.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { stringify } from "yaml";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { runProgram } from "../support/cli.ts";
import { removeScratch } from "../support/scratch.ts";
import { requireService } from "../support/services.ts";
import { homeEnv } from "./home-env.ts";

const REPO = join(import.meta.dirname, "..", "..");
let simulators: Simulators;
let scratch: string;
let linkProblem: string | undefined;

before(async () => {
  simulators = await startSimulators({ providers: ["zai"] });
  scratch = realpathSync(mkdtempSync(join(tmpdir(), "aio-install-")));
  // --ignore-scripts: the package's `prepare` (the build) would rewrite dist/ under the tests that
  // run bin/ meanwhile; the checkout is built already.
  const linked = spawnSync("npm", ["link", "--no-audit", "--no-fund", "--ignore-scripts"], {
    cwd: REPO,
    env: { ...process.env, NPM_CONFIG_PREFIX: join(scratch, "prefix") },
    encoding: "utf8",
    timeout: 120_000,
  });
  if (linked.error || linked.status !== 0)
    linkProblem = `npm link failed: ${linked.error?.message ?? linked.stderr.trim().split("\n").at(-1)}`;
});

after(async () => {
  await simulators.close();
  removeScratch(scratch);
});

interface Installed {
  env: NodeJS.ProcessEnv;
  project: string;
}

/**
 * A person's shell after set-up: the scratch prefix's bin and their own Claude Code on PATH (the
 * checkout's, standing in for one installed by hand or by `install-clis`), nothing else of ours.
 */
function installed(t: TestContext): Installed | undefined {
  if (!requireService(t, "npm", linkProblem)) return undefined;
  const home = join(scratch, `home-${t.name.length}-${Date.now()}`);
  mkdirSync(home, { recursive: true });
  const config = {
    runtime: "process",
    providers: { zai: { anthropicBaseUrl: simulators.endpoints.zai.anthropicBaseUrl } },
  };
  writeFileSync(join(home, "config.yaml"), stringify(config));
  const cliDir = join(scratch, "person-bin");
  mkdirSync(cliDir, { recursive: true });
  rmSync(join(cliDir, "claude"), { force: true });
  spawnSync("ln", ["-s", join(REPO, "node_modules", ".bin", "claude"), join(cliDir, "claude")]);
  const project = join(scratch, "my-project");
  mkdirSync(project, { recursive: true });
  const env = {
    ...homeEnv(home, { ZAI_API_KEY: "zai-install-test-key" }),
    PATH: [join(scratch, "prefix", "bin"), cliDir, "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
  };
  return { env, project };
}

test("after `npm link`, ai-orchestrator and aio run a mode from an unrelated project", async (t) => {
  const setup = installed(t);
  if (!setup) return;
  for (const command of ["ai-orchestrator", "aio"]) {
    const result = await runProgram(command, ["glm", "-p", `Hello from ${command}`], {
      env: setup.env,
      cwd: setup.project,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Simulated Z\\.ai reply to: Hello from ${command}`));
  }
});

test("the shell-init functions run the same mode, from the same install, in the same project", async (t) => {
  const setup = installed(t);
  if (!setup) return;
  const script = 'eval "$(ai-orchestrator shell-init bash)" && cd "$1" && glm -p "Hello from a function"';
  const result = await runProgram("bash", ["-c", script, "bash", setup.project], { env: setup.env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Simulated Z\.ai reply to: Hello from a function/);
});

test("doctor finds the same Claude Code the launch runs", async (t) => {
  const setup = installed(t);
  if (!setup) return;
  const result = await runProgram("ai-orchestrator", ["doctor", "--json"], {
    env: setup.env,
    cwd: setup.project,
  });
  const report = JSON.parse(result.stdout);
  const glm = report.modes.find((mode: { mode: string }) => mode.mode === "glm");
  assert.equal(glm.program.cli, "claude");
  assert.match(glm.program.command[0], /claude/);
  assert.equal(glm.program.version, "2.1.329");
});
