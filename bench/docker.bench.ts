// Docker runtime latency as a person feels it, through the built command: `<mode> start`,
// `<mode> restart`, and a one-shot `-p` run of the real Claude Code against the Z.ai simulator
// (127.0.0.1, host network), under the process runtime, in a throwaway container, and exec'd
// into a running session. Medians of bounded rounds after one warm-up. `npm run bench -- docker`
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { resolvePaths } from "../src/config/paths.ts";
import { configSchema } from "../src/config/schema/index.ts";
import { dockerRuntime } from "../src/runtimes/docker.ts";
import { startSimulators } from "../src/simulators/index.ts";

const ROUNDS = 7;
const REPO = join(import.meta.dirname, "..");
const BIN = join(REPO, "bin", "ai-orchestrator.js");
const KEY = "zai-bench-key-0000000000000000";

const home = realpathSync(mkdtempSync(join(tmpdir(), "aio-bench-home-")));
const workspace = realpathSync(mkdtempSync(join(tmpdir(), "aio-bench-workspace-")));
const simulators = await startSimulators({ providers: ["zai"], keys: { zai: [KEY] } });
writeFileSync(
  join(home, "config.yaml"),
  [
    "providers:",
    `  zai: { anthropicBaseUrl: "${simulators.endpoints.zai.anthropicBaseUrl}" }`,
    "docker:",
    "  network: host",
    "",
  ].join("\n"),
);
const paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: home } });
const env: NodeJS.ProcessEnv = {
  PATH: `${join(REPO, "node_modules", ".bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
  HOME: process.env.HOME,
  AI_ORCHESTRATOR_HOME: home,
  ZAI_API_KEY: KEY,
};

/** Runs the built command and resolves with its wall time; asynchronous, so the simulator in this process can answer. */
function cli(args: readonly string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      cwd: workspace,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`ai-orchestrator ${args.join(" ")} exited ${code}: ${stderr}`));
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** One warm-up, then ROUNDS timed runs of `measure`, each after `prepare` (untimed). */
async function rounds(
  measure: () => Promise<number>,
  prepare: () => Promise<unknown> = async () => 0,
): Promise<number> {
  await prepare();
  await measure();
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    await prepare();
    times.push(await measure());
  }
  return median(times);
}

const prompt = ["glm", "-p", "benchmark prompt"];
try {
  const config = configSchema.parse({ docker: { network: "host" } });
  const availability = await dockerRuntime({ config: config.docker, paths, workspace }).probe();
  if (!availability.available) {
    process.stdout.write(`skipped: the docker runtime is unavailable here (${availability.reason})\n`);
  } else {
    const stop = () => cli(["--runtime", "docker", "glm", "stop"]);
    const start = () => cli(["--runtime", "docker", "glm", "start"]);
    const rows: [string, number][] = [];
    rows.push([
      "glm start (no session running)",
      await rounds(() => cli(["--runtime", "docker", "glm", "start"]), stop),
    ]);
    rows.push([
      "glm restart (session running)",
      await rounds(() => cli(["--runtime", "docker", "glm", "restart"]), start),
    ]);
    rows.push([
      "glm stop (session running)",
      await rounds(() => cli(["--runtime", "docker", "glm", "stop"]), start),
    ]);
    await stop();
    rows.push(["glm -p, process runtime", await rounds(() => cli(["--runtime", "process", ...prompt]))]);
    rows.push([
      "glm -p, docker, throwaway container",
      await rounds(() => cli(["--runtime", "docker", ...prompt])),
    ]);
    await start();
    rows.push([
      "glm -p, docker, exec into the running session",
      await rounds(() => cli(["--runtime", "docker", ...prompt])),
    ]);
    await stop();
    process.stdout.write(`${ROUNDS} rounds after 1 warm-up, medians; ${availability.detail}\n\n`);
    process.stdout.write("| command | median (ms) |\n|---|---:|\n");
    for (const [name, value] of rows) process.stdout.write(`| ${name} | ${value.toFixed(0)} |\n`);
  }
} finally {
  spawnSync(process.execPath, [BIN, "--runtime", "docker", "glm", "stop"], { env, cwd: workspace });
  await simulators.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
}
