// The whole of config.yaml. Every key is optional: with no file at all the tool runs on defaults.
import { z } from "zod";
import { identifier, runtimeName } from "./common.ts";
import { dockerSchema } from "./docker.ts";
import { filesSchema } from "./files.ts";
import { gatewaySchema } from "./gateway.ts";
import { mcpSchema } from "./mcp.ts";
import { modeConfigSchema } from "./modes.ts";
import { providerConfigSchema } from "./providers.ts";
import { checkReferences } from "./references.ts";
import { resilienceSchema } from "./resilience.ts";
import { serverSchema } from "./server.ts";
import { redisSchema, storeSchema } from "./store.ts";

export const configSchema = z
  .strictObject({
    runtime: runtimeName
      .default("auto")
      .describe("Default sandbox runtime: auto picks the strongest available."),
    viaHub: z
      .boolean()
      .default(false)
      .describe(
        "Launch every mode through the hub: a short-lived session token in the sandbox, no provider key.",
      ),
    sessionTokenTtlSeconds: z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(120)
      .describe(
        "Lifetime of a launch's hub session token; renewed while the run lives, so a dead launcher's token dies this soon.",
      ),
    persistentSessionTokenTtlSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(43_200)
      .describe(
        "Lifetime of a persistent session's (`<mode> start`) hub session token; renewed by each start, status and run into the session, revoked by stop.",
      ),
    providers: z.record(identifier, providerConfigSchema).default({}),
    modes: z.record(identifier, modeConfigSchema).default({}),
    docker: dockerSchema.prefault({}),
    resilience: resilienceSchema.prefault({}),
    gateway: gatewaySchema.prefault({}),
    store: storeSchema.prefault({}),
    redis: redisSchema.prefault({}),
    files: filesSchema.prefault({}),
    server: serverSchema.prefault({}),
    mcp: mcpSchema.prefault({}),
  })
  // Runs once every section is well-formed: references between sections (providers named by modes,
  // fallbacks and gateway aliases; the store URL) are part of validation, not found at first use.
  .superRefine(checkReferences);

export type Config = z.infer<typeof configSchema>;

export type { RuntimeChoice } from "./common.ts";
export { ASSISTANT_CLIS, type AssistantCli, type ModeConfig } from "./modes.ts";
export { PROVIDER_APIS, type ProviderApi, type ProviderConfig } from "./providers.ts";
