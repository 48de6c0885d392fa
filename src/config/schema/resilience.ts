// Per-provider resilience policy and the breaker state store.
import { z } from "zod";

export const policySchema = z.strictObject({});
export type PolicyConfig = z.infer<typeof policySchema>;

export const resilienceSchema = z.strictObject({});
export type ResilienceConfig = z.infer<typeof resilienceSchema>;
