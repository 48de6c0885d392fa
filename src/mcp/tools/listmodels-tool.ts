// `listmodels`: per provider, the models its own endpoint lists (cached) and its breaker state,
// and the aliases config.yaml defines, so a client knows what `model` may name.
import type { McpServer } from "@modelcontextprotocol/server";
import type { ToolContext } from "../tool-context.ts";
import { guarded, textResult } from "../tool-result.ts";

export function registerListModelsTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    "listmodels",
    {
      description:
        "List the models each provider offers, the configured aliases, and each provider's health.",
    },
    (request) =>
      guarded(context.logger, "listmodels", async () => {
        const catalog = await context.catalog.list(request.mcpReq.signal, context.access);
        const lines = catalog.providers.map((entry) => {
          const health = entry.breaker === "closed" ? "" : ` [circuit ${entry.breaker}]`;
          const models = entry.error ? `unavailable: ${entry.error}` : entry.models.join(", ");
          return `${entry.provider}${health}: ${models}`;
        });
        const aliases = Object.entries(catalog.aliases).map(
          ([alias, entry]) =>
            `${alias} → ${entry.target}${entry.fallbacks ? ` (then ${entry.fallbacks.join(", ")})` : ""}`,
        );
        if (aliases.length > 0) lines.push(`aliases: ${aliases.join("; ")}`);
        lines.push(
          "Name a model as provider/model (zai/glm-4.6), an alias, or a model name with a known prefix.",
        );
        return textResult(lines.join("\n"), { providers: catalog.providers, aliases: catalog.aliases });
      }),
  );
}
