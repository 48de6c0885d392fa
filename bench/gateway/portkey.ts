// Portkey's open-source gateway (`@portkey-ai/gateway`) as the benchmark's point of comparison:
// installed by the benchmark into a scratch directory under the OS temp dir (cached, so re-runs
// start at once; never a dependency of the project) and started with its own Node start script.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type ServerProcess, startServer } from "./processes.ts";

/** The version measured in docs/PERFORMANCE.md and in the reference notes on gateways. */
export const PORTKEY_VERSION = "1.15.2";
const PACKAGE = "@portkey-ai/gateway";
// Portkey 1.15.2 appends its headers to the upstream's own (immutable) headers, which newer
// @hono/node-server releases hand over as they are: every streamed answer then fails with
// "Something went wrong" (Portkey-AI/gateway#1389, #1550). The workaround given there is to hold
// @hono/node-server at 1.14.2, which also serves its non-streamed answers.
const OVERRIDES = { "@hono/node-server": "1.13.5" };
const INSTALLED = JSON.stringify({ [PACKAGE]: PORTKEY_VERSION, overrides: OVERRIDES });

const scratch = join(tmpdir(), "ai-orchestrator-bench", `portkey-gateway-${PORTKEY_VERSION}`);
const entry = join(scratch, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");
// Written after a complete install, so an interrupted one is redone instead of half-used.
const installedMarker = join(scratch, ".installed");

function install(): void {
  if (existsSync(installedMarker) && readFileSync(installedMarker, "utf8") === INSTALLED) return;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ private: true, overrides: OVERRIDES }));
  const result = spawnSync(
    "npm",
    [
      "install",
      "--prefix",
      scratch,
      "--no-audit",
      "--no-fund",
      "--omit=dev",
      "--loglevel=error",
      `${PACKAGE}@${PORTKEY_VERSION}`,
    ],
    { encoding: "utf8", timeout: 300_000 },
  );
  if (result.error !== undefined) throw new Error(`npm install ${PACKAGE} failed: ${result.error.message}`);
  if (result.status !== 0 || !existsSync(entry)) {
    const reason = result.stderr.trim().split("\n").slice(-3).join(" | ");
    throw new Error(`npm install ${PACKAGE}@${PORTKEY_VERSION} failed (exit ${result.status}): ${reason}`);
  }
  writeFileSync(installedMarker, INSTALLED);
}

export async function startPortkey(logFile: string): Promise<ServerProcess> {
  install();
  const port = await freePort();
  return startServer({
    name: `Portkey ${PORTKEY_VERSION}`,
    args: [
      "--import",
      join(import.meta.dirname, "loopback-listen.ts"),
      entry,
      `--port=${port}`,
      "--headless",
    ],
    cwd: scratch,
    env: { ...process.env, NODE_ENV: "production" },
    logFile,
    ready: (output) => (output.includes("Ready for connections") ? `http://127.0.0.1:${port}` : undefined),
  });
}

/** Portkey routes an OpenAI request to any OpenAI-compatible base URL named in its headers. */
export function portkeyHeaders(upstreamBaseUrl: string): Record<string, string> {
  return { "x-portkey-provider": "openai", "x-portkey-custom-host": `${upstreamBaseUrl}/v1` };
}
