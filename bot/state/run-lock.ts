/**
 * The run lock: one run (or approval) at a time per data directory, whoever starts it —
 * an operator, Task Scheduler, systemd or the daemon. Two runs at once would upload the
 * same records twice and race on the snapshot.
 *
 * The lock is the file `<data_dir>/run.lock`, created with O_EXCL, holding who owns it.
 * A lock is stale when its process is gone (same host) or when it is older than any run
 * can last (any host: a data directory on a share, or a pid reused after a crash).
 * A stale lock is taken over; the takeover is logged with the old holder.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { BotConfig } from '../../config/schema.ts';
import { pmhError, type PmhBotError } from '../../core/errors.ts';
import { t } from '../../core/i18n.ts';
import { createRunLogger, dailyLogDir, type Logger } from '../../core/log.ts';
import { tokyoDateTime } from '../../core/clock.ts';
import { processAlive } from './process-alive.ts';

export const LOCK_FILE_NAME = 'run.lock';
export const DEFAULT_LOCK_STALE_HOURS = 12;

/** What the lock file says about its holder. */
export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** What holds it: `pmh-bot run`, `pmh-bot approve <run>`, `pmh-bot daemon`. */
  command: string;
  runId?: string;
  /** Tells this acquisition from any other, even of the same process. */
  token: string;
}

export interface LockRequest {
  command: string;
  runId?: string;
}

export interface LockOptions {
  /** A lock older than this is stale whatever its process (default 12 hours). */
  staleAfterMs?: number;
  /** Where takeovers and refusals are logged; default: the daily log under the data directory. */
  log?: Logger;
}

export type LockStale = 'process-gone' | 'too-old' | 'unreadable';

export interface Held {
  held: LockInfo;
  file: string;
}

/** An unreadable lock file younger than this may be one being written right now. */
const UNREADABLE_GRACE_MS = 60_000;
/** A takeover claim older than this belongs to a process that died mid-takeover. */
const CLAIM_STALE_MS = 60_000;

export function lockFile(dataDir: string): string {
  return join(dataDir, LOCK_FILE_NAME);
}

/**
 * How long the longest run can take, in whole hours: every delivery attempt may wait the
 * full result timeout, plus an hour for extraction and the screen work of each attempt.
 */
export function longestRunHours(config: BotConfig): number {
  const attempts = config.pmh.retry?.max_attempts ?? 1;
  const delays = (attempts - 1) * (config.pmh.retry?.max_delay_seconds ?? 0);
  return Math.ceil((attempts * (config.pmh.result_timeout_seconds + 3600) + delays + 3600) / 3600);
}

/**
 * Hours after which a lock is stale whatever its process: schedule.lock_stale_hours, or
 * by default 12 — time for a day's run to be retried the next morning — or longer when
 * the config lets one run last longer (a long result timeout). A value that is not longer
 * than the longest run would let a second run start beside a live one: it is refused.
 */
export function lockStaleHours(config: BotConfig, file: string): number {
  const longest = longestRunHours(config);
  const configured = config.schedule.lock_stale_hours;
  if (configured === undefined) return Math.max(DEFAULT_LOCK_STALE_HOURS, longest + 1);
  if (configured <= longest) {
    throw pmhError('ConfigInvalid', {
      file,
      path: 'schedule.lock_stale_hours',
      detail: `1 回の実行が最長 ${longest} 時間かかりうる設定（pmh.result_timeout_seconds と pmh.retry）のため、${longest} より大きくしてください / must exceed the longest run, ${longest} hours`,
    });
  }
  return configured;
}

export function lockOptionsFor(config: BotConfig, file: string, log?: Logger): LockOptions {
  return { staleAfterMs: lockStaleHours(config, file) * 3_600_000, log };
}

/** The operator's error for a lock held by a live process. */
export function runLockedError(held: Held): PmhBotError {
  const info = held.held;
  const startedAt = Number.isNaN(Date.parse(info.startedAt)) ? info.startedAt : tokyoDateTime(info.startedAt);
  return pmhError('RunLocked', {
    command: info.runId ? `${info.command}（実行 ${info.runId}）` : info.command,
    pid: info.pid,
    host: info.host,
    startedAt,
    file: held.file,
  });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function readIfPresent(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (errno(error) === 'ENOENT') return null;
    throw error;
  }
}

