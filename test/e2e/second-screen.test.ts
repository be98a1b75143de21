/**
 * The simulator's second screen (the 連携ポータル: menus only, a once-a-day notice, the type
 * chosen by its name, a confirm() dialog on the form's own button and no confirmation page, a
 * refresh button, a CP932 error list with other column names) driven by the bot with only a
 * screen profile (config/screens/pmh-portal.yaml): the same code as the classic screen.
 * Each test runs a real cycle with real Chromium and checks at the simulator what PMH got.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCycle } from '../../bot/pipeline/run.ts';
import { Ledger } from '../../bot/state/ledger.ts';
import { exitCodeFor } from '../../core/exit-codes.ts';
import { setLang } from '../../core/i18n.ts';
import { PORTAL_PROFILE, simJson, startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';
import {
  assertFailed,
  assertSucceeded,
  configOf,
  evidenceOf,
  expectedRows,
  FAST_RETRY,
  retryWaits,
  setFaults,
  stats,
  stepsOf,
  uploads,
} from '../helpers/screen-cycle.ts';

interface PortalStats {
  logins: number;
  registrations: number;
  noticesShown: number;
  requests: Record<string, number>;
}

const portalStats = (env: DemoEnv) => simJson<PortalStats>(env.simulator, '/__sim/stats');

async function resetNotice(env: DemoEnv): Promise<void> {
  const response = await fetch(`${env.simulator.url}/__sim/notice/reset`, { method: 'POST' });
  assert.equal(response.status, 200);
}

/** A copy of the portal profile with `from` replaced by `to` (each must be in it). */
function portalProfileWith(env: DemoEnv, name: string, ...edits: [string, string][]): string {
  let text = readFileSync(PORTAL_PROFILE, 'utf8');
  for (const [from, to] of edits) {
    assert.ok(text.includes(from), `the profile has ${from}`);
    text = text.replace(from, to);
  }
  const file = join(env.dir, name);
  writeFileSync(file, text);
  return file;
}

