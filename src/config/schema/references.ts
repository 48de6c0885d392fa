// Checks between sections of config.yaml: every provider a mode, a fallback chain or a gateway alias
// names must exist, a custom provider must say which API it speaks, and `store.url` must be a store
// the hub can open. Without these a file validated clean and then failed in whichever command used it.
import type { z } from "zod";
import { PROVIDER_APIS } from "./providers.ts";

const BUILTIN_PROVIDERS: ReadonlySet<string> = new Set(PROVIDER_APIS);

interface References {
  providers: Record<string, { extends?: string | undefined }>;
  modes: Record<string, { provider?: string | undefined }>;
  resilience: { fallbacks: Record<string, string[]> };
  gateway: { models: Record<string, { target: string; fallbacks?: string[] | undefined }> };
  store: { url?: string | undefined };
}

export function checkReferences(config: References, context: z.RefinementCtx): void {
  const known = [...new Set([...BUILTIN_PROVIDERS, ...Object.keys(config.providers)])];
  const isKnown = (id: string): boolean => known.includes(id);
  const unknown = (id: string, path: (string | number)[]): void =>
    context.addIssue({
      code: "custom",
      path,
      message: `unknown provider "${id}"; known providers: ${known.join(", ")} (correct the name, or define it under \`providers:\`)`,
    });

  for (const [id, provider] of Object.entries(config.providers)) {
    if (provider.extends === undefined && !BUILTIN_PROVIDERS.has(id)) {
      context.addIssue({
        code: "custom",
        path: ["providers", id],
        message: `a custom provider needs \`extends: ${PROVIDER_APIS.join("|")}\`, the API it speaks`,
      });
    }
  }
  for (const [name, mode] of Object.entries(config.modes)) {
    if (mode.provider !== undefined && !isKnown(mode.provider))
      unknown(mode.provider, ["modes", name, "provider"]);
  }
  for (const [from, chain] of Object.entries(config.resilience.fallbacks)) {
    if (!isKnown(from)) unknown(from, ["resilience", "fallbacks", from]);
    chain.forEach((id, index) => {
      if (!isKnown(id)) unknown(id, ["resilience", "fallbacks", from, index]);
    });
  }
  for (const [alias, entry] of Object.entries(config.gateway.models)) {
    const target = providerOf(entry.target);
    if (!isKnown(target)) unknown(target, ["gateway", "models", alias, "target"]);
    entry.fallbacks?.forEach((name, index) => {
      const id = providerOf(name);
      if (!isKnown(id)) unknown(id, ["gateway", "models", alias, "fallbacks", index]);
    });
  }
  const storeProblem = config.store.url === undefined ? undefined : storeUrlProblem(config.store.url);
  if (storeProblem !== undefined)
    context.addIssue({ code: "custom", path: ["store", "url"], message: storeProblem });
}

/** What the store would refuse at open: a URL of another database, or a postgres:// URL that does not parse. */
export function storeUrlProblem(url: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  if (!/^postgres(ql)?:\/\//i.test(url))
    return "is neither a file path nor a postgres:// URL; give a SQLite file path (e.g. /var/lib/ai-orchestrator/orchestrator.db) or postgres://user@host:5432/database";
  return URL.canParse(url) ? undefined : "is not a valid URL; write postgres://user@host:5432/database";
}

/** `zai/glm-4.6` → `zai`; the schema has already checked the `provider/model` shape. */
function providerOf(providerModel: string): string {
  return providerModel.slice(0, providerModel.indexOf("/"));
}
