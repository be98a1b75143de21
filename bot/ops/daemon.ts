/**
 * `pmh-bot daemon`: starts runs on the schedule (`schedule.cron`, always Asia/Tokyo) for
 * terminals where neither Task Scheduler nor systemd may be used.
 *
 * The config is loaded once, when the daemon starts: a bad config stops it at start-up,
 * not at 06:30 the next morning; a changed config takes effect when it is restarted.
 * Each trigger takes the run lock; a trigger that finds a run in progress is skipped and
 * recorded. A run the machine missed (off, asleep, the daemon stopped) is found at start-up
 * and after the machine wakes, and handled once by `schedule.missed_run_policy`.
 */
import cronParser from 'cron-parser';
import schedule from 'node-schedule';
import type { BotConfig } from '../../config/schema.ts';
import { asPmhBotError, pmhError, type PmhBotError } from '../../core/errors.ts';
import { t, type Bilingual } from '../../core/i18n.ts';
import { createRunLogger, dailyLogDir, type Logger } from '../../core/log.ts';
import { tokyoDateTime } from '../../core/clock.ts';
import { Ledger, type TriggerOutcome } from '../state/ledger.ts';
import { notifyMissedRun } from '../notify/notify.ts';
import { acquireRunLock, announceTakeover, lockOptionsFor, RunLock, type Held } from '../state/run-lock.ts';
import { purgeExpired } from '../state/purge.ts';
import { buildMissedRunNotice } from '../report/run-notice.ts';
import { runCycle } from '../pipeline/run.ts';
import { type RunSummary } from '../pipeline/context.ts';
import { ledgerPath } from '../state/paths.ts';

export const SCHEDULE_TZ = 'Asia/Tokyo';
/** The wake-up check: a tick this much later than due means the machine was asleep (or frozen). */
const WAKE_CHECK_MS = 30_000;
const WAKE_LATE_MS = 120_000;

const text = {
  started: {
    ja: '定期実行を開始しました（スケジュール「{cron}」日本時間、設定 {file}）。次回の実行: {next}',
    en: 'Daemon started (schedule "{cron}" Japan time, config {file}). Next run: {next}',
  },
  noNext: { ja: '予定なし', en: 'none' },
  trigger: { ja: '定期実行: 予定 {scheduled} / 開始 {actual}', en: 'Scheduled run: due {scheduled} / starting {actual}' },
  missedRun: {
    ja: '定期実行: {scheduled} の実行が行われていなかったため、今から 1 回実行します（開始 {actual}）',
    en: 'Scheduled run: the run due {scheduled} was missed; running it once now ({actual})',
  },
  missedAlert: {
    ja: '定期実行: {scheduled} の実行が行われていません（設定により自動では実行しません）',
    en: 'Scheduled run: the run due {scheduled} was missed (not run: policy is alert)',
  },
  skipped: {
    ja: '定期実行: 予定 {scheduled} の実行を見送りました。別の処理（プロセス {pid}、端末 {host}、{since} 開始）が動作中です',
    en: 'Scheduled run: skipped the run due {scheduled}; another one is in progress (process {pid} on {host}, since {since})',
  },
  finished: { ja: '定期実行: 実行 {runId} が終了しました（{status}）。次回の実行: {next}', en: 'Scheduled run: run {runId} ended ({status}). Next run: {next}' },
  crashed: { ja: '定期実行: 実行を開始できませんでした: {message}。次回の実行: {next}', en: 'Scheduled run: could not run: {message}. Next run: {next}' },
  woke: { ja: '端末のスリープからの復帰を検出しました（{seconds} 秒の空白）', en: 'The machine woke from sleep ({seconds} s gap)' },
  stopping: { ja: '定期実行を停止します', en: 'Stopping the daemon' },
  waiting: {
    ja: '実行中の処理の終了を待っています（もう一度 Ctrl+C で中断します）',
    en: 'Waiting for the run in progress to end (Ctrl+C again to abort it)',
  },
  status: {
    succeeded: { ja: '成功', en: 'succeeded' },
    failed: { ja: '失敗', en: 'failed' },
    held: { ja: '承認待ち', en: 'held' },
  },
} as const satisfies Record<string, Bilingual | Record<string, Bilingual>>;

function parse(cron: string, currentDate: Date): cronParser.CronExpression {
  return cronParser.parseExpression(cron, { tz: SCHEDULE_TZ, currentDate, iterator: false });
}

/** The latest time the rule was due at or before `now`. */
export function lastDueTime(cron: string, now: Date): Date {
  return new Date(parse(cron, new Date(now.getTime() + 1)).prev().getTime());
}

/** The first time the rule is due after `now`. */
export function nextDueTime(cron: string, now: Date): Date {
  return new Date(parse(cron, now).next().getTime());
}

function jst(at: Date | string | null): string {
  if (!at) return t(text.noNext);
  return tokyoDateTime(typeof at === 'string' ? at : at.toISOString());
}

