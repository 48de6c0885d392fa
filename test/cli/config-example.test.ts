import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { runCli, temporaryHome } from "../support/cli.ts";
import { homeEnv } from "./home-env.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const EXAMPLE = join(ROOT, "config.example.yaml");

test("config.example.yaml stays under 200 lines and passes `config check`", async (t) => {
  const text = readFileSync(EXAMPLE, "utf8");
  assert.ok(text.split("\n").length < 200, `config.example.yaml has ${text.split("\n").length} lines`);
  const result = await runCli(["--config", EXAMPLE, "config", "check"], { env: homeEnv(temporaryHome(t)) });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /config\.example\.yaml: OK/);
});

test("config.example.yaml sets every key of the schema, custom providers and modes included", async () => {
  const schema = JSON.parse((await runCli(["config", "schema"])).stdout);
  const example: unknown = parse(readFileSync(EXAMPLE, "utf8"));
  const missing = uncoveredKeys(schema, example, "");
  assert.deepEqual(missing, [], `keys of the schema missing from config.example.yaml: ${missing.join(", ")}`);

  const providers = (example as { providers: Record<string, { extends?: string; baseUrl?: string }> })
    .providers;
  assert.equal(providers["zai-cn"]?.extends, "zai", "GLM on the China endpoint, as a custom provider");
  assert.equal(providers["kimi-coding"]?.extends, "moonshot", "Kimi For Coding, with its own key");
  assert.equal(
    providers["kimi-coding"]?.baseUrl,
    "https://api.kimi.com/coding/v1",
    "its own OpenAI-style API, which its key opens: not the Moonshot platform's",
  );
});

test("config.schema.json is what `config schema` prints (regenerate with `npm run schema`)", async () => {
  const committed = JSON.parse(readFileSync(join(ROOT, "config.schema.json"), "utf8"));
  const current = JSON.parse((await runCli(["config", "schema"])).stdout);
  assert.deepEqual(committed, current, "config.schema.json is stale: run `npm run schema`");
});

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

/**
 * Dotted paths of schema keys the example leaves out. A map keyed by names of your own
 * (`providers`, `modes`) counts as covered when its entries together set every key of an entry.
 */
function uncoveredKeys(schema: JsonSchema, value: unknown, path: string): string[] {
  const branches = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  if (branches.length > 0) {
    const results = branches.map((branch) => uncoveredKeys(branch, value, path));
    return results.reduce((best, next) => (next.length < best.length ? next : best));
  }
  const object = value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
  const missing: string[] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const childPath = path ? `${path}.${key}` : key;
    if (!(key in object)) missing.push(childPath);
    else missing.push(...uncoveredKeys(child, (object as Record<string, unknown>)[key], childPath));
  }
  const entry = schema.additionalProperties;
  if (typeof entry === "object" && (entry.properties || entry.anyOf || entry.oneOf)) {
    const perEntry = Object.values(object).map((item) => new Set(uncoveredKeys(entry, item, `${path}.*`)));
    const everywhere =
      perEntry.length === 0 ? uncoveredKeys(entry, {}, `${path}.*`) : [...(perEntry[0] ?? [])];
    missing.push(...everywhere.filter((key) => perEntry.every((set) => set.has(key))));
  }
  return missing;
}
