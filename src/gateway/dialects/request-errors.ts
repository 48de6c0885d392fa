// The two ways a translated request is refused, both HTTP 400: a body that is not the dialect's
// shape, and a feature the chat vocabulary between dialects cannot carry (never silently dropped).
import type { ZodType } from "zod";
import { AppError } from "../../errors.ts";
import { describeWireIssue } from "../../wire/open-union.ts";

export function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new AppError("usage", `invalid request body: ${describeWireIssue(parsed.error)}`);
  return parsed.data;
}

/**
 * `what` names the field as the client wrote it; `dialect` is the API the client speaks, whose
 * providers would take the request unchanged.
 */
export function untranslatable(what: string, dialect: string): AppError {
  return new AppError(
    "usage",
    `${what} cannot be translated for a provider of another API: remove it, or ask for a model served through the ${dialect} API`,
  );
}
