// Throwaway directories for tests. Removing one never fails the test or stops the cleanup after it:
// node runs a test's `after` hooks in the order they were added and skips the rest once one throws,
// so a home removed while a hub it started is still writing there (ENOTEMPTY) would leave that hub
// running, and the test file waiting on it, until CI's own timeout.
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A new directory under the system's temporary one (its real path), removed when the test ends. */
export function scratchDirectory(t: { after(fn: () => void): void }, prefix: string): string {
  const directory = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  t.after(() => removeScratch(directory));
  return directory;
}

/** Removes a test's directory, retrying while something still writes in it; a leftover is only reported. */
export function removeScratch(directory: string): void {
  try {
    rmSync(directory, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  } catch (error) {
    process.stderr.write(`# left ${directory}: ${(error as NodeJS.ErrnoException).code ?? error}\n`);
  }
}
