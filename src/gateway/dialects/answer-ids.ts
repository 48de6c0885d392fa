// Ids for translated answers, in the form each dialect's clients expect (`msg_…`, `chatcmpl-…`).
import { randomBytes } from "node:crypto";

/** The provider's own id when it already has the dialect's prefix, else a fresh one with it. */
export function answerId(prefix: string, providerId: string | undefined): string {
  if (providerId?.startsWith(prefix)) return providerId;
  return `${prefix}${randomBytes(12).toString("hex")}`;
}
