// GET /v1/models (OpenAI's or Anthropic's list shape) and GET /v1beta/models (Gemini's): the
// models a key can ask for by name — each provider's main and small model as provider/model,
// and the configured aliases.

import type { Principal } from "../auth/hub-keys.ts";
import { allowsProvider } from "../auth/provider-access.ts";
import type { Config } from "../config/schema/index.ts";
import { countsTokens } from "../gateway/count-tokens.ts";
import { providerIds, resolveProvider } from "../providers/registry.ts";

export interface ModelLists {
  openai: unknown;
  anthropic: unknown;
  gemini: unknown;
}

export function modelList(config: Config, principal: Principal): ModelLists {
  const names: { id: string; owner: string }[] = [];
  // Gemini's clients read from the list whether a model can count tokens (see gateway/count-tokens.ts).
  const counting = new Set<string>();
  for (const id of providerIds(config)) {
    if (!allowsProvider(principal, id)) continue;
    const provider = resolveProvider(config, id);
    if (provider.nativeDialect === "gemini" || countsTokens(provider)) counting.add(id);
    for (const model of new Set([provider.models.main, provider.models.small])) {
      names.push({ id: `${id}/${model}`, owner: id });
    }
  }
  for (const [alias, entry] of Object.entries(config.gateway.models)) {
    const owner = entry.target.slice(0, entry.target.indexOf("/"));
    if (allowsProvider(principal, owner)) names.push({ id: alias, owner });
  }
  const created = 0;
  return {
    openai: {
      object: "list",
      data: names.map((name) => ({ id: name.id, object: "model", created, owned_by: name.owner })),
    },
    anthropic: {
      data: names.map((name) => ({
        type: "model",
        id: name.id,
        display_name: name.id,
        created_at: new Date(created).toISOString(),
      })),
      has_more: false,
      first_id: names[0]?.id ?? null,
      last_id: names.at(-1)?.id ?? null,
    },
    gemini: {
      models: names.map((name) => ({
        name: `models/${name.id}`,
        displayName: name.id,
        supportedGenerationMethods: [
          "generateContent",
          "streamGenerateContent",
          ...(counting.has(name.owner) ? ["countTokens"] : []),
        ],
      })),
    },
  };
}
