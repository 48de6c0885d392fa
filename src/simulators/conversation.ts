// What the simulated models say: a deterministic reply quoting the last user message, so a test
// (or a person trying the tool offline) can tell exactly which prompt reached which provider.
import type { ProviderApi } from "../config/schema/index.ts";

const NAMES: Readonly<Record<ProviderApi, string>> = {
  anthropic: "Anthropic",
  google: "Gemini",
  zai: "Z.ai",
  moonshot: "Moonshot",
};

/** `Simulated <Provider> reply to: <last user message>` — stable across runs. */
export function replyText(provider: ProviderApi, lastUserMessage: string): string {
  const quote = lastUserMessage.trim().replace(/\s+/g, " ");
  const shortened = quote.length > 500 ? `${quote.slice(0, 500)}…` : quote;
  return `Simulated ${NAMES[provider]} reply to: ${shortened}`;
}

export function thinkingText(lastUserMessage: string): string {
  return `Considering the request: ${lastUserMessage.trim().replace(/\s+/g, " ").slice(0, 200)}`;
}

/** A rough count (4 characters a token), enough for usage fields and token-count endpoints. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

/**
 * The reply cut to the request's output limit (`max_tokens`, `maxOutputTokens`), at the same four
 * characters a token: `truncated` tells the caller to report the platform's "length" stop reason.
 */
export function limitReply(
  text: string,
  maxTokens: number | undefined,
): { text: string; truncated: boolean } {
  if (maxTokens === undefined || estimateTokens(text) <= maxTokens) return { text, truncated: false };
  return { text: text.slice(0, maxTokens * 4), truncated: true };
}

/** Cuts a reply into a few pieces so streams carry more than one delta. */
export function streamPieces(text: string, pieces = 3): string[] {
  if (text.length < pieces * 2) return [text];
  const size = Math.ceil(text.length / pieces);
  const parts: string[] = [];
  for (let start = 0; start < text.length; start += size) parts.push(text.slice(start, start + size));
  return parts;
}

/** Text of content given as a string or as typed blocks/parts, skipping injected system reminders. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part !== "object" || part === null || !("text" in part)) continue;
    const text = part.text;
    if (typeof text === "string" && !text.trimStart().startsWith("<system-reminder>")) texts.push(text);
  }
  return texts.at(-1) ?? "";
}

/**
 * A value that satisfies a JSON Schema (or Gemini's OpenAPI-style schema with upper-case types),
 * for structured-output requests such as Gemini CLI's model-routing call.
 */
export function sampleFromSchema(schema: unknown, quote: string): unknown {
  if (typeof schema !== "object" || schema === null) return quote;
  const record: Record<string, unknown> = { ...schema };
  if (Array.isArray(record.enum) && record.enum.length > 0) return record.enum[0];
  if ("const" in record) return record.const;
  const variants = record.anyOf ?? record.oneOf;
  if (Array.isArray(variants) && variants.length > 0) return sampleFromSchema(variants[0], quote);
  const rawType = Array.isArray(record.type) ? record.type[0] : record.type;
  const type = typeof rawType === "string" ? rawType.toLowerCase() : record.properties ? "object" : "string";
  switch (type) {
    case "object": {
      const properties =
        typeof record.properties === "object" && record.properties !== null
          ? Object.entries(record.properties)
          : [];
      return Object.fromEntries(properties.map(([name, value]) => [name, sampleFromSchema(value, quote)]));
    }
    case "array":
      return [sampleFromSchema(record.items, quote)];
    case "integer":
    case "number":
      return typeof record.minimum === "number" ? record.minimum : 1;
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return quote;
  }
}

export interface SimulatedToolCall {
  name: string;
  /** Arguments that satisfy the tool's schema. */
  input: unknown;
}

/**
 * The tool call a simulated model makes: when the prompt says `use the <name> tool` and the request
 * offers a tool of that name. Anything else gets a text reply, so assistants that always send tools
 * (Claude Code, Gemini CLI) still get plain answers.
 */
export function requestedToolCall(
  prompt: string,
  tools: readonly { name: string; schema: unknown }[],
): SimulatedToolCall | undefined {
  const asked = /\buse the ([\w-]+) tool\b/i.exec(prompt)?.[1];
  const tool = tools.find((candidate) => candidate.name === asked);
  if (tool === undefined) return undefined;
  return { name: tool.name, input: sampleFromSchema(tool.schema ?? { type: "object" }, asked ?? "") };
}
