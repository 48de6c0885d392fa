// The isolation contract every runtime must keep, as reusable checks for end-to-end tests: which
// provider each built-in mode may reach, with which key in which header, and that no other key
// shows up in its traffic or in the files its run left behind.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { type Paths, resolvePaths } from "../../src/config/paths.ts";
import type { Config } from "../../src/config/schema/index.ts";
import { probeBwrap } from "../../src/runtimes/bwrap.ts";
import type { RuntimeName } from "../../src/runtimes/runtime.ts";
import { type RecordedRequest, type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { CANARIES, HOSTILE_ENV, type SandboxFixture, sandboxFixture } from "./sandbox.ts";

export interface ModeExpectation {
  provider: "anthropic" | "google" | "zai" | "moonshot";
  key: string;
  /** The one header that must carry the key, with the value it must have. */
  header: string;
  value: string;
  /** Headers that must not carry anything. */
  absent: string[];
}

export const MODE_EXPECTATIONS: Readonly<Record<string, ModeExpectation>> = {
  glm: {
    provider: "zai",
    key: CANARIES.ZAI_API_KEY,
    header: "authorization",
    value: `Bearer ${CANARIES.ZAI_API_KEY}`,
    absent: ["x-api-key"],
  },
  kimi: {
    provider: "moonshot",
    key: CANARIES.MOONSHOT_API_KEY,
    header: "authorization",
    value: `Bearer ${CANARIES.MOONSHOT_API_KEY}`,
    absent: ["x-api-key"],
  },
  claude: {
    provider: "anthropic",
    key: CANARIES.ANTHROPIC_API_KEY,
    header: "x-api-key",
    value: CANARIES.ANTHROPIC_API_KEY,
    absent: ["authorization"],
  },
  gemini: {
    provider: "google",
    key: CANARIES.GEMINI_API_KEY,
    header: "x-goog-api-key",
    value: CANARIES.GEMINI_API_KEY,
    absent: ["authorization", "x-api-key"],
  },
};

/** Why a runtime cannot run here (bubblewrap missing or not allowed), or undefined when it can. */
export function runtimeMissing(runtime: RuntimeName): string | undefined {
  if (runtime !== "bwrap") return undefined;
  const probe = probeBwrap();
  return probe.available ? undefined : probe.reason;
}

/** Simulators that accept exactly each provider's canary key. */
export const SIMULATOR_KEYS = {
  anthropic: [CANARIES.ANTHROPIC_API_KEY],
  google: [CANARIES.GEMINI_API_KEY],
  zai: [CANARIES.ZAI_API_KEY],
  moonshot: [CANARIES.MOONSHOT_API_KEY],
};

/** config.yaml lines pointing every provider at its simulator. */
export function simulatorProviders(simulators: Simulators): string[] {
  const { anthropic, google, zai, moonshot } = simulators.endpoints;
  return [
    "providers:",
    `  anthropic: { baseUrl: "${anthropic.baseUrl}" }`,
    `  google: { baseUrl: "${google.baseUrl}" }`,
    `  zai: { anthropicBaseUrl: "${zai.anthropicBaseUrl}" }`,
    `  moonshot: { anthropicBaseUrl: "${moonshot.anthropicBaseUrl}" }`,
  ];
}

/** Every hostile value but the one this mode is meant to hold. */
export function foreignSecrets(own: string): [string, string][] {
  return Object.entries(HOSTILE_ENV).filter(([, value]) => value !== own);
}

export function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: "utf8" })
    .map((name) => join(directory, name))
    .filter((path) => statSync(path).isFile());
}

/** Only the mode's provider was called, with the key in the expected header and no other key anywhere. */
export function assertOwnTrafficOnly(requests: readonly RecordedRequest[], expected: ModeExpectation): void {
  assert.ok(
    requests.some((request) => request.method === "POST"),
    "the CLI made its model call",
  );
  for (const request of requests) {
    assert.equal(request.provider, expected.provider, `${request.method} ${request.path} went elsewhere`);
    if (request.method !== "POST") continue;
    assert.equal(request.headers[expected.header], expected.value, `${request.path}: ${expected.header}`);
    for (const header of expected.absent)
      assert.ok(!request.headers[header], `${request.path}: ${header} sent`);
    const wire = JSON.stringify(request.headers) + request.body;
    for (const [name, value] of foreignSecrets(expected.key)) {
      assert.equal(wire.includes(value), false, `${name} sent in ${request.path}`);
    }
  }
}

/** No foreign key in any file the run left in the mode's state root. */
export function assertNoForeignKeyIn(stateRoot: string, expected: ModeExpectation): void {
  for (const file of filesUnder(stateRoot)) {
    const content = readFileSync(file, "latin1");
    for (const [name, value] of foreignSecrets(expected.key)) {
      assert.equal(content.includes(value), false, `${name} written to ${file}`);
    }
  }
}

const REPO = join(import.meta.dirname, "..", "..");

/** What an end-to-end isolation suite runs in: simulators taking only the canaries, a home pointing at them. */
export interface IsolationWorld {
  simulators: Simulators;
  fixture: SandboxFixture;
  paths: Paths;
  config: Config;
  /** The parent environment of every launch: every provider's canary plus a bogus endpoint and token. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** Starts the simulators and writes a config.yaml pointing every provider at them, plus `extraConfig` lines. */
export async function startIsolationWorld(extraConfig: readonly string[] = []): Promise<IsolationWorld> {
  const cleanups: (() => void)[] = [];
  const fixture = sandboxFixture({ after: (fn) => cleanups.push(fn) });
  const simulators = await startSimulators({ keys: SIMULATOR_KEYS });
  writeFileSync(
    join(fixture.home, "config.yaml"),
    [...simulatorProviders(simulators), ...extraConfig, ""].join("\n"),
  );
  const paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: fixture.home } });
  return {
    simulators,
    fixture,
    paths,
    config: loadConfig(paths.configFile).config,
    env: {
      ...process.env,
      ...HOSTILE_ENV,
      AI_ORCHESTRATOR_HOME: fixture.home,
      PATH: `${join(REPO, "node_modules", ".bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    },
    close: async () => {
      await simulators.close();
      for (const cleanup of cleanups) cleanup();
    },
  };
}
