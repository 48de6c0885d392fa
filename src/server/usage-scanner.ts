// Token counts read from the answers as they pass, without parsing or buffering them: a chunk is
// looked at only when it holds a usage field, and the last count of each direction wins (streams
// repeat running totals: Anthropic's message_delta, Gemini's usageMetadata on every chunk).
import type { Dialect } from "../providers/definitions.ts";
import type { GatewayMetrics } from "./metrics.ts";

export interface UsageScanner {
  scan(chunk: Buffer): void;
  /** Counts known from elsewhere (a translated answer's usage); they win over anything scanned. */
  reported(input: number | undefined, output: number | undefined): void;
  /** Adds what was seen to the provider's token counters, once; returns what was seen. */
  record(metrics: GatewayMetrics, provider: string): { input: number; output: number };
}

interface UsageFields {
  marker: string;
  input: RegExp;
  output: RegExp;
}

const FIELDS: Readonly<Record<Dialect, UsageFields>> = {
  anthropic: { marker: "_tokens", input: /"input_tokens":\s*(\d+)/g, output: /"output_tokens":\s*(\d+)/g },
  openai: { marker: "_tokens", input: /"prompt_tokens":\s*(\d+)/g, output: /"completion_tokens":\s*(\d+)/g },
  gemini: {
    marker: "TokenCount",
    input: /"promptTokenCount":\s*(\d+)/g,
    output: /"candidatesTokenCount":\s*(\d+)/g,
  },
};

export function createUsageScanner(dialect: Dialect): UsageScanner {
  const fields = FIELDS[dialect];
  let input = 0;
  let output = 0;
  let recorded = false;
  let known = false;
  return {
    scan(chunk) {
      if (known) return;
      const first = chunk.indexOf(fields.marker);
      if (first < 0) return;
      // Only from the first usage field on: the answer's text before it holds none, and may be long.
      const text = chunk.toString("utf8", Math.max(0, first - KEY_BEFORE_MARKER));
      input = lastNumber(fields.input, text) ?? input;
      output = lastNumber(fields.output, text) ?? output;
    },
    reported(reportedInput, reportedOutput) {
      known = true;
      input = reportedInput ?? input;
      output = reportedOutput ?? output;
    },
    record(metrics, provider) {
      if (!recorded) {
        recorded = true;
        if (input > 0) metrics.tokens.inc({ provider, direction: "in" }, input);
        if (output > 0) metrics.tokens.inc({ provider, direction: "out" }, output);
      }
      return { input, output };
    },
  };
}

/** Room for the start of the longest key around a marker (`"candidatesTokenCount"`, `"completion_tokens"`). */
const KEY_BEFORE_MARKER = 32;

function lastNumber(pattern: RegExp, text: string): number | undefined {
  let last: number | undefined;
  for (const match of text.matchAll(pattern)) last = Number(match[1]);
  return last;
}