/**
 * Whether the schedule did something about a due time: a run meant for it, a scheduled run
 * started after it, or any trigger recorded since (a run, a skip, an alert).
 */
export function dueTimeCovered(ledger: Ledger, due: Date): boolean {
  const dueIso = due.toISOString();
  const dueMs = due.getTime();
  const triggers = ledger.triggers(200);
  if (triggers.some((row) => row.scheduled_at === dueIso || Date.parse(row.fired_at) >= dueMs)) return true;
  return ledger
    .recentRuns(200)
    .some((run) => run.scheduled_at === dueIso || (run.trigger === 'schedule' && Date.parse(run.started_at) >= dueMs));
}

/** The due time in the window before `now` that nothing covered, if any. */
export function findMissedRun(ledger: Ledger, cron: string, now: Date, windowHours: number): Date | null {
  const due = lastDueTime(cron, now);
  if (now.getTime() - due.getTime() > windowHours * 3_600_000) return null;
  return dueTimeCovered(ledger, due) ? null : due;
}

export interface DaemonOptions {
  /** The config file, for messages. */
  configFile?: string;
  /** Only handle a missed run at start-up, then stop: no schedule, no wake-up check. */
  runOnce?: boolean;
  /** The clock the missed-run computation uses (tests); timers stay real. */
  now?: () => Date;
  /** Operator lines (Japanese by default); default console.log. */
  out?: (line: string) => void;
  log?: Logger;
  /**
   * Called once for a missed run under the alert policy. Default: the config's notify
   * (mail, command) is told, as for a failed run.
   */
  onMissedAlert?: (error: PmhBotError, scheduledAt: Date) => void | Promise<void>;
  /** The wake-up check's interval and lateness threshold, in ms (tests shorten them). */
  wakeCheckMs?: number;
  wakeLateMs?: number;
}

export interface DaemonHandle {
  /** Settles when the start-up missed-run check (and the run it started) is done. */
  readonly ready: Promise<void>;
  nextRun(): Date | null;
  /** Settles when no trigger is being handled. */
  idle(): Promise<void>;
  /** Stops scheduling and waits for a run in progress to end. */
  stop(): Promise<void>;
  /** Gives the run lock back at once (the process is about to end mid-run). */
  abandon(): void;
}

type TriggerKind = 'scheduled' | 'missed';

