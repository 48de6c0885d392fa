// Launching through the hub: the real Claude Code's `glm -p` against the Z.ai simulator with the key
// in the sandbox, and the same with `--via-hub` (the hub already running); what the hub adds to one
// request (a Messages call sent directly to the simulator and through the hub); and the hub's cold
// start, both as `hub start` (a whole command: its own Node start included) and as a `--via-hub`
// launch starts it (ensureHub from a running launcher, by socket activation: the time the launch
// waits, and until a request sent at once is answered), each after `hub stop`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolvePaths } from "../src/config/paths.ts";
import { ensureHub } from "../src/hub/local-hub.ts";
import { startSimulators } from "../src/simulators/index.ts";
import { BIN, runCli } from "../test/support/cli.ts";

const LAUNCH_RUNS = 7;
const START_RUNS = 7;
const REQUESTS = 300;
const WARMUP = 1;
const REPO = join(import.meta.dirname, "..");
const ZAI_KEY = "zai-bench-key-0000000000000000";

const home = realpathSync(mkdtempSync(join(tmpdir(), "aio-bench-home-")));
const workspace = realpathSync(mkdtempSync(join(tmpdir(), "aio-bench-workspace-")));
const simulators = await startSimulators({ keys: { zai: [ZAI_KEY] } });
writeFileSync(
  join(home, "config.yaml"),
  [
    "providers:",
    `  zai: { anthropicBaseUrl: "${simulators.endpoints.zai.anthropicBaseUrl}" }`,
    "server: { port: 0 }",
    "",
  ].join("\n"),
);
const env = {
  PATH: `${join(REPO, "node_modules", ".bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
  AI_ORCHESTRATOR_HOME: home,
  ZAI_API_KEY: ZAI_KEY,
  LANG: "C.UTF-8",
};

// Asynchronous (runCli spawns): the simulators answer from this very process, which must not block.
async function cli(args: readonly string[]): Promise<string> {
  const result = await runCli(args, { env, cwd: workspace });
  // `hub status` exits 3 when no hub runs; everything else must succeed.
  if (result.code !== 0 && !(args[0] === "hub" && result.code === 3))
    throw new Error(`ai-orchestrator ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

function medianOf(samples: number[]): number {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timeRuns(
  runs: number,
  work: () => Promise<unknown>,
  beforeEach?: () => Promise<unknown>,
): Promise<number> {
  const samples: number[] = [];
  for (let run = 0; run < WARMUP + runs; run += 1) {
    await beforeEach?.();
    const started = performance.now();
    await work();
    if (run >= WARMUP) samples.push(performance.now() - started);
  }
  return medianOf(samples);
}

async function requestTimes(url: string, authorization: string): Promise<number> {
  const body = JSON.stringify({
    model: "glm-4.6",
    max_tokens: 32,
    messages: [{ role: "user", content: "hi" }],
  });
  const samples: number[] = [];
  for (let index = 0; index < REQUESTS + 20; index += 1) {
    const started = performance.now();
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body,
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    if (index >= 20) samples.push(performance.now() - started);
  }
  return medianOf(samples);
}

try {
  const prompt = ["--runtime", "process", "glm", "-p", "hello"];
  const direct = await timeRuns(LAUNCH_RUNS, () => cli(prompt));
  await cli(["hub", "start"]);
  const viaHub = await timeRuns(LAUNCH_RUNS, () => cli(["--via-hub", ...prompt]));

  // One request's cost through the hub, with a key minted as `keys create` does.
  const hubUrl = /at (\S+) /.exec(await cli(["hub", "status"]))?.[1] ?? "";
  const created: unknown = JSON.parse(await cli(["keys", "create", "--name", "bench", "--json"]));
  const key = typeof created === "object" && created !== null && "key" in created ? String(created.key) : "";
  const upstream = await requestTimes(
    `${simulators.endpoints.zai.anthropicBaseUrl}/v1/messages`,
    `Bearer ${ZAI_KEY}`,
  );
  const throughHub = await requestTimes(new URL("/v1/messages", hubUrl).toString(), `Bearer ${key}`);
  await cli(["hub", "stop"]);

  const coldStart = await timeRuns(
    START_RUNS,
    () => cli(["hub", "start"]),
    () => cli(["hub", "stop"]),
  );
  // What a `--via-hub` launch waits for when no hub runs (the launcher is already running), and
  // how long until a request it sends at once is answered.
  const waited: number[] = [];
  const answered: number[] = [];
  for (let run = 0; run < WARMUP + START_RUNS; run += 1) {
    await cli(["hub", "stop"]);
    const started = performance.now();
    const { hub } = await ensureHub({
      paths: resolvePaths({ env }),
      command: { executable: process.execPath, args: [BIN] },
      env,
      activate: { host: "127.0.0.1", port: 0 },
    });
    const returned = performance.now();
    const response = await fetch(new URL("/healthz", hub.url));
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${hub.url}/healthz: ${response.status}`);
    if (run >= WARMUP) {
      waited.push(returned - started);
      answered.push(performance.now() - started);
    }
  }
  const autoStart = medianOf(waited);
  const firstAnswer = medianOf(answered);
  await cli(["hub", "stop"]);

  process.stdout.write(
    `median of ${LAUNCH_RUNS} launches, ${REQUESTS} requests, ${START_RUNS} starts, each after warm-up\n\n`,
  );
  process.stdout.write("| measurement | median (ms) | added by the hub (ms) |\n|---|---:|---:|\n");
  process.stdout.write(`| glm -p, key in the sandbox (process) | ${direct.toFixed(1)} | |\n`);
  process.stdout.write(
    `| --via-hub glm -p, hub running (process) | ${viaHub.toFixed(1)} | ${(viaHub - direct).toFixed(1)} |\n`,
  );
  process.stdout.write(`| one Messages request, directly to the simulator | ${upstream.toFixed(2)} | |\n`);
  process.stdout.write(
    `| one Messages request, through the hub | ${throughHub.toFixed(2)} | ${(throughHub - upstream).toFixed(2)} |\n`,
  );
  process.stdout.write(`| hub start, cold (until it listens) | ${coldStart.toFixed(1)} | |\n`);
  process.stdout.write(
    `| hub auto-start from a launch, cold (the time the launch waits) | ${autoStart.toFixed(1)} | |\n`,
  );
  process.stdout.write(
    `| hub auto-start from a launch, cold (until a request sent at once is answered) | ${firstAnswer.toFixed(1)} | |\n`,
  );
} finally {
  spawnSync(process.execPath, [BIN, "hub", "stop"], { env, stdio: "ignore" });
  await simulators.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
}
