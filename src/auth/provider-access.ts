// A hub key's provider allow-list (`keys create --providers`): the one check every path from a key to
// a provider makes (the gateway routes, /v1/files, the tools over /mcp), and the check that the ids a
// new key lists are providers the hub knows.
import { AppError } from "../errors.ts";

/** What the check needs of a key: its public prefix and its allow-list (undefined: every provider). */
export interface ProviderAccess {
  prefix: string;
  providers: readonly string[] | undefined;
}

/** Whether the key may reach this provider; no key (a local caller) or no allow-list allows all. */
export function allowsProvider(
  access: Pick<ProviderAccess, "providers"> | undefined,
  provider: string,
): boolean {
  return access?.providers === undefined || access.providers.includes(provider);
}

/** Throws AppError("forbidden") naming the provider and the key's list unless the key may reach it. */
export function checkProvider(access: ProviderAccess | undefined, provider: string): void {
  if (!allowsProvider(access, provider)) throw forbidden(access, provider, "");
}

/**
 * The targets of a route (its first choice and its fallbacks) the key may reach, in order: fallback
 * never leaves the allow-list. Throws AppError("forbidden") when none is left.
 */
export function allowedTargets<T extends { provider: { id: string } }>(
  access: ProviderAccess | undefined,
  targets: readonly T[],
  asked: string,
): T[] {
  const allowed = targets.filter((target) => allowsProvider(access, target.provider.id));
  if (allowed.length > 0) return allowed;
  const providers = [...new Set(targets.map((target) => target.provider.id))];
  const detail = `, which serve${providers.length > 1 ? "" : "s"} model "${asked}"`;
  throw forbidden(access, providers.join(", "), detail);
}

/**
 * Throws AppError("usage") naming the first id that is not a configured provider, and the known ones:
 * a key listing a mistyped provider would silently reach none.
 */
export function checkProviderIds(ids: readonly string[], known: readonly string[], field: string): void {
  const unknown = ids.find((id) => !known.includes(id));
  if (unknown === undefined) return;
  throw new AppError(
    "usage",
    `${field}: unknown provider "${unknown}"; known providers: ${known.join(", ")} (see \`ai-orchestrator providers\`)`,
  );
}

function forbidden(access: ProviderAccess | undefined, providers: string, detail: string): AppError {
  const list = access?.providers?.join(", ") || "none";
  return new AppError(
    "forbidden",
    `hub key ${access?.prefix ?? ""}… may not use provider ${providers}${detail} (it may use ${list})`,
    providers.includes(",") ? {} : { provider: providers },
  );
}
