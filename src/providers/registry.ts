// Resolves a provider id (built-in or defined in config) into one complete description.
import type { Config, ProviderApi } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import {
  type Dialect,
  type ModelRole,
  PROVIDER_DEFINITIONS,
  type ProviderFileCapabilities,
} from "./definitions.ts";

export interface ResolvedProvider {
  id: string;
  /** The built-in API this provider speaks. */
  api: ProviderApi;
  displayName: string;
  baseUrl: string;
  anthropicBaseUrl: string | undefined;
  credentialEnv: readonly string[];
  /** Name of the file under secrets/ written by `ai-orchestrator login <id>`. */
  secretName: string;
  /** The dialect `baseUrl` speaks; `anthropicBaseUrl`, when set, speaks `anthropic` too. */
  nativeDialect: Dialect;
  /** Model-name prefixes that route to this provider; a custom provider has none of its own. */
  modelPrefixes: readonly string[];
  models: Readonly<Record<ModelRole, string>>;
  files: ProviderFileCapabilities;
}

export function providerIds(config: Config): string[] {
  return [...new Set([...Object.keys(PROVIDER_DEFINITIONS), ...Object.keys(config.providers)])];
}

export function resolveProvider(config: Config, id: string): ResolvedProvider {
  // Own keys only: a provider named `constructor` or `toString` is unknown, not Object's.
  const entry = Object.hasOwn(config.providers, id) ? config.providers[id] : undefined;
  const builtin = isBuiltinProvider(id) ? PROVIDER_DEFINITIONS[id] : undefined;
  const api = entry?.extends ?? builtin?.id;
  if (!api) {
    const known = providerIds(config).join(", ");
    throw new AppError(
      "config",
      builtin || entry
        ? `providers.${id}: a custom provider needs \`extends: anthropic|google|zai|moonshot\``
        : `unknown provider "${id}"; known providers: ${known} (define new ones under \`providers:\` in config.yaml)`,
    );
  }
  const base = PROVIDER_DEFINITIONS[api];
  const isBuiltin = builtin !== undefined;
  const credentialEnv = entry?.apiKeyEnv ? [entry.apiKeyEnv] : isBuiltin ? base.credentialEnv : [];
  return {
    id,
    api,
    displayName: isBuiltin ? base.displayName : `${id} (${base.displayName} API)`,
    baseUrl: entry?.baseUrl ?? base.baseUrl,
    anthropicBaseUrl:
      entry?.anthropicBaseUrl ??
      defaultAnthropicBaseUrl(api, base.anthropicBaseUrl, isBuiltin, entry?.baseUrl),
    credentialEnv,
    secretName: id,
    nativeDialect: base.nativeDialect,
    modelPrefixes: isBuiltin ? base.modelPrefixes : [],
    models: {
      main: entry?.models?.main ?? base.models.main,
      small: entry?.models?.small ?? base.models.small,
    },
    files: entry?.filesApi === false ? { ...base.files, api: false } : base.files,
  };
}

/** The dialects a provider can be spoken to in without translation. */
export function providerDialects(provider: ResolvedProvider): Dialect[] {
  const dialects: Dialect[] = [provider.nativeDialect];
  if (provider.anthropicBaseUrl !== undefined && provider.nativeDialect !== "anthropic")
    dialects.push("anthropic");
  return dialects;
}

function isBuiltinProvider(id: string): id is ProviderApi {
  return Object.hasOwn(PROVIDER_DEFINITIONS, id);
}

// On the Anthropic API the native endpoint is the Anthropic-compatible one, so a moved `baseUrl`
// moves both; elsewhere a custom `baseUrl` says nothing about where the Anthropic endpoint lives.
function defaultAnthropicBaseUrl(
  api: ProviderApi,
  builtinUrl: string | undefined,
  isBuiltin: boolean,
  baseUrl: string | undefined,
): string | undefined {
  if (api === "anthropic") return baseUrl ?? builtinUrl;
  return isBuiltin || baseUrl === undefined ? builtinUrl : undefined;
}
