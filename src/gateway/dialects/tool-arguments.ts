// Tool arguments travel as JSON text in the chat vocabulary (as OpenAI sends them) and as objects
// in Anthropic's and Gemini's; these convert between the two without losing a malformed call.
import { AppError } from "../../errors.ts";

/** The arguments object of a tool call; a call whose text is not a JSON object cannot be sent as one. */
export function argumentsObject(text: string, toolName: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("usage", `the arguments of tool call ${toolName} are not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AppError("usage", `the arguments of tool call ${toolName} are not a JSON object`);
  }
  return { ...value };
}

/** Arguments an answer carries: a model that wrote something other than an object keeps it under `value`. */
export function answerArguments(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return { ...value };
    return { value };
  } catch {
    return { value: text };
  }
}
