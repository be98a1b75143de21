/**
 * The screen flow against every fault the simulator can play: each test runs a real
 * cycle (real SQLite sources, real Chromium, the simulator over HTTP) and asserts the
 * outcome an operator would see — retried and succeeded, or failed with the right class
 * and a Japanese message — plus the evidence left behind and what PMH actually received.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setLang } from '../../core/i18n.ts';
import { exitCodeFor } from '../../core/exit-codes.ts';
import { Ledger } from '../../bot/state/ledger.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { DEFAULT_SCREEN_PROFILE_PATH, loadScreenProfile } from '../../flows/screen/profile.ts';
import { BASE_DATE, simJson, startDemoEnv, TEST_PASSWORD, type DemoEnv } from '../helpers/demo-env.ts';
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
  traceText,
  uploads,
} from '../helpers/screen-cycle.ts';

describe('screen flow under PMH faults', { timeout: 900_000 }, () => {
  before(() => setLang('ja'));

  describe('transient failures are retried with a fresh context and succeed', () => {
    let env: DemoEnv;
    before(async () => (env = await startDemoEnv({ recipients: 150, processingDelayMs: 50 })));
    after(async () => env.close());

    it('a slow response beyond the action timeout is retried; the failed attempt leaves its trace', async () => {
      await setFaults(env, { slow: { ms: 7000, count: 1, path: '/upload' } });
      const summary = await runCycle({ config: configOf(env), trigger: 'test' });
      assertSucceeded(summary, env);
      assert.equal(retryWaits(summary), 1);
      const files = evidenceOf(summary);
      assert.ok(files.includes('trace-attempt-1-failed.zip'), files.join(' '));
      assert.ok(!files.some((f) => f.startsWith('trace-attempt-2')), 'a successful attempt keeps no trace by default');
      assert.ok(files.some((f) => f.endsWith('-failed.html')), 'the failing page HTML is kept');
    });

    it('HTTP 500 on the upload screen is retried', async () => {
      await setFaults(env, { httpError: { status: 500, count: 1, path: '/upload' } });
      const summary = await runCycle({ config: configOf(env), trigger: 'test' });
      assertSucceeded(summary, env);
      assert.ok(stepsOf(summary).some((s) => s.error_code === 'PmhServerError'));
    });

    it('the maintenance page is recognised and retried', async () => {
      await setFaults(env, { maintenance: { count: 1, status: 200 } });
      const summary = await runCycle({ config: configOf(env), trigger: 'test' });
      assertSucceeded(summary, env);
      assert.ok(stepsOf(summary).some((s) => s.error_code === 'PmhMaintenance'));
    });

    it('a session that expires at the confirmation is logged into again once, and the file registered once', async () => {
      const beforeStats = await stats(env);
      await setFaults(env, { expireSession: { at: '/upload/confirm' } });
      const summary = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
      assertSucceeded(summary, env);
      const afterStats = await stats(env);
      assert.equal(afterStats.registrations - beforeStats.registrations, 1);
      assert.equal(afterStats.logins - beforeStats.logins, 2);
      assert.equal(retryWaits(summary), 0, 'handled inside the step, not by a retry');
      assert.ok(evidenceOf(summary).some((f) => f.includes('session-expired')));
    });

    it('a session that ends at once after the login is told as such, not taken for a login, and retried', async () => {
      const beforeStats = await stats(env);
      // PMH sends the login to its menu, ends the session there and shows its login page with
      // the expiry notice: the login did not take.
      await setFaults(env, { expireSession: { at: '/menu' } });
      const summary = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
      assertSucceeded(summary, env);
      const logins = stepsOf(summary).filter((s) => s.name === 'screen:login');
      assert.deepEqual(logins.map((s) => [s.status, s.error_code]), [['failed', 'PmhSessionExpired'], ['succeeded', null]]);
      assert.equal(retryWaits(summary), 1);
      const afterStats = await stats(env);
      assert.equal(afterStats.logins - beforeStats.logins, 2);
      assert.equal(afterStats.registrations - beforeStats.registrations, 1);
      const files = evidenceOf(summary).sort();
      assert.ok(files.includes('01-login-failed.png') && files.includes('01-login-failed.html'), files.join(' '));
      assert.equal(files.filter((f) => /^\d+-login\.png$/.test(f)).length, 1, 'one login screenshot: the login that took');
    });

    it('no trace holds the password: each login is left out, also a login again in mid-upload', async () => {
      await setFaults(env, { expireSession: { at: '/upload/confirm' } });
      const summary = await runCycle({ config: configOf(env, { mode: 'full', keep_trace: true }), trigger: 'test' });
      assertSucceeded(summary, env);
      const traces = evidenceOf(summary).filter((f) => f.startsWith('trace-')).sort();
      assert.deepEqual(traces, ['trace-attempt-1-part-1.zip', 'trace-attempt-1-part-2.zip', 'trace-attempt-1.zip']);
      const texts = traces.map((f) => traceText(join(summary.runDir, 'evidence', f)));
      texts.forEach((text, i) => assert.ok(!text.includes(TEST_PASSWORD), `${traces[i]} holds the password`));
      // What they do hold: the login page before it was filled in, and the upload's actions.
      const [toLoginForm, toExpiry, rest] = texts;
      assert.match(toLoginForm!, /ユーザーID/);
      assert.match(toExpiry!, /"method":"setInputFiles"/);
      assert.match(rest!, /"method":"setInputFiles"/);
    });

    it('a session that expires while waiting for the result is logged into again and the wait goes on', async () => {
      const beforeStats = await stats(env);
      await setFaults(env, { expireSession: { at: '/history' } });
      const summary = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
      assertSucceeded(summary, env);
      assert.equal((await stats(env)).registrations - beforeStats.registrations, 1);
    });

    it('an in-page modal confirmation and a native confirm() dialog are both handled by the profile alone', async () => {
      for (const style of ['modal', 'native'] as const) {
        await setFaults(env, { confirmStyle: style });
        const profileFile = join(env.dir, `profile-${style}.yaml`);
        writeFileSync(profileFile, readFileSync(DEFAULT_SCREEN_PROFILE_PATH, 'utf8').replace('  style: page\n', `  style: ${style}\n`));
        const summary = await runCycle({ config: configOf(env, { mode: 'full', screen_profile: profileFile }), trigger: 'test' });
        assertSucceeded(summary, env);
      }
      await setFaults(env, {});
    });
  });

  describe('a browser that crashes', () => {
    let env: DemoEnv;
    before(async () => (env = await startDemoEnv({ recipients: 150, processingDelayMs: 2500 })));
    after(async () => env.close());

    it('is restarted for the next attempt, which waits for the acknowledged upload instead of sending it again', async () => {
      const beforeStats = await stats(env);
      const running = runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
      // Kill the browser the bot launched (a child of this process) while it waits for PMH's result.
      const ledgerFile = join(env.config.data_dir, 'ledger.sqlite');
      for (let i = 0; ; i += 1) {
        assert.ok(i < 2400, 'the flow never reached the result step');
        await new Promise((r) => setTimeout(r, 25));
        if (!existsSync(ledgerFile)) continue;
        const ledger = new Ledger(ledgerFile);
        const waiting = ledger.recentRuns(1).some((run) => ledger.steps(run.id).some((s) => s.name.startsWith('screen:result:') && s.status === 'running'));
        ledger.close();
        if (waiting) break;
      }
      const children = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter(([, comm]) => comm && /chrom/i.test(comm));
      assert.ok(children.length > 0, 'the browser is a child of this process');
      for (const [pid] of children) process.kill(Number(pid), 'SIGKILL');
      const summary = await running;
      assertSucceeded(summary, env);
      assert.ok(stepsOf(summary).some((s) => s.error_code === 'BrowserFailed'), JSON.stringify(stepsOf(summary).map((s) => [s.name, s.error_code])));
      assert.equal(retryWaits(summary), 1);
      assert.equal((await stats(env)).registrations - beforeStats.registrations, 1, 'uploaded once');
    });
  });

  describe('a screen profile that adds a step', () => {
    let env: DemoEnv;
    before(async () => (env = await startDemoEnv({ recipients: 150, processingDelayMs: 50 })));
    after(async () => env.close());

    it('runs the extra actions at their point of the flow', async () => {
      const uploadScreenRequests = async () => (await simJson<{ requests: Record<string, number> }>(env.simulator, '/__sim/stats')).requests['/upload'] ?? 0;
      const plainBefore = await uploadScreenRequests();
      assertSucceeded(await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' }), env);
      const plain = (await uploadScreenRequests()) - plainBefore;

      const profileFile = join(env.dir, 'profile-extra-step.yaml');
      writeFileSync(
        profileFile,
        readFileSync(DEFAULT_SCREEN_PROFILE_PATH, 'utf8').replace(
          '  after_login: []',
          '  after_login:\n    - click: { role: link, name: ファイルアップロード }\n    - wait_for: { text: 受給者証種別 }',
        ),
      );
      const extraBefore = await uploadScreenRequests();
      assertSucceeded(await runCycle({ config: configOf(env, { mode: 'full', screen_profile: profileFile }), trigger: 'test' }), env);
      assert.equal((await uploadScreenRequests()) - extraBefore, plain + 1, 'the menu link was followed once after login');

      writeFileSync(profileFile, readFileSync(DEFAULT_SCREEN_PROFILE_PATH, 'utf8').replace('  after_login: []', '  after_login:\n    - click: { role: button, name: お知らせを確認しました }'));
      const failed = await runCycle({ config: configOf(env, { mode: 'full', screen_profile: profileFile, retry: { ...FAST_RETRY, max_attempts: 1 } }), trigger: 'test' });
      assertFailed(failed, 'ScreenProfileMismatch', 'business');
      assert.match(failed.error!.message, /extra_steps\.after_login\[0\]/);
    });
  });

  describe('failures that retrying cannot fix', () => {
    let env: DemoEnv;
    before(async () => (env = await startDemoEnv({ recipients: 150, processingDelayMs: 50 })));
    after(async () => env.close());

    it('HTTP 503 that persists fails as a system error after the attempt cap, with evidence', async () => {
      await setFaults(env, { httpError: { status: 503 } });
      const summary = await runCycle({ config: configOf(env, { retry: { ...FAST_RETRY, max_attempts: 2 } }), trigger: 'test' });
      await setFaults(env, {});
      assertFailed(summary, 'PmhServerError', 'system');
      assert.equal(exitCodeFor(summary.error), 3);
      assert.equal(retryWaits(summary), 1);
      const files = evidenceOf(summary);
      assert.ok(files.includes('trace-attempt-1-failed.zip') && files.includes('trace-attempt-2-failed.zip'), files.join(' '));
      assert.ok(files.some((f) => f.endsWith('login-failed.html')));
    });

    it('a wrong password is a business error and is tried exactly once (no account lock-out)', async () => {
      const beforeStats = await stats(env);
      process.env.PMH_WRONG_PASSWORD = 'not-the-password';
      const summary = await runCycle({ config: configOf(env, { password_env: 'PMH_WRONG_PASSWORD' }), trigger: 'test' });
      assertFailed(summary, 'LoginFailed', 'business');
      assert.equal((await stats(env)).failedLogins - beforeStats.failedLogins, 1);
      assert.equal(retryWaits(summary), 0);
      const traces = evidenceOf(summary).filter((f) => f.startsWith('trace-'));
      assert.deepEqual(traces, ['trace-attempt-1-part-1.zip'], 'the trace up to the login form');
      assert.ok(!traceText(join(summary.runDir, 'evidence', traces[0]!)).includes('not-the-password'));
    });

    it('a renamed label fails as a profile mismatch, and passes once only the profile is changed', async () => {
      await setFaults(env, { renameLabels: { 'アップロードファイル': '連携ファイル' } });
      const failed = await runCycle({ config: configOf(env, { mode: 'full', retry: { ...FAST_RETRY, max_attempts: 1 } }), trigger: 'test' });
      assertFailed(failed, 'ScreenProfileMismatch', 'business');
      assert.match(failed.error!.message, /upload\.file_label/);
      assert.match(failed.error!.message, /連携ファイル/, 'names what the page offered instead');
      assert.match(failed.error!.describeIn('ja').hint, /画面プロファイル/);

      const profileFile = join(env.dir, 'profile-renamed.yaml');
      writeFileSync(profileFile, readFileSync(DEFAULT_SCREEN_PROFILE_PATH, 'utf8').replace('file_label: アップロードファイル', 'file_label: 連携ファイル'));
      assert.equal(loadScreenProfile(profileFile).upload.file_label, '連携ファイル');
      const passed = await runCycle({ config: configOf(env, { mode: 'full', screen_profile: profileFile }), trigger: 'test' });
      await setFaults(env, {});
      assertSucceeded(passed, env);
    });

    it('processing that never finishes stops at the result ceiling, is not retried and is not resent', async () => {
      const beforeStats = await stats(env);
      await setFaults(env, { neverFinish: true });
      const summary = await runCycle({ config: configOf(env, { mode: 'full', result_timeout_seconds: 10 }), trigger: 'test' });
      await setFaults(env, {});
      assertFailed(summary, 'ResultTimeout', 'system');
      assert.match(summary.error!.describeIn('ja').hint, new RegExp(`pmh-bot replay ${summary.runId}`));
      assert.equal((await stats(env)).registrations - beforeStats.registrations, 1);
      assert.equal(retryWaits(summary), 0);
    });

    it('a refused file is a business error, not retried, with PMH\'s error list kept', async () => {
      const beforeStats = await stats(env);
      await setFaults(env, { refuseNextUpload: { reason: 'ファイル形式が正しくありません' } });
      const summary = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
      assertFailed(summary, 'UploadRefused', 'business');
      assert.equal((await stats(env)).registrations - beforeStats.registrations, 1);
      assert.ok(evidenceOf(summary).some((f) => f.startsWith('pmh-errors-')));
    });

    it('rows PMH rejects are reported with the resident numbers they came from', async () => {
      await setFaults(env, { rejectRows: { everyNth: 40 } });
      const summary = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
      await setFaults(env, {});
      assertFailed(summary, 'RecordsRejected', 'business');
      const expected = Math.floor(expectedRows(env) / 40);
      assert.equal(summary.counts.rejected, expected);
      const ledger = new Ledger(summary.ledgerPath);
      const rejected = ledger.rejected(summary.runId);
      ledger.close();
      assert.equal(rejected.length, expected);
      assert.ok(rejected.every((r) => r.residentNo && r.certificateId && r.historyKey), JSON.stringify(rejected[0]));
    });

    it('a duplicate-upload warning stops before registering anything', async () => {
      const first = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
      assertSucceeded(first, env);
      const beforeStats = await stats(env);
      await setFaults(env, { duplicateWarning: true });
      const summary = await runCycle({ config: configOf(env, { mode: 'full' }), trigger: 'test' });
      await setFaults(env, {});
      assertFailed(summary, 'PmhDuplicateUpload', 'business');
      assert.equal((await stats(env)).registrations - beforeStats.registrations, 0);
      assert.ok(evidenceOf(summary).some((f) => f.includes('duplicate')));
    });
  });

  describe('the circuit breaker', () => {
    let env: DemoEnv;
    before(async () => (env = await startDemoEnv({ recipients: 150, processingDelayMs: 50 })));
    after(async () => env.close());

    it('opens after consecutive failures across runs and then refuses without touching PMH', async () => {
      await setFaults(env, { maintenance: { status: 503 } });
      const config = configOf(env, { retry: { ...FAST_RETRY, max_attempts: 5 }, circuit_breaker: { failure_threshold: 2, cooldown_minutes: 30 } });
      const first = await runCycle({ config, trigger: 'test' });
      assertFailed(first, 'PmhMaintenance', 'system');
      assert.equal(retryWaits(first), 1, 'the breaker opened after the second attempt, before the cap of 5');
      const requestsBefore = await stats(env);
      const second = await runCycle({ config, trigger: 'test' });
      assertFailed(second, 'PmhCircuitOpen', 'system');
      assert.deepEqual(await stats(env), requestsBefore, 'no request reached PMH');
      await setFaults(env, {});
    });
  });

  describe('login with a one-time password', () => {
    const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    let env: DemoEnv;
    before(async () => (env = await startDemoEnv({ recipients: 150, processingDelayMs: 50, totpSecret: SECRET })));
    after(async () => env.close());

    it('logs in with the TOTP secret from the environment', async () => {
      process.env.PMH_TOTP_SECRET = SECRET;
      const summary = await runCycle({ config: configOf(env, { totp_secret_env: 'PMH_TOTP_SECRET' }), trigger: 'test' });
      assertSucceeded(summary, env);
    });

    it('without a configured secret the run stops with a critical error naming the key', async () => {
      const summary = await runCycle({ config: configOf(env), trigger: 'test' });
      assertFailed(summary, 'PmhOtpNotConfigured', 'critical');
      assert.match(summary.error!.describeIn('ja').hint, /totp_secret_env/);
    });

    it('a wrong secret is a refused login, tried once', async () => {
      const beforeStats = await stats(env);
      process.env.PMH_WRONG_TOTP = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
      const summary = await runCycle({ config: configOf(env, { totp_secret_env: 'PMH_WRONG_TOTP' }), trigger: 'test' });
      assertFailed(summary, 'LoginFailed', 'business');
      assert.equal((await stats(env)).otpFailures - beforeStats.otpFailures, 1);
    });
  });

  describe('several files of one type', () => {
    let env: DemoEnv;
    before(async () => (env = await startDemoEnv({ recipients: 150, processingDelayMs: 50 })));
    after(async () => env.close());

    it('a full upload split by the layout goes to PMH as one upload of several files', async () => {
      const layoutFile = join(env.dir, 'layout-small.yaml');
      const layoutSource = readFileSync(join(import.meta.dirname, '../../config/layouts/pmh-v1.yaml'), 'utf8');
      writeFileSync(layoutFile, layoutSource.replace(/^max_rows_per_file: .*$/m, 'max_rows_per_file: 60'));
      const summary = await runCycle({ config: configOf(env, { mode: 'full' }, { output: { layout: layoutFile } }), trigger: 'test' });
      assertSucceeded(summary, env);
      assert.ok(summary.files.length >= 2, `${summary.files.length} files`);
      const received = await uploads(env);
      assert.equal(received.length, 1);
      assert.deepEqual(received[0]!.files?.map((f) => f.fileName), summary.files.map((f) => f.fileName));
      assert.equal(received[0]!.accepted, expectedRows(env));
      assert.equal(summary.baseDate, BASE_DATE);
    });
  });
});
