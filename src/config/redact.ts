// Hides anything secret-looking before a configuration is shown to a person.
import type { Config } from "./schema/index.ts";

const SECRET_KEY = /(key|token|secret|password|credential)/i;
const SECRET_NAME_HOLDERS = new Set(["apiKeyEnv"]);

export function redactConfig(config: Config): unknown {
  return redact(config, "");
}

function redact(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return value.map((item) => redact(item, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, redact(item, name)]));
  }
  if (typeof value === "string" && SECRET_KEY.test(key) && !SECRET_NAME_HOLDERS.has(key)) return "[redacted]";
  if (typeof value === "string" && /^[a-z]+:\/\/[^/]*:[^@/]*@/i.test(value)) {
    return value.replace(/^([a-z]+:\/\/[^/:]*):[^@/]*@/i, "$1:[redacted]@");
  }
  return value;
}
