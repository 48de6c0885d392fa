// Our hub as a leg of the gateway benchmark: the built `ai-orchestrator serve` from a private
// AI_ORCHESTRATOR_HOME whose config points Z.ai at the benchmark's upstream, with a hub key made by
// `keys create --json`. Until `serve` exists, `hubMissing` says so and the benchmark goes on without it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { listeningLine, type ServerProcess, startServer } from "./processes.ts";

/** This checkout's CLI; `startHub` can be pointed at another checkout's (bench/gateway/compare-hubs.ts). */
const CHECKOUT_BIN = join(import.meta.dirname, "..", "..", "bin", "ai-orchestrator.js");
const createdKeySchema = z.object({ key: z.string().min(1) });

export interface Hub {
  server: ServerProcess;
  key: string;
  /** The hub's private AI_ORCHESTRATOR_HOME, removed by the caller once the hub has stopped. */
  home: string;
}

function environment(home: string): NodeJS.ProcessEnv {
  // The upstream takes any key; the hub only needs one to be configured for Z.ai.
  return { ...process.env, AI_ORCHESTRATOR_HOME: home, ZAI_API_KEY: "sk-bench-upstream" };
}

/** Why the hub cannot be measured, or undefined when the built CLI has a `serve` command. */
export function hubMissing(): string | undefined {
  const home = mkdtempSync(join(tmpdir(), "aio-bench-probe-"));
  const probe = spawnSync(process.execPath, [CHECKOUT_BIN, "serve", "--help"], {
    env: environment(home),
    encoding: "utf8",
  });
  rmSync(home, { recursive: true, force: true });
  return probe.status === 0 ? undefined : "not built yet";
}

export interface HubStart {
  /** Another checkout's bin/ai-orchestrator.js (default: this checkout's). */
  bin?: string;
  /** Flags for node itself, before the script (e.g. `--cpu-prof`). */
  nodeFlags?: readonly string[];
}

export async function startHub(upstreamBaseUrl: string, logFile: string, start: HubStart = {}): Promise<Hub> {
  const bin = start.bin ?? CHECKOUT_BIN;
  const home = mkdtempSync(join(tmpdir(), "aio-bench-hub-"));
  writeFileSync(
    join(home, "config.yaml"),
    [
      "providers:",
      "  zai:",
      `    baseUrl: ${upstreamBaseUrl}/v1`,
      `    anthropicBaseUrl: ${upstreamBaseUrl}/anthropic`,
      // The default bulkhead (16 calls at once, 64 waiting) turns most of 100 clients away with
      // 503s; the benchmark measures the path a request takes, so every client gets a slot.
      "    policy:",
      "      bulkhead:",
      "        maxConcurrent: 100",
      "",
    ].join("\n"),
  );
  try {
    const created = spawnSync(process.execPath, [bin, "keys", "create", "--name", "bench", "--json"], {
      env: environment(home),
      encoding: "utf8",
    });
    if (created.status !== 0) {
      throw new Error(
        `\`keys create --name bench --json\` failed: ${created.stderr.trim() || created.stdout.trim()}`,
      );
    }
    const { key } = createdKeySchema.parse(JSON.parse(created.stdout));
    const server = await startServer({
      name: "the hub",
      args: [...(start.nodeFlags ?? []), bin, "serve", "--port", "0"],
      env: environment(home),
      logFile,
      ready: listeningLine,
    });
    return { server, key, home };
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}