function parseInfo(raw: string): LockInfo | null {
  try {
    const value = JSON.parse(raw) as Partial<LockInfo>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string' || typeof value.startedAt !== 'string' || typeof value.token !== 'string') {
      return null;
    }
    return { command: '?', ...value } as LockInfo;
  } catch {
    return null;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone: nothing to remove.
  }
}

export function staleness(info: LockInfo, now: number, staleAfterMs: number): LockStale | null {
  if (info.host === hostname() && !processAlive(info.pid)) return 'process-gone';
  const started = Date.parse(info.startedAt);
  if (Number.isNaN(started) || now - started > staleAfterMs) return 'too-old';
  return null;
}

export class RunLock {
  private released = false;
  private readonly onExit = (): void => {
    this.release();
  };

  constructor(
    readonly file: string,
    readonly info: LockInfo,
    /** The stale holder this acquisition took over from, if any. */
    readonly takenOver: { info: LockInfo | null; reason: LockStale } | null,
    private readonly log: () => Logger,
  ) {
    // A process that ends by process.exit() still gives its lock back.
    process.once('exit', this.onExit);
  }

  get isReleased(): boolean {
    return this.released;
  }

  /**
   * Removes the lock file if it is still ours. Moving it aside first means a lock another
   * process has meanwhile taken over is never deleted: it is put back as it was.
   */
  release(): boolean {
    if (this.released) return false;
    this.released = true;
    process.removeListener('exit', this.onExit);
    const aside = `${this.file}.release-${this.info.token}`;
    try {
      renameSync(this.file, aside);
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
      this.log().warn({ lock: this.file, holder: this.info }, 'run lock already gone at release');
      return false;
    }
    const found = parseInfo(readIfPresent(aside) ?? '');
    if (found?.token === this.info.token) {
      unlinkQuietly(aside);
      return true;
    }
    try {
      linkSync(aside, this.file);
    } catch {
      // Someone holds a newer lock already: theirs stays.
    }
    unlinkQuietly(aside);
    this.log().warn({ lock: this.file, ours: this.info, holder: found }, 'run lock had been taken over by another process: left in place');
    return false;
  }
}

