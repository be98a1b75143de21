/**
 * `pmh-bot purge`: personal data does not stay on disk longer than the retention period.
 * A finished run's files (upload files, key maps, screenshots, HTML, traces, PMH's error
 * lists, reports, result and log files: everything in its run folder) are deleted
 * `retention.run_artifacts_days` after the run started. The ledger keeps every row, with
 * `purged_at` set, as the record that the file existed; a run still 'running' is never
 * touched, nor the snapshot or the ledger. Running it twice deletes nothing the second time.
 */
import { existsSync, lstatSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { BotConfig } from '../../config/schema.ts';
import { pmhError, type PmhBotError } from '../../core/errors.ts';
import { dailyLogDir, pruneDailyLogs } from '../../core/log.ts';
import { Ledger, type RunRow } from './ledger.ts';
import { ledgerPath, snapshotPath } from './paths.ts';

const DAY_MS = 86_400_000;

export interface PurgeOptions {
  /** The moment the retention is counted from (tests pass a later one). */
  now?: Date;
  /** List what would be deleted; delete and record nothing. */
  dryRun?: boolean;
  /** Overrides retention.run_artifacts_days. */
  olderThanDays?: number;
}

export interface PurgedRun {
  runId: string;
  startedAt: string;
  status: RunRow['status'];
  /** Files deleted (or, in a dry run, to be deleted). */
  files: number;
  bytes: number;
  /** Artifacts the ledger lists that were already gone from disk (recorded as purged). */
  alreadyGone: number;
  /** The run folder was removed, being empty. */
  folderRemoved: boolean;
}

export interface PurgeSummary {
  dryRun: boolean;
  /** Runs that started before this moment (ISO) were purged. */
  before: string;
  days: number;
  runs: PurgedRun[];
  files: number;
  bytes: number;
  /** Daily log files past log.daily_retention_days removed. */
  dailyLogs: number;
  failures: { path: string; detail: string }[];
  /** PurgeIncomplete when some file could not be deleted; the rest was done. */
  error: PmhBotError | null;
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel);
}

/** Every regular file (and symlink) under `dir`, deepest first. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** Removes `dir` and its sub-folders when they hold no file. */
function removeEmptyFolders(dir: string): boolean {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let empty = true;
  for (const entry of entries) {
    if (entry.isDirectory() && removeEmptyFolders(join(dir, entry.name))) continue;
    empty = false;
  }
  if (!empty) return false;
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

export function purgeExpired(config: BotConfig, options: PurgeOptions = {}): PurgeSummary {
  const now = options.now ?? new Date();
  const days = options.olderThanDays ?? config.retention?.run_artifacts_days ?? 30;
  const before = new Date(now.getTime() - days * DAY_MS).toISOString();
  const dryRun = options.dryRun ?? false;
  const dataDir = resolve(config.data_dir);
  const runsDir = join(dataDir, 'runs');
  // Never deleted, whatever a ledger row says: the differential's memory and the ledger itself.
  const protectedPaths = new Set(
    [snapshotPath(config), ledgerPath(config)].flatMap((p) => ['', '-wal', '-shm', '-journal'].map((s) => resolve(p + s))),
  );
  const summary: PurgeSummary = { dryRun, before, days, runs: [], files: 0, bytes: 0, dailyLogs: 0, failures: [], error: null };

  if (!dryRun) summary.dailyLogs = pruneDailyLogs(dailyLogDir(dataDir), config.log?.daily_retention_days ?? 90, now).length;
  if (!existsSync(ledgerPath(config))) return summary;

  const ledger = new Ledger(ledgerPath(config));
  try {
    const runs = new Map<string, PurgedRun & { dir: string }>();
    const runOf = (row: RunRow): PurgedRun & { dir: string } => {
      let entry = runs.get(row.id);
      if (!entry) {
        entry = { runId: row.id, startedAt: row.started_at, status: row.status, files: 0, bytes: 0, alreadyGone: 0, folderRemoved: false, dir: resolve(row.run_dir) };
        runs.set(row.id, entry);
      }
      return entry;
    };
    const deletable = (path: string): boolean => isInside(path, dataDir) && !protectedPaths.has(path);
    const seen = new Set<string>();
    const remove = (run: PurgedRun, path: string): boolean => {
      seen.add(path);
      let size: number;
      try {
        const stat = lstatSync(path);
        if (stat.isDirectory()) {
          // A trace or other artifact kept as a folder: its files go one by one below.
          for (const inner of filesUnder(path)) remove(run, inner);
          if (!dryRun) removeEmptyFolders(path);
          return true;
        }
        size = stat.size;
      } catch {
        return false;
      }
      if (!dryRun) {
        try {
          rmSync(path, { force: true });
        } catch (error) {
          summary.failures.push({ path, detail: (error as NodeJS.ErrnoException).code ?? String(error) });
          return false;
        }
      }
      run.files += 1;
      run.bytes += size;
      return true;
    };

    // 1. What the ledger lists, each marked purged once it is gone.
    const runRows = new Map(ledger.recentRuns(-1).map((row) => [row.id, row]));
    for (const artifact of ledger.expiredArtifacts(before)) {
      const row = runRows.get(artifact.run_id);
      if (!row || row.status === 'running') continue;
      const run = runOf(row);
      const path = resolve(artifact.path);
      if (!deletable(path)) continue;
      const existed = existsSync(path);
      const removed = existed ? remove(run, path) : false;
      if (!existed) run.alreadyGone += 1;
      if (!dryRun && (removed || !existed)) ledger.markPurged(artifact.run_id, artifact.path);
    }

    // 2. Whatever else lies in an expired run's folder (run.log, files no step registered).
    for (const row of runRows.values()) {
      if (row.status === 'running' || row.started_at >= before) continue;
      const dir = resolve(row.run_dir);
      if (!isInside(dir, runsDir) || !existsSync(dir)) continue;
      const run = runOf(row);
      for (const path of filesUnder(dir)) {
        if (!seen.has(path) && deletable(path)) remove(run, path);
      }
      if (!dryRun) run.folderRemoved = removeEmptyFolders(dir);
    }

    summary.runs = [...runs.values()]
      .filter((run) => run.files > 0 || run.alreadyGone > 0 || run.folderRemoved)
      .map(({ dir: _dir, ...run }) => run)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId));
    summary.files = summary.runs.reduce((sum, run) => sum + run.files, 0);
    summary.bytes = summary.runs.reduce((sum, run) => sum + run.bytes, 0);
  } finally {
    ledger.close();
  }
  const first = summary.failures[0];
  if (first) summary.error = pmhError('PurgeIncomplete', { failed: summary.failures.length, path: first.path, detail: first.detail });
  return summary;
}
