// Shared pieces of the wire schemas: tagged unions that stay open to tags added after this code was
// written, and one way to word a validation failure (`messages.0.content: expected string`).
import { z } from "zod";

/**
 * An object whose `type` is none of `known`: the APIs add block and part types often,
 * so the schemas let unknown ones through and leave each reader to decide what to do with them.
 */
export function unknownType(known: readonly string[]) {
  return z.looseObject({
    type: z.string().refine((value) => !known.includes(value), { abort: true, message: KNOWN_TYPE }),
  });
}

/**
 * A guard that tells the known members of such a union from the unknown ones: TypeScript cannot
 * narrow on `type` while one member's `type` is any string.
 */
export function knownTypeGuard<Known extends { type: string }>(known: readonly string[]) {
  return <Other extends { type: string }>(value: Known | Other): value is Known => known.includes(value.type);
}

/** The message of the unknown-type branch failing on a known type: never the problem to report. */
const KNOWN_TYPE = "a known type";

/** The first problem of a failed parse, as `path: what is wrong`, for a 400 a caller can act on. */
export function describeWireIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "invalid request";
  return describeIssue(issue, []);
}

function describeIssue(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): string {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union") {
    const branches = issue.errors.flatMap((branch) => (branch[0] === undefined ? [] : [branch[0]]));
    const shallow = branches.every((branch) => branch.code === "invalid_type" && branch.path.length === 0);
    if (shallow && branches.length > 0) {
      const expected = branches.map((branch) => (branch.code === "invalid_type" ? branch.expected : ""));
      return `${where(path)}expected ${[...new Set(expected)].join(" or ")}`;
    }
    // The deepest branch is the one that got furthest: the input meant that shape.
    const deepest = branches
      .filter((branch) => branch.message !== KNOWN_TYPE)
      .sort((left, right) => right.path.length - left.path.length)[0];
    if (deepest !== undefined) return describeIssue(deepest, path);
  }
  return `${where(path)}${issue.message.replace(/^Invalid (input|option): /, "")}`;
}

function where(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "" : `${path.map(String).join(".")}: `;
}
