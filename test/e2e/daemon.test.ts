/**
 * The daemon: it fires on its cron rule, records the scheduled time against the actual
 * start, and handles a run the machine missed exactly once, by its policy. Runs are real
 * cycles against the simulator; only the clock of the missed-run computation is set by hand.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BotConfig } from '../../config/schema.ts';
import type { PmhBotError } from '../../core/errors.ts';
import { findMissedRun, lastDueTime, nextDueTime, startDaemon } from '../../bot/ops/daemon.ts';
import { Ledger, type RunRow, type TriggerRow } from '../../bot/state/ledger.ts';
import { ledgerPath } from '../../bot/state/paths.ts';
import { tokyoDateTime } from '../../core/clock.ts';
import { startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';
import { decodeMail, SMTP_PASSWORD, SMTP_USER, startSmtp } from '../helpers/smtp.ts';
import { writeStdinCapture } from '../helpers/stdin-capture.ts';

const jstParts = (at: Date): { hour: number; minute: number } => {
  const shifted = new Date(at.getTime() + 9 * 3_600_000);
  return { hour: shifted.getUTCHours(), minute: shifted.getUTCMinutes() };
};

function readLedger(config: BotConfig): { runs: RunRow[]; triggers: TriggerRow[] } {
  const ledger = new Ledger(ledgerPath(config));
  try {
    return { runs: ledger.recentRuns(100), triggers: ledger.triggers(100).reverse() };
  } finally {
    ledger.close();
  }
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

describe('the cron computation of missed runs', () => {
  let dir: string;
  let ledger: Ledger;
  // Tuesday 2025-06-10 09:00 Japan time; the weekday rule was due at 06:30 the same morning.
  const tuesdayMorning = new Date('2025-06-10T00:00:00Z');
  const due = new Date('2025-06-09T21:30:00Z');
  const weekdays = '30 6 * * 1-5';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pmh-bot-missed-'));
    ledger = new Ledger(join(dir, 'ledger.sqlite'));
  });

  after(() => {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the latest due time at or before now, in Japan time', () => {
    assert.equal(lastDueTime(weekdays, tuesdayMorning).toISOString(), due.toISOString());
    assert.equal(lastDueTime(weekdays, due).toISOString(), due.toISOString(), 'a due time is its own latest');
    // Sunday 09:00: the last weekday run was Friday.
    assert.equal(lastDueTime(weekdays, new Date('2025-06-08T00:00:00Z')).toISOString(), '2025-06-05T21:30:00.000Z');
    assert.equal(nextDueTime(weekdays, tuesdayMorning).toISOString(), '2025-06-10T21:30:00.000Z');
    assert.equal(lastDueTime('0 30 6 * * 1-5', tuesdayMorning).toISOString(), due.toISOString(), 'the 6-field form');
  });

  it('reports an uncovered due time inside the window and nothing outside it', () => {
    assert.equal(findMissedRun(ledger, weekdays, tuesdayMorning, 12)?.toISOString(), due.toISOString());
    assert.equal(findMissedRun(ledger, weekdays, tuesdayMorning, 2), null, '2.5 hours ago is outside a 2-hour window');
    assert.equal(findMissedRun(ledger, weekdays, new Date('2025-06-08T00:00:00Z'), 12), null, 'Friday is outside the window on Sunday');
  });

  it('counts a manual run as no cover, but a run meant for the due time or any later trigger as cover', () => {
    ledger.startRun('manual-1', 'manual', dir, '2025-06-10');
    assert.equal(findMissedRun(ledger, weekdays, tuesdayMorning, 12)?.toISOString(), due.toISOString());
    ledger.startRun('sched-1', 'schedule', dir, '2025-06-10', { scheduledAt: due.toISOString() });
    assert.equal(findMissedRun(ledger, weekdays, tuesdayMorning, 12), null);

    const other = new Ledger(join(dir, 'other.sqlite'));
    try {
      other.recordTrigger({ scheduledAt: '2025-06-01T21:30:00.000Z', outcome: 'skipped', reason: 'test' });
      // Recorded now, long after the due time of 2025: the daemon was alive after it.
      assert.equal(findMissedRun(other, weekdays, tuesdayMorning, 12), null);
    } finally {
      other.close();
    }
  });
});

describe('the daemon against the simulator', () => {
  let env: DemoEnv;
  let n = 0;

  before(async () => {
    env = await startDemoEnv({ recipients: 120 });
  });

  after(async () => {
    await env?.close();
  });

  /** The demo config with its own data folder (its own ledger and lock) and schedule. */
  const configWith = (schedule: Partial<BotConfig['schedule']>): BotConfig => ({
    ...env.config,
    data_dir: join(env.dir, `daemon-data-${(n += 1)}`),
    schedule: { ...env.config.schedule, ...schedule },
  });

  /** Hourly at the minute that was 3 minutes ago: due minutes ago, next due in 57 minutes. */
  const dueMinutesAgo = (): { cron: string; due: Date } => {
    const before = new Date(Date.now() - 3 * 60_000);
    const cron = `${jstParts(before).minute} * * * *`;
    return { cron, due: lastDueTime(cron, new Date()) };
  };

  it('runs a missed run once at start-up under run-once, and not again at the next start-up', async () => {
    const { cron, due } = dueMinutesAgo();
    const config = configWith({ cron, missed_run_policy: 'run-once', missed_run_window_hours: 12 });
    const lines: string[] = [];
    const first = startDaemon(config, { runOnce: true, out: (line) => lines.push(line) });
    await first.ready;
    await first.stop();
    const afterFirst = readLedger(config);
    assert.equal(afterFirst.runs.length, 1, lines.join('\n'));
    const run = afterFirst.runs[0]!;
    assert.equal(run.trigger, 'schedule');
    assert.equal(run.status, 'succeeded', run.error_message ?? '');
    assert.equal(afterFirst.triggers.length, 1);
    const trigger = afterFirst.triggers[0]!;
    assert.equal(trigger.outcome, 'missed-run');
    assert.equal(trigger.scheduled_at, due.toISOString());
    assert.equal(trigger.run_id, run.id);
    assert.ok(Date.parse(run.started_at) > due.getTime());
    assert.ok(lines.some((line) => line.includes('実行が行われていなかったため、今から 1 回実行します')), lines.join('\n'));

    const second = startDaemon(config, { runOnce: true, out: (line) => lines.push(line) });
    await second.ready;
    await second.stop();
    const afterSecond = readLedger(config);
    assert.equal(afterSecond.runs.length, 1, 'the missed run is not run twice');
    assert.equal(afterSecond.triggers.length, 1);
  });

  it('only records and reports a missed run under alert, once', async () => {
    const { cron, due } = dueMinutesAgo();
    const config = configWith({ cron, missed_run_policy: 'alert' });
    const alerts: { error: PmhBotError; scheduledAt: Date }[] = [];
    const onMissedAlert = (error: PmhBotError, scheduledAt: Date): void => {
      alerts.push({ error, scheduledAt });
    };
    for (let start = 0; start < 2; start += 1) {
      const daemon = startDaemon(config, { runOnce: true, out: () => {}, onMissedAlert });
      await daemon.ready;
      await daemon.stop();
    }
    const { runs, triggers } = readLedger(config);
    assert.equal(runs.length, 0, 'nothing ran');
    assert.deepEqual(triggers.map((t) => [t.outcome, t.scheduled_at]), [['missed-alert', due.toISOString()]]);
    assert.match(triggers[0]!.reason ?? '', /予定されていた実行が行われていません/);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.error.code, 'ScheduledRunMissed');
    assert.equal(alerts[0]!.scheduledAt.toISOString(), due.toISOString());
  });

  it('tells the config\'s mail and command of a missed run under alert, without personal data', async () => {
    const { cron, due } = dueMinutesAgo();
    const smtp = await startSmtp();
    const dir = mkdtempSync(join(tmpdir(), 'pmh-daemon-notify-'));
    const stdinFile = join(dir, 'stdin.json');
    process.env.PMH_TEST_DAEMON_SMTP_PASSWORD = SMTP_PASSWORD;
    try {
      const base = configWith({ cron, missed_run_policy: 'alert' });
      const config: BotConfig = {
        ...base,
        notify: {
          on: 'failure',
          mail: {
            host: '127.0.0.1', port: smtp.port, secure: false, starttls: 'auto', user: SMTP_USER, password_env: 'PMH_TEST_DAEMON_SMTP_PASSWORD',
            from: 'pmh-bot@city.example.lg.jp', to: ['kokuho@city.example.lg.jp'], timeout_seconds: 10,
          },
          command: { path: process.execPath, args: [writeStdinCapture(dir), stdinFile], timeout_seconds: 30 },
        },
      };
      const daemon = startDaemon(config, { runOnce: true, out: () => {} });
      await daemon.ready;
      await daemon.stop();

      const local = tokyoDateTime(due.toISOString());
      assert.equal(smtp.received.length, 1, 'one mail');
      const { subject, text } = decodeMail(smtp.received[0]!.raw);
      assert.equal(subject, `[PMH連携] 定期実行なし: ${config.municipality.name} ${local} の定期実行`);
      assert.match(text, new RegExp(`予定時刻: ${local}（日本時間）`));
      assert.match(text, /\[ScheduledRunMissed\]/);
      assert.match(text, /pmh-bot run/, 'the hint says how to run it by hand');
      const notice = JSON.parse(readFileSync(stdinFile, 'utf8')) as Record<string, unknown>;
      assert.equal(notice.event, 'missed-run');
      assert.equal(notice.scheduledAt, due.toISOString());
      assert.equal((notice.error as { code: string }).code, 'ScheduledRunMissed');

      // on: never tells no one; a second start does not alert again for the same due time.
      const quiet = startDaemon({ ...config, notify: { ...config.notify, on: 'never' } }, { runOnce: true, out: () => {} });
      await quiet.ready;
      await quiet.stop();
      assert.equal(smtp.received.length, 1);
    } finally {
      delete process.env.PMH_TEST_DAEMON_SMTP_PASSWORD;
      await smtp.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fires on a seconds-level rule, recording the scheduled time and the actual start; triggers during the run are skipped', async () => {
    const config = configWith({ cron: '*/3 * * * * *', missed_run_policy: 'alert' });
    const lines: string[] = [];
    const daemon = startDaemon(config, { out: (line) => lines.push(line) });
    try {
      await daemon.ready;
      assert.match(lines[0] ?? '', /定期実行を開始しました.*次回の実行: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
      await waitFor('a scheduled run to end', () => readLedger(config).triggers.some((t) => t.outcome === 'started'));
    } finally {
      await daemon.stop();
    }
    const { runs, triggers } = readLedger(config);
    const started = triggers.filter((t) => t.outcome === 'started');
    assert.ok(started.length >= 1);
    for (const trigger of started) {
      const scheduled = new Date(trigger.scheduled_at!);
      assert.equal(scheduled.getUTCMilliseconds(), 0);
      assert.equal(scheduled.getUTCSeconds() % 3, 0, `${trigger.scheduled_at} is on the 3-second rule`);
      const run = runs.find((r) => r.id === trigger.run_id);
      assert.ok(run, 'the trigger names its run');
      assert.equal(run.trigger, 'schedule');
      assert.ok(Date.parse(run.started_at) >= scheduled.getTime(), 'the actual start is at or after the scheduled time');
    }
    assert.equal(runs.length, started.length, 'one run per started trigger, never two at once');
    for (const skipped of triggers.filter((t) => t.outcome === 'skipped')) {
      assert.match(skipped.reason ?? '', new RegExp(`^locked by pid ${process.pid} on host .+ since \\d{4}-`));
    }
    assert.ok(lines.some((line) => /定期実行: 予定 .* \/ 開始 /.test(line)), lines.join('\n'));
    assert.ok(lines.some((line) => /実行 .* が終了しました（成功）/.test(line)), lines.join('\n'));
  });

  it('looks for a missed run again when its timer ticks arrive late, as after the machine sleeps', async () => {
    // Daily at a time 30 minutes from now: yesterday's run is outside a 12-hour window.
    const soon = jstParts(new Date(Date.now() + 30 * 60_000));
    const cron = `${soon.minute} ${soon.hour} * * *`;
    const config = configWith({ cron, missed_run_policy: 'alert', missed_run_window_hours: 12 });
    const dueToday = nextDueTime(cron, new Date());
    let clock = new Date();
    const lines: string[] = [];
    const daemon = startDaemon(config, { out: (line) => lines.push(line), now: () => clock, wakeCheckMs: 100, wakeLateMs: 400 });
    try {
      await daemon.ready;
      assert.equal(readLedger(config).triggers.length, 0, 'nothing missed at start-up');
      // "Sleep" past today's due time: the clock moves on and the event loop stalls.
      clock = new Date(dueToday.getTime() + 5 * 60_000);
      const stallUntil = Date.now() + 1500;
      while (Date.now() < stallUntil) {
        // Busy: no timer can fire.
      }
      await waitFor('the missed run to be noticed', () => readLedger(config).triggers.length > 0, 60_000);
      await daemon.idle();
    } finally {
      await daemon.stop();
    }
    assert.ok(lines.some((line) => line.includes('スリープからの復帰を検出しました')), lines.join('\n'));
    const { runs, triggers } = readLedger(config);
    assert.equal(runs.length, 0);
    assert.deepEqual(triggers.map((t) => [t.outcome, t.scheduled_at]), [['missed-alert', dueToday.toISOString()]]);
  });
});
