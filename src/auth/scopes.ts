// What a hub key may do. Each route and tool names the scope it needs; `admin` also grants the
// read-only `dashboard`, since whoever manages keys may look at the hub's state.
import { AppError } from "../errors.ts";

export const SCOPES = ["chat", "files", "mcp", "metrics", "admin", "dashboard"] as const;
export type Scope = (typeof SCOPES)[number];

/** What `keys create` grants when --scopes is omitted. */
export const DEFAULT_SCOPES: readonly Scope[] = ["chat"];

export function isScope(value: string): value is Scope {
  return SCOPES.some((scope) => scope === value);
}

/** Parses a list of scope names; an unknown one is a usage error naming the valid ones. */
export function parseScopes(names: readonly string[]): Scope[] {
  const scopes: Scope[] = [];
  for (const name of names) {
    if (!isScope(name)) {
      throw new AppError("usage", `unknown scope "${name}"; use any of ${SCOPES.join(", ")}`);
    }
    if (!scopes.includes(name)) scopes.push(name);
  }
  if (scopes.length === 0) throw new AppError("usage", `no scope given; use any of ${SCOPES.join(", ")}`);
  return scopes;
}

export function grants(scopes: readonly string[], wanted: Scope): boolean {
  return scopes.includes(wanted) || (wanted === "dashboard" && scopes.includes("admin"));
}
