// Model name → the chain of (provider, model) targets a request is tried on. The first target is
// what was asked for; the rest are its fallbacks, with the model mapped by role (a request for the
// glm mode's small model falls back to the kimi mode's small model, not to kimi's main one).
import type { Config } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import type { Dialect, ModelRole } from "../providers/definitions.ts";
import { providerIds, type ResolvedProvider, resolveProvider } from "../providers/registry.ts";

export interface RouteTarget {
  provider: ResolvedProvider;
  model: string;
}

export interface Route {
  /** The name the client asked for. */
  asked: string;
  role: ModelRole;
  /** The target asked for, then its fallbacks in order. */
  targets: RouteTarget[];
}

/**
 * Resolves, in order: an explicit `provider/model`, an alias from `gateway.models`, then a
 * well-known prefix (`claude-` → anthropic, `gemini-` → google, `glm-` → zai, `kimi-` → moonshot).
 * Throws a usage error (HTTP 400) naming what exists for anything else.
 */
export function resolveRoute(config: Config, asked: string): Route {
  const alias = Object.hasOwn(config.gateway.models, asked) ? config.gateway.models[asked] : undefined;
  if (alias) {
    const target = parseProviderModel(config, alias.target);
    const role = roleOf(target);
    const fallbacks =
      alias.fallbacks?.map((name) => parseProviderModel(config, name)) ??
      fallbacksByRole(config, target, role);
    return { asked, role, targets: [target, ...fallbacks] };
  }
  const target = explicitTarget(config, asked) ?? prefixTarget(config, asked);
  if (!target) throw unknownModel(config, asked);
  const role = roleOf(target);
  return { asked, role, targets: [target, ...fallbacksByRole(config, target, role)] };
}

/** How many model names a route resolver remembers: far more than a hub's clients ever use. */
const REMEMBERED_ROUTES = 256;

/**
 * resolveRoute for one config that remembers the routes it found: the hub resolves the same few
 * names on every request, and a route depends on the config alone. Names that resolve to nothing
 * are not remembered; the names come from clients, so once REMEMBERED_ROUTES are held it starts
 * over, and the names in use come back at once while a burst of one-off names is forgotten.
 */
export function routeResolver(config: Config): (asked: string) => Route {
  const routes = new Map<string, Route>();
  return (asked) => {
    const known = routes.get(asked);
    if (known !== undefined) return known;
    const route = resolveRoute(config, asked);
    if (routes.size >= REMEMBERED_ROUTES) routes.clear();
    routes.set(asked, route);
    return route;
  };
}

/** The route for a provider's own model of a role: what `ask --provider` and a mode's session use. */
export function routeForProvider(config: Config, providerId: string, model?: string): Route {
  const provider = resolveProvider(config, providerId);
  const target = { provider, model: model ?? provider.models.main };
  const role = roleOf(target);
  return { asked: target.model, role, targets: [target, ...fallbacksByRole(config, target, role)] };
}

/** The base URL at which a provider speaks a dialect unchanged, or undefined when it must be translated. */
export function passthroughBaseUrl(provider: ResolvedProvider, dialect: Dialect): string | undefined {
  if (provider.nativeDialect === dialect) return provider.baseUrl;
  return dialect === "anthropic" ? provider.anthropicBaseUrl : undefined;
}

function explicitTarget(config: Config, asked: string): RouteTarget | undefined {
  const slash = asked.indexOf("/");
  if (slash <= 0) return undefined;
  const providerId = asked.slice(0, slash);
  // `models/gemini-2.5-flash` (Gemini's own spelling) is a model name, not a provider.
  if (!providerIds(config).includes(providerId)) return undefined;
  const model = asked.slice(slash + 1);
  if (model === "") throw unknownModel(config, asked);
  return { provider: resolveProvider(config, providerId), model };
}

function parseProviderModel(config: Config, name: string): RouteTarget {
  const target = explicitTarget(config, name);
  if (!target) {
    throw new AppError(
      "config",
      `gateway.models: "${name}" names no known provider; known providers: ${providerIds(config).join(", ")}`,
    );
  }
  return target;
}

function prefixTarget(config: Config, asked: string): RouteTarget | undefined {
  const bare = asked.startsWith("models/") ? asked.slice("models/".length) : asked;
  for (const id of providerIds(config)) {
    const provider = resolveProvider(config, id);
    if (provider.modelPrefixes.some((prefix) => bare.startsWith(prefix))) return { provider, model: bare };
  }
  return undefined;
}

function roleOf(target: RouteTarget): ModelRole {
  const small = target.provider.models.small;
  // Anthropic's dated names (`claude-haiku-4-5-20251001`) are the same model as the undated alias.
  return target.model === small || target.model.startsWith(`${small}-`) ? "small" : "main";
}

function fallbacksByRole(config: Config, target: RouteTarget, role: ModelRole): RouteTarget[] {
  const chain = config.resilience.fallbacks[target.provider.id] ?? [];
  return chain.map((id) => {
    const provider = resolveProvider(config, id);
    return { provider, model: provider.models[role] };
  });
}

function unknownModel(config: Config, asked: string): AppError {
  const aliases = Object.keys(config.gateway.models);
  const prefixes = providerIds(config).flatMap((id) => resolveProvider(config, id).modelPrefixes);
  return new AppError(
    "usage",
    `unknown model "${asked}": name it as provider/model (providers: ${providerIds(config).join(", ")})` +
      (aliases.length > 0 ? `, use an alias (${aliases.join(", ")})` : "") +
      `, or a model starting with ${prefixes.join(", ")}`,
  );
}
