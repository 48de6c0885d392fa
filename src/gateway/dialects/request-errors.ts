// The ways a translated request is refused, all HTTP 400: a body that is not the dialect's shape
// (a field the dialect does not have included), and a feature the chat vocabulary between dialects
// cannot carry (never silently dropped).
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

/**
 * Refuses a top-level field that is not one of the dialect's `known` fields: translated, nothing
 * would read it, so a field of another dialect (OpenAI's request with Anthropic's `system`) would
 * vanish without a word. `hints` says what the dialect calls a field that belongs to another.
 */
export function refuseUnknownFields(
  body: Readonly<Record<string, unknown>>,
  known: ReadonlySet<string>,
  dialect: string,
  hints: Readonly<Record<string, string>> = {},
): void {
  for (const field in body) {
    if (known.has(field)) continue;
    const hint = Object.hasOwn(hints, field) ? ` (${hints[field]})` : "";
    throw new AppError(
      "usage",
      `invalid request body: ${field}: not a field of ${dialect} requests${hint}; remove it`,
    );
  }
}

/** Refuses a conversation left with nothing to answer (only system messages, or no parts). */
export function requireTurns(messages: readonly unknown[], field: string, what: string): void {
  if (messages.length === 0) {
    throw new AppError("usage", `invalid request body: ${field}: ${what}`);
  }
}
