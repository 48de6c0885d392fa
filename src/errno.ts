// The system-error code (`ENOENT`, `EACCES`, ...) Node attaches to a failed file or process call,
// read once here so that "the file is not there" is spelled the same way everywhere.

/** The error's system code, e.g. `ENOENT`; undefined when it carries none. */
export function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && "code" in error ? String(error.code) : undefined;
}

/** The call failed because the file (or the program to run) does not exist. */
export function isMissingFile(error: unknown): boolean {
  return errnoCode(error) === "ENOENT";
}
