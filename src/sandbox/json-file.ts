// Key-level merges into JSON files the assistant CLIs own: read, change only our keys, write
// atomically (temporary file, then rename) so a crash never leaves half a file behind.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { errnoCode, isMissingFile } from "../errno.ts";
import { AppError } from "../errors.ts";

export type JsonObject = { [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The file's top-level object; `undefined` when it does not exist. */
export function readJsonObject(path: string): JsonObject | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (isMissingFile(error)) return undefined;
    throw new AppError("runtime", `${path} cannot be read: ${describe(error)}`);
  }
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError(
      "runtime",
      `${path} is not valid JSON: fix it or remove it, and its tool recreates it`,
    );
  }
  if (!isJsonObject(parsed))
    throw new AppError("runtime", `${path} does not hold a JSON object: fix it or remove it`);
  return parsed;
}

/** Applies `change` to the file's object (or `{}`) and writes it back only if something changed. */
export function mergeJsonFile(path: string, change: (current: JsonObject) => JsonObject): boolean {
  const before = readJsonObject(path);
  const after = change(structuredClone(before ?? {}));
  if (before !== undefined && JSON.stringify(before) === JSON.stringify(after)) return false;
  writeFileAtomic(path, `${JSON.stringify(after, null, 2)}\n`);
  return true;
}

/** Writes a private file (0600 in a directory created 0700) through a temporary sibling and a rename. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(temporary, content, { mode: 0o600, flag: "wx" });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new AppError("runtime", `cannot write ${path}: ${describe(error)}`);
  }
  chmodSync(path, 0o600);
}

/** The object under `key`, created when absent or not an object. */
export function objectAt(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key];
  if (isJsonObject(existing)) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

function describe(error: unknown): string {
  return errnoCode(error) ?? String(error);
}
