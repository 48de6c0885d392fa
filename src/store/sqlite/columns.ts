// Typed reads of node:sqlite result rows: a column of the wrong type is a corrupt or foreign file,
// reported as such rather than passed on as a wrong value.
import type { SQLOutputValue } from "node:sqlite";

export type Row = Record<string, SQLOutputValue>;

export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw corrupt(column, value);
  return value;
}

export function optionalText(row: Row, column: string): string | undefined {
  return row[column] === null || row[column] === undefined ? undefined : text(row, column);
}

export function integer(row: Row, column: string): number {
  const value = row[column];
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  throw corrupt(column, value);
}

export function optionalInteger(row: Row, column: string): number | undefined {
  return row[column] === null || row[column] === undefined ? undefined : integer(row, column);
}

/** A JSON array of strings stored as text. */
export function stringList(row: Row, column: string): string[] | undefined {
  const value = optionalText(row, column);
  if (value === undefined) return undefined;
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string"))
    throw corrupt(column, value);
  return parsed;
}

function corrupt(column: string, value: unknown): Error {
  return new Error(`unexpected value in column ${column}: ${typeof value}`);
}
