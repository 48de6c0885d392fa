// Turns a resolved mode and its one credential into the SandboxSpec every runtime executes.
// Pure but for resolving the home's symlinks: the environment is built from an empty map by
// allow-list, never by scrubbing the host's.
import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, parse, relative, sep } from "node:path";
import type { Paths } from "../config/paths.ts";
import { modeStateDir } from "../config/paths.ts";
import { isReservedModeEnv } from "../config/reserved-env.ts";
import { AppError } from "../errors.ts";
import type { ResolvedMode } from "../modes/registry.ts";
import type { Credential } from "../providers/credentials.ts";
import { PROVIDER_DEFINITIONS } from "../providers/definitions.ts";
import type { SandboxSpec } from "./spec.ts";

export interface SandboxSpecOptions {
  /** The assistant's arguments, untouched. */
  args: readonly string[];
  /** Absolute path of the directory the assistant works in. */
  workspace: string;
  paths: Paths;
  /** The parent's environment: only the neutral variables below are read from it. */
  hostEnv: Readonly<Record<string, string | undefined>>;
  /**
   * Through the hub: the sandbox gets the hub's URL as its endpoint and `credential` is a hub
   * session token, presented as a bearer token (Claude Code) or API key (Gemini CLI).
   */
  hubUrl?: string | undefined;
}

/** Terminal, locale and search-path variables: they carry no identity and no secret. */
export const NEUTRAL_ENV: readonly string[] = [
  "PATH",
  "TERM",
  "COLORTERM",
  "TERM_PROGRAM",
  "TERM_PROGRAM_VERSION",
  "LANG",
  "LANGUAGE",
  "TZ",
  "NO_COLOR",
  "FORCE_COLOR",
];
const NEUTRAL_PREFIX = "LC_";

/** What Claude Code needs to stay quiet: no telemetry, no auto-update, no feature-flag fetches. */
const CLAUDE_QUIET_ENV = { DISABLE_TELEMETRY: "1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" };

export function buildSandboxSpec(
  mode: ResolvedMode,
  credential: Credential,
  options: SandboxSpecOptions,
): SandboxSpec {
  const stateRoot = modeStateDir(options.paths, mode.name);
  const hidden = pathsToHide(options.workspace, options.paths.home);
  for (const name of Object.keys(mode.env)) {
    if (isReservedModeEnv(name)) {
      throw new AppError(
        "config",
        `modes.${mode.name}.env.${name}: a credential, endpoint or home variable cannot be set here; remove it`,
      );
    }
  }
  const cliEnv =
    mode.cli === "claude"
      ? claudeEnv(mode, credential, stateRoot, options.hubUrl)
      : geminiEnv(mode, credential, stateRoot, options.hubUrl);
  const pinned =
    mode.cli === "claude" && !isInformationQuery(options.args)
      ? claudePinnedSettings(mode, { ...mode.env, ...cliEnv.env })
      : [];
  return {
    mode: mode.name,
    cli: mode.cli,
    args: [...pinned, ...options.args],
    env: { ...neutralEnv(options.hostEnv), ...mode.env, ...cliEnv.env },
    secretEnv: [cliEnv.secret],
    stateRoot,
    workspace: options.workspace,
    hidden,
  };
}

/** Where Claude Code keeps settings and `.claude.json` inside a mode's state root. */
export function claudeConfigDir(stateRoot: string): string {
  return join(stateRoot, ".claude");
}

/**
 * The workspace is mounted writable. Inside ai-orchestrator's home it would expose every key and
 * every mode's state, and the filesystem's root would expose the whole system: both are refused.
 * A workspace that holds the home (a launch from `~`) runs with the home masked inside the
 * sandbox. The workspace is a real path, so a home reached through a symlink is compared by
 * where it really is.
 */
function pathsToHide(workspace: string, configuredHome: string): string[] {
  const home = realPathOrSelf(configuredHome);
  if (contains(home, workspace)) {
    throw new AppError(
      "usage",
      `the workspace ${workspace} lies inside ai-orchestrator's home ${home}: run from a project directory`,
    );
  }
  if (workspace === parse(workspace).root) {
    throw new AppError(
      "usage",
      `the workspace ${workspace} is the filesystem's root, which would take the whole system into the sandbox: run from a project directory`,
    );
  }
  return contains(workspace, home) ? [home] : [];
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest (a first run's home). */
function realPathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPathOrSelf(parent), basename(path));
  }
}

function contains(outer: string, inner: string): boolean {
  const path = relative(outer, inner);
  return path === "" || (path !== ".." && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}

function neutralEnv(hostEnv: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(hostEnv)) {
    if (value === undefined) continue;
    if (NEUTRAL_ENV.includes(name) || name.startsWith(NEUTRAL_PREFIX)) env[name] = value;
  }
  return env;
}

interface CliEnv {
  env: Record<string, string>;
  secret: string;
}

