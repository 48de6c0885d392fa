// Timestamped backups of a mode's state root, and putting one back. `reset` and `restore` use
// these so that no change to a mode's state is ever without a way back.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
} from "node:fs";
import { join } from "node:path";
import { modeStateDir, type Paths } from "../config/paths.ts";
import { AppError } from "../errors.ts";

export interface StateBackup {
  mode: string;
  /** The backup's folder name: its UTC creation time, e.g. 20261121T054519.123Z. */
  name: string;
  path: string;
}

const BACKUP_NAME = /^\d{8}T\d{6}\.\d{3}Z$/;

export function modeBackupsDir(paths: Paths, mode: string): string {
  return join(paths.backupsDir, mode);
}

/** Backups of a mode, oldest first (names are fixed-width UTC times, so they sort as text). */
export function listBackups(paths: Paths, mode: string): StateBackup[] {
  const directory = modeBackupsDir(paths, mode);
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  return names
    .filter((name) => BACKUP_NAME.test(name))
    .sort()
    .map((name) => ({ mode, name, path: join(directory, name) }));
}

/**
 * Copies the mode's state root, file modes and times included, to backups/<mode>/<UTC time>/.
 * Returns undefined when there is nothing to keep (no state root, or an empty one).
 */
export function backupState(paths: Paths, mode: string, now: Date = new Date()): StateBackup | undefined {
  const source = modeStateDir(paths, mode);
  if (!existsSync(source) || readdirSync(source).length === 0) return undefined;
  mkdirSync(paths.backupsDir, { recursive: true, mode: 0o700 });
  const directory = modeBackupsDir(paths, mode);
  mkdirSync(directory, { recursive: true, mode: 0o700 });

  let time = now.getTime();
  let name = backupName(new Date(time));
  // Two backups in the same millisecond (a reset followed at once by a restore) must not collide.
  while (existsSync(join(directory, name))) name = backupName(new Date(++time));
  const path = join(directory, name);
  copyTree(source, path);
  return { mode, name, path };
}

/** Removes the mode's state root entirely; the caller seeds it afresh. */
export function wipeState(paths: Paths, mode: string): void {
  rmSync(modeStateDir(paths, mode), { recursive: true, force: true });
}

export interface RestoreResult {
  restored: StateBackup;
  /** The backup of the state as it was just before the restore, so the restore can be undone. */
  previous: StateBackup | undefined;
}

/** Puts a backup (the latest when `name` is undefined) back as the mode's state root. */
export function restoreState(
  paths: Paths,
  mode: string,
  name: string | undefined,
  now: Date = new Date(),
): RestoreResult {
  const backups = listBackups(paths, mode);
  const chosen = name === undefined ? backups.at(-1) : backups.find((backup) => backup.name === name);
  if (!chosen) {
    if (backups.length === 0) {
      throw new AppError("not_found", `mode ${mode} has no backups in ${modeBackupsDir(paths, mode)}`);
    }
    throw new AppError(
      "not_found",
      `mode ${mode} has no backup "${name}"; available: ${backups.map((backup) => backup.name).join(", ")}`,
    );
  }

  const previous = backupState(paths, mode, now);
  const target = modeStateDir(paths, mode);
  // Copy beside the target first, so a failed copy leaves the current state untouched.
  const staging = `${target}.restoring-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  copyTree(chosen.path, staging);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return { restored: chosen, previous };
}

function backupName(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "");
}

/**
 * Recursive copy keeping modes, times and symlinks as they are. fs.cpSync does not keep directory
 * modes, and a state root's private folders must stay private in their backup.
 */
function copyTree(source: string, destination: string): void {
  const stats = lstatSync(source);
  if (stats.isSymbolicLink()) {
    symlinkSync(readlinkSync(source), destination);
    return;
  }
  if (stats.isFile()) {
    copyFileSync(source, destination);
    chmodSync(destination, stats.mode & 0o7777);
    utimesSync(destination, stats.atime, stats.mtime);
    return;
  }
  if (!stats.isDirectory()) return; // Sockets and pipes belong to a running process, not to the state.
  mkdirSync(destination, { mode: 0o700 });
  for (const entry of readdirSync(source)) copyTree(join(source, entry), join(destination, entry));
  chmodSync(destination, stats.mode & 0o7777);
  utimesSync(destination, stats.atime, stats.mtime);
}