function create(file: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (error) {
    if (errno(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(info)}\n`);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(file);
    throw error;
  }
  closeSync(fd);
  return true;
}

type TakeOver = 'moved-aside' | 'retry';

/**
 * Moves a stale lock aside, exactly once however many processes judged it stale: only the
 * process that creates the claim file named after the stale content may move it, and only
 * if the lock file still holds that content.
 */
function moveStaleAside(file: string, raw: string, onMoved: () => void): TakeOver {
  const claim = `${file}.takeover-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
  try {
    closeSync(openSync(claim, 'wx'));
  } catch (error) {
    if (errno(error) !== 'EEXIST') throw error;
    try {
      if (Date.now() - statSync(claim).mtimeMs > CLAIM_STALE_MS) unlinkQuietly(claim);
    } catch {
      // The claim went away meanwhile.
    }
    return 'retry';
  }
  try {
    if (readIfPresent(file) !== raw) return 'retry';
    const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(file, aside);
    } catch (error) {
      if (errno(error) === 'ENOENT') return 'retry';
      throw error;
    }
    if (readIfPresent(aside) !== raw) {
      // The holder released and a new lock appeared between the check and the move: put it back.
      try {
        linkSync(aside, file);
      } catch {
        // A newer lock is in place already.
      }
      unlinkQuietly(aside);
      return 'retry';
    }
    unlinkQuietly(aside);
    onMoved();
    return 'moved-aside';
  } finally {
    unlinkQuietly(claim);
  }
}

/**
 * Takes the run lock of a data directory, taking over a stale one; returns who holds it
 * when a live process does.
 */
export function acquireRunLock(dataDir: string, request: LockRequest, options: LockOptions = {}): RunLock | Held {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFile(dataDir);
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_LOCK_STALE_HOURS * 3_600_000;
  let logger = options.log;
  const log = (): Logger => (logger ??= createRunLogger({ dailyDir: dailyLogDir(dataDir), bindings: { component: 'run-lock' }, pretty: false }));
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: request.command,
    ...(request.runId ? { runId: request.runId } : {}),
    token: randomBytes(12).toString('hex'),
  };
  let takenOver: RunLock['takenOver'] = null;
  let lastSeen: LockInfo | null = null;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (create(file, info)) {
      return new RunLock(file, info, takenOver, log);
    }
    const raw = readIfPresent(file);
    if (raw === null) continue;
    const current = parseInfo(raw);
    let reason: LockStale | null;
    if (current) {
      lastSeen = current;
      reason = staleness(current, Date.now(), staleAfterMs);
    } else {
      // Created but not yet written, or left half-written by a crash.
      let age = 0;
      try {
        age = Date.now() - statSync(file).mtimeMs;
      } catch {
        continue;
      }
      if (age <= UNREADABLE_GRACE_MS) {
        sleepSync(20);
        continue;
      }
      reason = 'unreadable';
    }
    if (!reason) {
      log().info({ lock: file, holder: current, wanted: request.command }, 'run lock held by a live process: not started');
      return { held: current!, file };
    }
    const stale = reason;
    const moved = moveStaleAside(file, raw, () => {
      log().warn({ lock: file, previous: current, reason: stale, by: info }, 'stale run lock taken over');
    });
    if (moved === 'moved-aside') takenOver = { info: current, reason };
    else sleepSync(5 + Math.floor(Math.random() * 20));
  }
  const unknown: LockInfo = { pid: 0, host: '?', startedAt: '?', command: '?', token: '' };
  return { held: lastSeen ?? unknown, file };
}

/** Tells the operator that a stale lock was taken over, and from whom. */
export function announceTakeover(lock: RunLock, out: (line: string) => void = (line) => console.log(line)): void {
  const previous = lock.takenOver;
  if (!previous) return;
  const holder = previous.info;
  out(t(
    {
      ja: '前の処理（{command}、プロセス {pid}、端末 {host}、{since} 開始）が残したロックを引き継ぎました（{why}）。',
      en: 'Took over the lock left by {command} (process {pid} on {host}, started {since}): {why}.',
    },
    {
      command: holder?.command ?? '?', pid: holder?.pid ?? '?', host: holder?.host ?? '?',
      since: holder && !Number.isNaN(Date.parse(holder.startedAt)) ? tokyoDateTime(holder.startedAt) : '?',
      why: t(STALE_TEXT[previous.reason]),
    },
  ));
}

const STALE_TEXT = {
  'process-gone': { ja: 'そのプロセスは終了しています', en: 'that process has ended' },
  'too-old': { ja: '実行の最長時間を過ぎています', en: 'older than any run may last' },
  unreadable: { ja: 'ロックファイルが壊れています', en: 'the lock file is unreadable' },
} as const;

/** Runs `fn` holding the run lock; a lock held by a live process is the RunLocked error. */
export async function withRunLock<T>(
  dataDir: string,
  request: LockRequest,
  fn: (lock: RunLock) => Promise<T>,
  options: LockOptions & { releaseOnSignals?: boolean; announce?: boolean } = {},
): Promise<T> {
  const lock = acquireRunLock(dataDir, request, options);
  if (!(lock instanceof RunLock)) throw runLockedError(lock);
  if (options.announce) announceTakeover(lock);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  // Interrupted by Ctrl+C or a service stop: give the lock back before the process ends.
  const onSignal = (signal: NodeJS.Signals): void => {
    lock.release();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  };
  if (options.releaseOnSignals) for (const signal of signals) process.once(signal, onSignal);
  try {
    return await fn(lock);
  } finally {
    for (const signal of signals) process.removeListener(signal, onSignal);
    lock.release();
  }
}
