// `files:`: how long the hub keeps the copies it uploaded, and how often it checks they still exist.
import { z } from "zod";

export const filesSchema = z.strictObject({
  retentionDays: z
    .number()
    .positive()
    .default(30)
    .describe(
      "`files sync` deletes a provider copy uploaded longer ago than this, unless its content is pinned.",
    ),
  verifyIntervalMs: z
    .number()
    .int()
    .min(10_000)
    .default(300_000)
    .describe("How often a running hub asks each provider whether its copies still exist (`files verify`)."),
  expiryMarginMs: z
    .number()
    .int()
    .nonnegative()
    .default(3_600_000)
    .describe(
      "A copy the provider will delete within this time (Gemini keeps files 48 h) is uploaded again instead of reused.",
    ),
});
export type FilesConfig = z.infer<typeof filesSchema>;
