// Launcher overhead: `claude --version` run directly, then through `ai-orchestrator claude
// --version` under the process and bwrap runtimes. The difference of the medians is what the
// launcher costs (Node start, config, spec, seeding, runtime probe and spawn).
import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolvePaths } from "../src/config/paths.ts";
import { probeBwrap } from "../src/runtimes/bwrap.ts";
import { locateCli } from "../src/runtimes/locate-cli.ts";

const RUNS = 21;
const WARMUP = 3;
const REPO = join(import.meta.dirname, "..");
const BIN = join(REPO, "bin", "ai-orchestrator.js");

const home = realpathSync(mkdtempSync(join(tmpdir(), "aio-bench-home-")));
const workspace = realpathSync(mkdtempSync(join(tmpdir(), "aio-bench-workspace-")));
const env = {
  PATH: `${join(REPO, "node_modules", ".bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
  AI_ORCHESTRATOR_HOME: home,
  ANTHROPIC_API_KEY: "sk-ant-bench-0000000000000000000000",
  LANG: "C.UTF-8",
};
const claude = locateCli("claude", { clisPrefix: resolvePaths({ env }).clisPrefix, searchPath: env.PATH });

function median(command: string, args: readonly string[], beforeEach?: () => void): number {
  const samples: number[] = [];
  for (let run = 0; run < WARMUP + RUNS; run += 1) {
    beforeEach?.();
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { env, cwd: workspace, stdio: ["ignore", "pipe", "pipe"] });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
    if (run >= WARMUP) samples.push(elapsed);
  }
  samples.sort((left, right) => left - right);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

try {
  const direct = median(claude.executable, ["--version"]);
  const rows: [string, number][] = [["claude --version, directly", direct]];
  // The floor under any launcher written for Node: Node starting and exiting with nothing to do.
  rows.push(["node -e '' (Node's own start, for comparison)", median(process.execPath, ["-e", ""])]);
  rows.push([
    "ai-orchestrator --runtime process claude --version",
    median(process.execPath, [BIN, "--runtime", "process", "claude", "--version"]),
  ]);
  // The first launch after config.yaml changed parses and validates it (YAML and schema libraries).
  const cache = join(home, "run", "config-cache.json");
  rows.push([
    "… process, first launch after a config change",
    median(process.execPath, [BIN, "--runtime", "process", "claude", "--version"], () =>
      rmSync(cache, { force: true }),
    ),
  ]);
  const bwrap = probeBwrap();
  if (bwrap.available) {
    rows.push([
      "ai-orchestrator --runtime bwrap claude --version",
      median(process.execPath, [BIN, "--runtime", "bwrap", "claude", "--version"]),
    ]);
  } else {
    process.stdout.write(`(bwrap skipped: ${bwrap.reason})\n`);
  }
  process.stdout.write(`median of ${RUNS} runs after ${WARMUP} warm-up runs\n\n`);
  process.stdout.write("| command | median (ms) | overhead (ms) |\n|---|---:|---:|\n");
  for (const [label, value] of rows) {
    process.stdout.write(`| ${label} | ${value.toFixed(1)} | ${(value - direct).toFixed(1)} |\n`);
  }
} finally {
  rmSync(home, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
}