function claudeEnv(
  mode: ResolvedMode,
  credential: Credential,
  stateRoot: string,
  hubUrl: string | undefined,
): CliEnv {
  const provider = mode.provider;
  const common = { ...CLAUDE_QUIET_ENV, CLAUDE_CONFIG_DIR: claudeConfigDir(stateRoot) };
  if (provider.api === "anthropic" && hubUrl === undefined) {
    // Anthropic's own API takes the key as x-api-key; the bearer variable is blanked so a
    // token from anywhere else cannot trigger Claude Code's auth conflict.
    const env: Record<string, string> = {
      ...common,
      ANTHROPIC_API_KEY: credential.value,
      ANTHROPIC_AUTH_TOKEN: "",
    };
    const url = provider.anthropicBaseUrl;
    if (url !== undefined && !sameUrl(url, PROVIDER_DEFINITIONS.anthropic.baseUrl))
      env.ANTHROPIC_BASE_URL = url;
    if (mode.model) env.ANTHROPIC_MODEL = mode.model;
    if (mode.smallModel) env.ANTHROPIC_DEFAULT_HAIKU_MODEL = mode.smallModel;
    return { env, secret: "ANTHROPIC_API_KEY" };
  }
  const baseUrl = hubUrl ?? provider.anthropicBaseUrl;
  if (!baseUrl) {
    throw new AppError(
      "config",
      `modes.${mode.name}: provider ${provider.id} has no Anthropic-compatible endpoint; set providers.${provider.id}.anthropicBaseUrl`,
    );
  }
  // Compatible platforms (Z.ai, Moonshot, custom) take the key as a bearer token, as their guides
  // say; so does the hub, for a session token.
  const env: Record<string, string> = {
    ...common,
    ANTHROPIC_AUTH_TOKEN: credential.value,
    ANTHROPIC_API_KEY: "",
    ANTHROPIC_BASE_URL: baseUrl,
  };
  if (mode.model) {
    env.ANTHROPIC_MODEL = mode.model;
    env.ANTHROPIC_DEFAULT_OPUS_MODEL = mode.model;
    env.ANTHROPIC_DEFAULT_SONNET_MODEL = mode.model;
  }
  const small = mode.smallModel ?? mode.model;
  if (small) {
    env.ANTHROPIC_DEFAULT_HAIKU_MODEL = small;
    env.ANTHROPIC_SMALL_FAST_MODEL = small;
  }
  return { env, secret: "ANTHROPIC_AUTH_TOKEN" };
}

/**
 * Claude Code applies the `env` block of the workspace's .claude/settings*.json over its own process
 * environment, so a repository could point the sandbox's key at its own server, or through its own
 * proxy. A `--settings` layer outranks project and local settings: it repeats every non-secret
 * variable the sandbox sets, names the endpoint even where it is the default, and blanks proxies.
 * The key itself stays in the environment, off the command line.
 */
function claudePinnedSettings(mode: ResolvedMode, env: Readonly<Record<string, string>>): string[] {
  const pinned: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name !== "ANTHROPIC_API_KEY" && name !== "ANTHROPIC_AUTH_TOKEN" && name !== "CLAUDE_CONFIG_DIR")
      pinned[name] = value;
  }
  pinned.ANTHROPIC_BASE_URL =
    env.ANTHROPIC_BASE_URL ?? mode.provider.anthropicBaseUrl ?? PROVIDER_DEFINITIONS.anthropic.baseUrl;
  for (const proxy of PROXY_ENV) pinned[proxy] = "";
  return ["--settings", JSON.stringify({ env: pinned })];
}

/**
 * `--version` or `--help` alone sends no request, so there is nothing to pin; and Claude Code answers
 * them at once only when they stand alone (~10 ms, against ~110 ms once any other flag comes first),
 * which keeps a shell prompt or script that asks `claude --version` as fast as the native binary.
 */
function isInformationQuery(args: readonly string[]): boolean {
  return args.length === 1 && ["--version", "-v", "--help", "-h"].includes(args[0] ?? "");
}

const PROXY_ENV = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"];

function geminiEnv(
  mode: ResolvedMode,
  credential: Credential,
  stateRoot: string,
  hubUrl: string | undefined,
): CliEnv {
  // Gemini CLI fills in, from the workspace's .env, only the variables that are not set at all: so
  // the endpoint is always named, even where it is the default, and the proxies are set empty, or a
  // repository's .env could send the key elsewhere (checked with 0.61).
  const env: Record<string, string> = {
    GEMINI_API_KEY: credential.value,
    GEMINI_CLI_HOME: stateRoot,
    GEMINI_CLI_TRUST_WORKSPACE: "true",
    GOOGLE_GEMINI_BASE_URL: hubUrl ?? mode.provider.baseUrl,
    ...Object.fromEntries(PROXY_ENV.map((name) => [name, ""])),
  };
  if (mode.model) env.GEMINI_MODEL = mode.model;
  return { env, secret: "GEMINI_API_KEY" };
}

function sameUrl(left: string, right: string): boolean {
  return left.replace(/\/+$/, "") === right.replace(/\/+$/, "");
}
