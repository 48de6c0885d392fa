// Builds real sandbox specs for tests: a throwaway ai-orchestrator home and workspace, a config
// from plain data, and one canary key per provider so any key that crosses is recognisable.
import { type Paths, resolvePaths } from "../../src/config/paths.ts";
import { type Config, configSchema } from "../../src/config/schema/index.ts";
import { resolveMode } from "../../src/modes/registry.ts";
import { buildSandboxSpec } from "../../src/sandbox/build-spec.ts";
import type { SandboxSpec } from "../../src/sandbox/spec.ts";
import { scratchDirectory } from "./scratch.ts";

/** One distinct, greppable key per credential variable a parent shell might hold. */
export const CANARIES = {
  ANTHROPIC_API_KEY: "sk-ant-canary-anthropic-0001-aaaaaaaaaaaaaaaa",
  GEMINI_API_KEY: "AIza-canary-gemini-0002-bbbbbbbbbbbbbbbb",
  GOOGLE_API_KEY: "AIza-canary-google-0003-cccccccccccccccc",
  ZAI_API_KEY: "zai-canary-0004-dddddddddddddddddddd",
  MOONSHOT_API_KEY: "sk-moonshot-canary-0005-eeeeeeeeeeeeeeee",
} as const;
export type CanaryName = keyof typeof CANARIES;

/** A hostile parent shell: every provider's key, plus a bogus endpoint and bearer token. */
export const HOSTILE_ENV: Readonly<Record<string, string>> = {
  ...CANARIES,
  ANTHROPIC_BASE_URL: "http://bogus.invalid:9/anthropic",
  ANTHROPIC_AUTH_TOKEN: "bogus-auth-token-canary-0006-ffffffff",
  AWS_SECRET_ACCESS_KEY: "aws-canary-0007",
  SSH_AUTH_SOCK: "/tmp/ssh-canary.sock",
};

export interface SandboxFixture {
  home: string;
  workspace: string;
  paths: Paths;
}

/** A fresh AI_ORCHESTRATOR_HOME and a separate workspace (real paths), removed after the test. */
export function sandboxFixture(t: { after(fn: () => void): void }): SandboxFixture {
  const home = scratchDirectory(t, "aio-home-");
  const workspace = scratchDirectory(t, "aio-workspace-");
  return { home, workspace, paths: resolvePaths({ env: { AI_ORCHESTRATOR_HOME: home } }) };
}

export function configFrom(raw: unknown): Config {
  return configSchema.parse(raw);
}

export function specFor(
  fixture: SandboxFixture,
  modeName: string,
  options: { config?: Config; key?: string; args?: readonly string[]; hostEnv?: Record<string, string> } = {},
): SandboxSpec {
  const mode = resolveMode(options.config ?? configFrom({}), modeName);
  return buildSandboxSpec(
    mode,
    { value: options.key ?? `key-for-${modeName}`, source: { kind: "env", name: "TEST_KEY" } },
    {
      args: options.args ?? [],
      workspace: fixture.workspace,
      paths: fixture.paths,
      hostEnv: options.hostEnv ?? { PATH: "/usr/bin:/bin" },
    },
  );
}
