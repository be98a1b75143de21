/**
 * Personal data at rest stays readable by the bot's account only: the data directory and
 * run folders are 0700, the ledger, the snapshot and run files 0600 (POSIX).
 *
 * On Windows these are no-ops: POSIX modes mean nothing to NTFS, and the folders' ACLs
 * (the bot's service account, Administrators and SYSTEM only, inherited by everything
 * inside) are set once by the installer (scripts/windows/install.ps1); doctor reads them
 * back with icacls (windows-acl.ts).
 */
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { describeMode } from '../../config/secrets-file.ts';
import { pmhError } from '../../core/errors.ts';

const IS_WINDOWS = process.platform === 'win32';

/** Creates the folder if needed and makes it 0700. */
export function restrictDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (IS_WINDOWS) return;
  // mkdir's mode passes through the umask and does nothing for a folder that exists.
  chmodSync(path, 0o700);
}

/** Makes an existing file 0600; returns false when there is no such file. */
export function restrictFile(path: string): boolean {
  if (!existsSync(path)) return false;
  if (!IS_WINDOWS) chmodSync(path, 0o600);
  return true;
}

/** A SQLite database and its companions (-wal, -shm, -journal), which hold the same data. */
export function restrictSqlite(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) restrictFile(path + suffix);
}

export interface PrivacyCheck {
  path: string;
  /** True when only the owner has access (always true on Windows, where nothing is checked). */
  private: boolean;
  /** The mode as `0700 (rwx------)`; null on Windows or when the path does not exist. */
  mode: string | null;
  exists: boolean;
}

/** Whether group or others have any access to `path`. */
export function checkPrivate(path: string): PrivacyCheck {
  if (!existsSync(path)) return { path, private: true, mode: null, exists: false };
  if (IS_WINDOWS) return { path, private: true, mode: null, exists: true };
  const mode = statSync(path).mode;
  return { path, private: (mode & 0o077) === 0, mode: describeMode(mode), exists: true };
}

/** Throws the critical PathNotPrivate when group or others have access to `path`. */
export function requirePrivate(path: string): void {
  const check = checkPrivate(path);
  if (!check.private) throw pmhError('PathNotPrivate', { path, mode: check.mode ?? '' });
}
