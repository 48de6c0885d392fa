// Resolves a mode name into its CLI, its provider and its settings, merging config over the
// built-in definitions.
import type { AssistantCli, Config, RuntimeChoice } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import { type ResolvedProvider, resolveProvider } from "../providers/registry.ts";
import { BUILTIN_MODES } from "./definitions.ts";

export interface ResolvedMode {
  name: string;
  cli: AssistantCli;
  provider: ResolvedProvider;
  model: string | undefined;
  smallModel: string | undefined;
  env: Readonly<Record<string, string>>;
  runtime: RuntimeChoice;
  /** Whether a launch goes through the hub (a session token instead of the provider key). */
  viaHub: boolean;
}

export function modeNames(config: Config): string[] {
  return [...new Set([...Object.keys(BUILTIN_MODES), ...Object.keys(config.modes)])];
}

export function isMode(config: Config, name: string): boolean {
  return Object.hasOwn(BUILTIN_MODES, name) || Object.hasOwn(config.modes, name);
}

export function resolveMode(config: Config, name: string): ResolvedMode {
  // Own keys only: a mode named `constructor` or `toString` is unknown, not Object's.
  const builtin = Object.hasOwn(BUILTIN_MODES, name) ? BUILTIN_MODES[name] : undefined;
  const entry = Object.hasOwn(config.modes, name) ? config.modes[name] : undefined;
  if (!builtin && !entry) {
    throw new AppError(
      "usage",
      `unknown mode "${name}": known modes are ${modeNames(config).join(", ")} (define new ones under \`modes:\` in config.yaml)`,
    );
  }
  const cli = entry?.cli ?? builtin?.cli;
  const providerId = entry?.provider ?? builtin?.provider;
  if (!cli || !providerId) {
    throw new AppError(
      "config",
      `modes.${name}: a new mode needs both \`cli\` (claude or gemini) and \`provider\``,
    );
  }
  const provider = resolveProvider(config, providerId);
  if (cli === "gemini" && provider.api !== "google") {
    throw new AppError(
      "config",
      `modes.${name}: the gemini CLI only speaks to a google provider, not ${provider.id}`,
    );
  }
  if (cli === "claude" && !provider.anthropicBaseUrl) {
    throw new AppError(
      "config",
      `modes.${name}: provider ${provider.id} has no Anthropic-compatible endpoint; set providers.${provider.id}.anthropicBaseUrl`,
    );
  }
  return {
    name,
    cli,
    provider,
    model: entry?.model ?? builtin?.model,
    smallModel: entry?.smallModel ?? builtin?.smallModel,
    env: { ...builtin?.env, ...entry?.env },
    runtime: entry?.runtime ?? config.runtime,
    viaHub: entry?.viaHub ?? config.viaHub,
  };
}