describe('the second screen, with only a profile', { timeout: 900_000 }, () => {
  let env: DemoEnv;
  before(async () => {
    setLang('ja');
    env = await startDemoEnv({ recipients: 150, processingDelayMs: 50, screen: 'portal' });
  });
  after(async () => env.close());

  it('a full daily cycle: the notice at the first sign-in of the day only, menus, the type by its name, the dialog on the form\'s own button', async () => {
    await resetNotice(env);
    const before = await portalStats(env);
    const first = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
    assertSucceeded(first, env);
    const afterFirst = await portalStats(env);
    assert.equal(afterFirst.noticesShown - before.noticesShown, 1, 'the notice was shown and acknowledged once');
    assert.equal(afterFirst.registrations - before.registrations, 1);
    const [upload] = (await uploads(env)).slice(-1);
    assert.equal(upload!.status, '完了');
    assert.equal(upload!.accepted, expectedRows(env));
    assert.ok(!Object.keys(afterFirst.requests).some((path) => path.includes('/confirm')), 'no confirmation page on this screen');

    // Later the same day: no notice; the differential finds nothing new and sends nothing.
    const second = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
    assertSucceeded(second, env);
    const afterSecond = await portalStats(env);
    assert.equal(afterSecond.noticesShown, afterFirst.noticesShown, 'no notice at the second sign-in of the day');
    assert.equal(afterSecond.logins - afterFirst.logins, 1);
    const diff = await runCycle({ config: configOf(env, { mode: 'diff' }), trigger: 'test' });
    assert.equal(diff.status, 'succeeded', diff.error?.message);
    assert.equal(diff.counts.uploaded, 0);
    assert.equal((await portalStats(env)).registrations, afterSecond.registrations);
  });

  it('rejected rows are traced to their residents through the CP932 error list with its own column names', async () => {
    await setFaults(env, { rejectRows: { everyNth: 10, message: 'PMH 側の照合でエラーになりました（検証）' } });
    const summary = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
    await setFaults(env, {});
    assertFailed(summary, 'RecordsRejected', 'business');
    const rejectedRows = Math.floor(expectedRows(env) / 10);
    assert.equal(summary.counts.rejected, rejectedRows);
    const ledger = new Ledger(summary.ledgerPath);
    try {
      const rejected = ledger.rejected(summary.runId);
      assert.equal(rejected.length, rejectedRows);
      for (const entry of rejected) {
        assert.ok(entry.residentNo, 'each rejected row names its resident');
        assert.ok(entry.certificateId, 'and its certificate');
        assert.equal(entry.message, 'PMH 側の照合でエラーになりました（検証）', 'the CP932 text is read as Japanese');
      }
    } finally {
      ledger.close();
    }
    assert.ok(evidenceOf(summary).some((f) => /^pmh-errors-.*\.csv$/.test(f)));
  });

  it('a confirmation page whose button raises a native dialog', async () => {
    await setFaults(env, { confirmStyle: 'native' });
    const profile = portalProfileWith(env, 'portal-native.yaml', [
      '  steps: []\n',
      '  steps:\n    - click: { role: button, name: 次へ }\n    - wait_for: { role: heading, name: 送信内容の確認 }\n',
    ], ['dialog: { text: ファイルを送信します, answer: accept }', 'dialog: { text: この内容で送信します, answer: accept }']);
    const before = await portalStats(env);
    const summary = await runCycle({ config: configOf(env, { mode: 'full', screen_profile: profile }), trigger: 'test' });
    await setFaults(env, {});
    assertSucceeded(summary, env);
    const afterRun = await portalStats(env);
    assert.equal(afterRun.registrations - before.registrations, 1);
    const confirmations = Object.entries(afterRun.requests).filter(([path]) => path.includes('/confirm')).reduce((n, [, c]) => n + c, 0);
    assert.ok(confirmations >= 2, 'the confirmation page was shown and posted');
  });

  it('the session expiring at the final submit: logged in again once, looked up in the history, registered exactly once', async () => {
    await setFaults(env, { expireSession: { at: '/upload/confirm' } });
    const before = await portalStats(env);
    const summary = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
    await setFaults(env, {});
    assertSucceeded(summary, env);
    const afterRun = await portalStats(env);
    assert.equal(afterRun.registrations - before.registrations, 1, 'registered once');
    assert.equal(afterRun.logins - before.logins, 2, 'logged in again once');
    assert.equal(retryWaits(summary), 0, 'no retry: the step logged in again');
  });

  it('the maintenance page is recognised and retried', async () => {
    await setFaults(env, { maintenance: { count: 2 } });
    const summary = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
    await setFaults(env, {});
    assertSucceeded(summary, env);
    assert.ok(retryWaits(summary) >= 1);
    assert.ok(stepsOf(summary).some((s) => s.error_code === 'PmhMaintenance'));
  });

  it('a profile naming a control the screen does not have fails once-retried as a business error with the key and line, and the breaker does not count it', async () => {
    const profile = portalProfileWith(env, 'portal-wrong.yaml', ['- click: { role: link, name: ファイル送信 }', '- click: { role: link, name: ファイルを送る }']);
    const line = readFileSync(profile, 'utf8').split('\n').findIndex((l) => l.includes('ファイルを送る')) + 1;
    const before = await stats(env);
    const summary = await runCycle({
      config: configOf(env, { mode: 'full', screen_profile: profile, retry: { ...FAST_RETRY, max_attempts: 3 }, circuit_breaker: { failure_threshold: 1, cooldown_minutes: 30 } }),
      trigger: 'test',
    });
    assertFailed(summary, 'ScreenProfileMismatch', 'business');
    assert.equal(exitCodeFor(summary.error), 2);
    const { message } = summary.error!.describeIn('ja');
    assert.match(message, /upload\.open\[1\]/);
    assert.match(message, new RegExp(`portal-wrong\\.yaml の ${line} 行目`));
    assert.match(message, /link "ファイルを送る"/, 'what was looked for');
    assert.match(message, /「ファイル送信」/, 'what the page offered instead');
    assert.equal((await stats(env)).logins - before.logins, 2, 'tried once more from a fresh browser context, not three times');
    assert.equal(retryWaits(summary), 0);
    const files = evidenceOf(summary);
    assert.ok(files.some((f) => f.endsWith('-failed.png')) && files.some((f) => f.endsWith('-failed.html')), files.join(' '));
    const ledger = new Ledger(summary.ledgerPath);
    try {
      const breaker = JSON.parse(ledger.getState('pmh.circuit_breaker') ?? '{"consecutiveFailures":0,"openedAt":null}') as { consecutiveFailures: number; openedAt: string | null };
      assert.equal(breaker.openedAt, null, 'a breaker with a threshold of 1 stays closed');
      assert.equal(breaker.consecutiveFailures, 0);
    } finally {
      ledger.close();
    }
    // The next run (profile corrected) is not refused by the breaker.
    assertSucceeded(await runCycle({ config: configOf(env, { mode: 'full', circuit_breaker: { failure_threshold: 1, cooldown_minutes: 30 } }), trigger: 'test' }), env);
  });
});