/** Starts the schedule. The config must be loaded and checked already (see the CLI). */
export function startDaemon(config: BotConfig, options: DaemonOptions = {}): DaemonHandle {
  const cron = config.schedule.cron;
  const file = options.configFile ?? '-';
  const lockOptions = lockOptionsFor(config, file, options.log);
  const out = options.out ?? ((line: string) => console.log(line));
  const now = options.now ?? (() => new Date());
  const log = options.log
    ?? createRunLogger({ dailyDir: dailyLogDir(config.data_dir), dailyRetentionDays: config.log?.daily_retention_days, bindings: { component: 'daemon' }, pretty: false });
  const handled = new Set<string>();
  const pending = new Set<Promise<void>>();
  let lock: RunLock | null = null;
  let stopped = false;
  let job: schedule.Job | null = null;
  let wakeTimer: NodeJS.Timeout | null = null;

  const withLedger = <T>(fn: (ledger: Ledger) => T): T => {
    const ledger = new Ledger(ledgerPath(config));
    try {
      return fn(ledger);
    } finally {
      ledger.close();
    }
  };
  const record = (entry: { scheduledAt: Date; outcome: TriggerOutcome; reason?: string | null; runId?: string | null }): void => {
    withLedger((ledger) => ledger.recordTrigger({ ...entry, scheduledAt: entry.scheduledAt.toISOString() }));
  };
  const nextRun = (): Date | null => job?.nextInvocation() ?? (options.runOnce ? null : nextDueTime(cron, new Date()));

  const track = (work: Promise<void>): Promise<void> => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
    return work;
  };

  async function fire(scheduledAt: Date, kind: TriggerKind): Promise<void> {
    const key = scheduledAt.toISOString();
    if (stopped || handled.has(key)) return;
    handled.add(key);
    const actual = new Date();
    const params = { scheduled: jst(scheduledAt), actual: jst(actual) };
    out(t(kind === 'missed' ? text.missedRun : text.trigger, params));
    log.info({ scheduledAt: key, actualStart: actual.toISOString(), kind }, 'schedule trigger');
    const acquired: RunLock | Held = acquireRunLock(config.data_dir, { command: 'pmh-bot daemon' }, lockOptions);
    if (!(acquired instanceof RunLock)) {
      const holder = acquired.held;
      const reason = `locked by pid ${holder.pid} on host ${holder.host} since ${holder.startedAt} (${holder.command})`;
      record({ scheduledAt, outcome: 'skipped', reason });
      log.warn({ scheduledAt: key, holder }, 'schedule trigger skipped: a run is in progress');
      out(t(text.skipped, { scheduled: jst(scheduledAt), pid: holder.pid, host: holder.host, since: jst(holder.startedAt) }));
      return;
    }
    lock = acquired;
    announceTakeover(acquired, out);
    const outcome: TriggerOutcome = kind === 'missed' ? 'missed-run' : 'started';
    let summary: RunSummary | null = null;
    try {
      summary = await runCycle({ config, trigger: 'schedule', scheduledAt: key });
    } catch (error) {
      const failure = asPmhBotError(error);
      record({ scheduledAt, outcome, reason: `${failure.code}: ${failure.describeIn('ja').message}` });
      log.error({ scheduledAt: key, code: failure.code, err: failure }, 'scheduled run could not run');
      out(t(text.crashed, { message: failure.describe().message, next: jst(nextRun()) }));
      return;
    } finally {
      acquired.release();
      lock = null;
    }
    record({ scheduledAt, outcome, runId: summary.runId, reason: kind === 'missed' ? `missed ${key}; ran late at ${actual.toISOString()}` : null });
    log.info({ scheduledAt: key, actualStart: actual.toISOString(), runId: summary.runId, status: summary.status, code: summary.error?.code }, 'scheduled run ended');
    out(t(text.finished, { runId: summary.runId, status: t(text.status[summary.status]), next: jst(nextRun()) }));
    // The daemon is the only process that runs every day: it keeps the retention period.
    try {
      const purged = purgeExpired(config);
      log.info({ runs: purged.runs.length }, 'expired run artifacts purged');
    } catch (error) {
      log.error({ err: error }, 'purge after the scheduled run failed');
    }
  }

  async function alertMissed(due: Date): Promise<void> {
    const key = due.toISOString();
    if (handled.has(key)) return;
    handled.add(key);
    const error = pmhError('ScheduledRunMissed', { scheduledAt: jst(due) });
    record({ scheduledAt: due, outcome: 'missed-alert', reason: error.describeIn('ja').message });
    log.error({ scheduledAt: key, code: error.code, message: error.describeIn('ja').message }, 'scheduled run missed: not run (policy alert)');
    out(t(text.missedAlert, { scheduled: jst(due) }));
    try {
      if (options.onMissedAlert) await options.onMissedAlert(error, due);
      else await notifyMissedRun(buildMissedRunNotice(config, error, due), config.notify, log);
    } catch (caught) {
      log.error({ err: caught }, 'missed-run alert hook failed');
    }
  }

  async function checkMissed(): Promise<void> {
    const due = withLedger((ledger) => findMissedRun(ledger, cron, now(), config.schedule.missed_run_window_hours));
    if (!due) return;
    if (config.schedule.missed_run_policy === 'alert') await alertMissed(due);
    else await fire(due, 'missed');
  }

  const guarded = (work: () => Promise<void>): Promise<void> =>
    track(work().catch((error: unknown) => {
      log.error({ err: error }, 'daemon: trigger handling failed');
    }));

  if (!options.runOnce) {
    job = schedule.scheduleJob({ rule: cron, tz: SCHEDULE_TZ }, (fireDate: Date) => {
      void guarded(() => fire(new Date(fireDate.getTime()), 'scheduled'));
    });
    let lastTick = Date.now();
    const every = options.wakeCheckMs ?? WAKE_CHECK_MS;
    const late = options.wakeLateMs ?? WAKE_LATE_MS;
    wakeTimer = setInterval(() => {
      const tick = Date.now();
      const gap = tick - lastTick;
      lastTick = tick;
      if (gap <= every + late) return;
      out(t(text.woke, { seconds: Math.round(gap / 1000) }));
      log.warn({ gapMs: gap }, 'wake from sleep detected');
      // The schedule's timers ran on the clock that stopped during sleep: recompute them.
      job?.reschedule({ rule: cron, tz: SCHEDULE_TZ });
      void guarded(checkMissed);
    }, every);
  }
  out(t(text.started, { cron, file, next: jst(nextRun()) }));
  log.info({ cron, tz: SCHEDULE_TZ, next: nextRun()?.toISOString() ?? null, policy: config.schedule.missed_run_policy }, 'daemon started');
  const ready = guarded(checkMissed);

  return {
    ready,
    nextRun,
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async stop() {
      if (!stopped) {
        stopped = true;
        job?.cancel();
        job = null;
        if (wakeTimer) clearInterval(wakeTimer);
        log.info('daemon stopping');
      }
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    abandon() {
      lock?.release();
      lock = null;
    },
  };
}

/**
 * Ctrl+C or a service stop: stop scheduling and let a run in progress end; a second
 * signal abandons it (the lock is given back; the ledger shows the run as unfinished).
 */
export function stopOnSignals(handle: DaemonHandle, out: (line: string) => void = (line) => console.log(line)): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = 128 + (signal === 'SIGINT' ? 2 : 15);
    if (stopping) {
      handle.abandon();
      process.exit(code);
    }
    stopping = true;
    out(t(text.stopping));
    let done = false;
    setTimeout(() => {
      if (!done) out(t(text.waiting));
    }, 200).unref();
    void handle.stop().then(() => {
      done = true;
      process.exit(0);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
