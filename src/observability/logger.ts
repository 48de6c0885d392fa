// Structured logging (pino, JSON lines on stderr by default). Keys, tokens and passwords are redacted
// twice over: by field name wherever they sit in a logged object, and by shape inside any string
// (bearer tokens, sk-… keys, passwords in URLs), so a secret in an error message is caught too.
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";

export type { Logger } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerSettings {
  /** Defaults to AI_ORCHESTRATOR_LOG_LEVEL, else "warn" (a CLI should stay quiet unless something is wrong). */
  level?: LogLevel | undefined;
  /** Defaults to stderr, so logs never mix with a command's output. */
  destination?: DestinationStream | undefined;
  name?: string;
}

const SECRET_FIELD = /(api[-_]?key|token|secret|password|passwd|authorization|credential|cookie)/i;
// Fields that name where a secret is kept, not the secret itself.
const SECRET_NAME_FIELDS = new Set([
  "apiKeyEnv",
  "credentialEnv",
  "tokens",
  "inputTokens",
  "outputTokens",
  "totalTokens",
]);

const SECRET_SHAPES: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted]"],
  [/\b(sk|pk|rk|sess)-[A-Za-z0-9_-]{8,}/g, "[redacted]"],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, "[redacted]"],
  // Hub keys keep their public prefix (aio_ and 8 characters), which lists and logs show anyway.
  [/\b(aio_[A-Za-z0-9_-]{8})[A-Za-z0-9_-]{20,}/g, "$1…[redacted]"],
  [/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@/\s]+@/gi, "$1:[redacted]@"],
  [/([?&](?:key|api_key|apikey|token|access_token)=)[^&\s]+/gi, "$1[redacted]"],
];

/** Removes secret-looking substrings from free text (messages, error strings, URLs). */
export function redactText(text: string): string {
  let result = text;
  for (const [pattern, replacement] of SECRET_SHAPES) result = result.replace(pattern, replacement);
  return result;
}

/** Deep copy of a value to be logged, with secret fields replaced and secret shapes scrubbed from strings. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message), ...errorFields(value, depth) };
  }
  return redactFields(value, depth);
}

function redactFields(record: object, depth: number): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([key, item]) => [
      key,
      SECRET_FIELD.test(key) && !SECRET_NAME_FIELDS.has(key) && isSecretShaped(item)
        ? "[redacted]"
        : redactValue(item, depth + 1),
    ]),
  );
}

/** Secrets are text (or hold it): a number or a flag under such a name is a setting, like a token's lifetime. */
function isSecretShaped(item: unknown): boolean {
  return item !== undefined && item !== null && typeof item !== "number" && typeof item !== "boolean";
}

function errorFields(error: Error, depth: number): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of ["kind", "provider", "status", "retryable", "retryAfterMs", "requestId", "code"]) {
    if (key in error) fields[key] = redactValue(Reflect.get(error, key), depth + 1);
  }
  return fields;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    name: settings.name ?? "ai-orchestrator",
    level: settings.level ?? levelFromEnvironment(),
    base: { pid: process.pid },
    formatters: { log: (object) => redactFields(object, 0) },
    hooks: {
      logMethod(args, method) {
        const [first, message, ...rest] = args;
        method.apply(this, [
          typeof first === "string" ? redactText(first) : first,
          message === undefined ? message : redactText(message),
          ...rest,
        ]);
      },
    },
  };
  return pino(options, settings.destination ?? pino.destination({ fd: 2, sync: true }));
}

function levelFromEnvironment(): LogLevel {
  const wanted = process.env.AI_ORCHESTRATOR_LOG_LEVEL?.toLowerCase();
  return LOG_LEVELS.find((level) => level === wanted) ?? "warn";
}

let shared: Logger | undefined;

/** The process's logger, created on first use. */
export function logger(): Logger {
  shared ??= createLogger();
  return shared;
}
