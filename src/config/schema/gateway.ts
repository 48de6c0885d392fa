// `gateway:`: how model names the hub is asked for map to providers. Explicit `provider/model`
// names and the well-known prefixes (claude-, gemini-, glm-, kimi-) need no entry here.
import { z } from "zod";

const providerModel = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}\/\S+$/, "must be provider/model, e.g. zai/glm-4.6");

export const modelAliasSchema = z.strictObject({
  target: providerModel.describe("The provider and model this alias stands for: `zai/glm-4.6`."),
  fallbacks: z
    .array(providerModel)
    .optional()
    .describe(
      "Tried in order when the target fails before answering; without it, the target provider's `resilience.fallbacks` with the model mapped by role.",
    ),
});

export const gatewaySchema = z.strictObject({
  models: z
    .record(z.string().regex(/^[^/\s]+$/, "an alias has no '/' or spaces"), modelAliasSchema)
    .default({})
    .describe(
      "Model aliases clients may ask for: `coder: { target: zai/glm-4.6, fallbacks: [moonshot/kimi-k2.5] }`.",
    ),
});
export type GatewayConfig = z.infer<typeof gatewaySchema>;
