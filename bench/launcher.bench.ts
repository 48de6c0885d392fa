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

interface Row {
  label: string;
  command: string;
  args: readonly string[];
  beforeEach?: () => void;
}

function elapsedMs(row: Row): number {
  row.beforeEach?.();
  const started = process.hrtime.bigint();
  const result = spawnSync(row.command, row.args, { env, cwd: workspace, stdio: ["ignore", "pipe", "pipe"] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${row.command} ${row.args.join(" ")} failed: ${result.stderr}`);
  return elapsed;
}

/**
 * Each row's median. The rows run in turn, one sample each per round, so that a change in the
 * machine's load (it is often shared) touches every row alike instead of whichever ran then.
 */
function medians(rows: readonly Row[]): number[] {
  const samples = rows.map((): number[] => []);
  for (let round = 0; round < WARMUP + RUNS; round += 1) {
    rows.forEach((row, index) => {
      const elapsed = elapsedMs(row);
      if (round >= WARMUP) samples[index]?.push(elapsed);
    });
  }
  return samples.map((values) => {
    values.sort((left, right) => left - right);
    return values[Math.floor(values.length / 2)] ?? Number.NaN;
  });
}

try {
  const launch = (runtime: string): readonly string[] => [BIN, "--runtime", runtime, "claude", "--version"];
  // The first launch after config.yaml changed parses and validates it (YAML and schema libraries).
  const cache = join(home, "run", "config-cache.json");
  const rows: Row[] = [
    { label: "claude --version, directly", command: claude.executable, args: ["--version"] },
    // The floor under any launcher written for Node: Node starting and exiting with nothing to do.
    { label: "node -e '' (Node's own start, for comparison)", command: process.execPath, args: ["-e", ""] },
    {
      label: "ai-orchestrator --runtime process claude --version",
      command: process.execPath,
      args: launch("process"),
    },
    {
      label: "… process, first launch after a config change",
      command: process.execPath,
      args: launch("process"),
      beforeEach: () => rmSync(cache, { force: true }),
    },
  ];
  const bwrap = probeBwrap();
  if (bwrap.available) {
    rows.push({
      label: "ai-orchestrator --runtime bwrap claude --version",
      command: process.execPath,
      args: launch("bwrap"),
    });
  } else {
    process.stdout.write(`(bwrap skipped: ${bwrap.reason})\n`);
  }
  const results = medians(rows);
  const direct = results[0] ?? Number.NaN;
  process.stdout.write(`median of ${RUNS} runs after ${WARMUP} warm-up runs, the rows taking turns\n\n`);
  process.stdout.write("| command | median (ms) | overhead (ms) |\n|---|---:|---:|\n");
  rows.forEach((row, index) => {
    const value = results[index] ?? Number.NaN;
    process.stdout.write(`| ${row.label} | ${value.toFixed(1)} | ${(value - direct).toFixed(1)} |\n`);
  });
} finally {
  rmSync(home, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
}
