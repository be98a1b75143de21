/**
 * Notifications of a run's outcome: a real SMTP server receives the mail, a real child
 * process receives the JSON; neither ever carries personal data, resident numbers or a
 * password, and a notification that fails never throws.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Database } from '../../core/sqlite.ts';
import { configSchema } from '../../config/schema.ts';
import { createLogger } from '../../core/log.ts';
import { Ledger } from '../../bot/state/ledger.ts';
import { notifyRun, type NotifyConfig } from '../../bot/notify/notify.ts';
import { writeRunReport } from '../../bot/report/run-report.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { type RunSummary } from '../../bot/pipeline/context.ts';
import { ledgerPath } from '../../bot/state/paths.ts';
import { buildRunNotice, type RunNotice } from '../../bot/report/run-notice.ts';
import { BASE_DATE, startDemoEnv, TEST_PASSWORD, type DemoEnv } from '../helpers/demo-env.ts';
import { decodeMail, SMTP_PASSWORD, SMTP_USER, startSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { writeStdinCapture } from '../helpers/stdin-capture.ts';

const WRONG_PMH_PASSWORD = 'wrong-pmh-password-Lk29';

/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const smtp = await startSmtp();
  await smtp.close();
  return smtp.port;
}

/** Personal values of the generated registry and every resident number: none may leave in a notification. */
function forbiddenValues(registryFile: string): string[] {
  const db = new Database(registryFile, { readonly: true });
  try {
    const rows = db.prepare('SELECT atena_no, kojin_no, shimei, shimei_kana, jusho, seinengappi FROM residents').all() as Record<string, string | null>[];
    const values = new Set<string>();
    for (const row of rows) {
      for (const value of Object.values(row)) if (value) values.add(value);
      const birth = row.seinengappi;
      if (birth && /^\d{8}$/.test(birth)) values.add(`${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`);
    }
    return [...values];
  } finally {
    db.close();
  }
}

function assertClean(text: string, forbidden: string[], where: string): void {
  const leaked = forbidden.filter((value) => text.includes(value));
  assert.equal(leaked.length, 0, `${where} contains ${leaked.length} forbidden value(s)`);
  for (const secret of [TEST_PASSWORD, WRONG_PMH_PASSWORD, SMTP_PASSWORD]) assert.ok(!text.includes(secret), `${where} contains a password`);
}

function noticeOf(env: DemoEnv, runId: string, report = false): Promise<RunNotice> {
  const ledger = new Ledger(ledgerPath(env.config));
  return (async () => {
    try {
      if (report) await writeRunReport(ledger, runId);
      return buildRunNotice(ledger, runId, env.config);
    } finally {
      ledger.close();
    }
  })();
}

describe('notifications of a run', () => {
  let env: DemoEnv;
  let smtp: TestSmtp;
  let succeeded: RunSummary;
  let failed: RunSummary;
  let forbidden: string[];
  let script: string;
  let notifyConfig: (overrides: Record<string, unknown>) => NotifyConfig;
  const logFile = (): string => join(env.dir, 'notify.log');

  before(async () => {
    env = await startDemoEnv({ recipients: 300 });
    smtp = await startSmtp();
    forbidden = forbiddenValues(env.data.files.registry);
    script = writeStdinCapture(env.dir);
    process.env.PMH_TEST_SMTP_PASSWORD = SMTP_PASSWORD;
    process.env.PMH_TEST_WRONG_PASSWORD = WRONG_PMH_PASSWORD;
    notifyConfig = (overrides) => configSchema.shape.notify.parse({
      on: 'failure',
      mail: {
        host: '127.0.0.1', port: smtp.port, starttls: 'auto', user: SMTP_USER, password_env: 'PMH_TEST_SMTP_PASSWORD',
        from: 'pmh-bot@city.example.lg.jp', to: ['kokuho@city.example.lg.jp', 'joho@city.example.lg.jp'], timeout_seconds: 10,
      },
      command: { path: process.execPath, args: [script, join(env.dir, 'stdin.json')], timeout_seconds: 30 },
      ...overrides,
    });
    succeeded = await runCycle({ config: env.config, trigger: 'test' });
    // PMH refuses the login: the run fails after extraction and shaping, with real counts.
    failed = await runCycle({ config: { ...env.config, pmh: { ...env.config.pmh, password_env: 'PMH_TEST_WRONG_PASSWORD' } }, trigger: 'test' });
  });

  after(async () => {
    await smtp?.close();
    await env?.close();
  });

  it('sends nothing for a successful run under on: failure', async () => {
    assert.equal(succeeded.status, 'succeeded', succeeded.error?.message);
    const notice = await noticeOf(env, succeeded.runId);
    const results = await notifyRun(notice, notifyConfig({}), createLogger(logFile()));
    assert.deepEqual(results, []);
    assert.equal(smtp.received.length, 0);
    assert.ok(!existsSync(join(env.dir, 'stdin.json')), 'the command did not run');
  });

  it('mails a failed run once, with the status in the subject, the counts, the error, the hint and the report path', async () => {
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'LoginFailed');
    const notice = await noticeOf(env, failed.runId, true);
    const results = await notifyRun(notice, notifyConfig({ command: undefined }), createLogger(logFile()));
    assert.deepEqual(results.map((r) => [r.channel, r.ok]), [['mail', true]], JSON.stringify(results));
    assert.equal(smtp.received.length, 1);
    const [mail] = smtp.received;
    assert.equal(mail!.user, SMTP_USER, 'authenticated with the configured user');
    assert.equal(mail!.from, 'pmh-bot@city.example.lg.jp');
    assert.deepEqual(mail!.to, ['kokuho@city.example.lg.jp', 'joho@city.example.lg.jp']);

    const { subject, text } = decodeMail(mail!.raw);
    assert.equal(subject, `[PMH連携] 失敗: 架空県みなと市 ${BASE_DATE} (run ${failed.runId})`);
    const c = failed.counts;
    assert.ok(c.extracted > 300 && c.quarantined >= 1 && c.uploaded > 0, 'a run with real counts');
    for (const [label, value] of [['抽出件数', c.extracted], ['保留件数', c.quarantined], ['送信件数', c.uploaded], ['削除件数', c.deleted]] as const) {
      assert.ok(text.includes(`${label}: ${value.toLocaleString('en-US')}`), `${label} ${value} in the body`);
    }
    assert.match(text, /エラー \[LoginFailed\] PMH にログインできません/);
    assert.match(text, /自動では再試行しません/, 'the hint');
    assert.ok(notice.reportPath && text.includes(notice.reportPath), 'where the report is');
    assert.ok(existsSync(notice.reportPath));
  });

  it('puts no personal value, resident number or password in the mail', () => {
    const [mail] = smtp.received;
    const { subject, text } = decodeMail(mail!.raw);
    assert.ok(forbidden.length > 1000, 'the registry was read');
    assertClean(mail!.raw, forbidden, 'the raw mail');
    assertClean(`${subject}\n${text}`, forbidden, 'the decoded mail');
  });

  it('runs the command without a shell with the notice as JSON on stdin, free of personal data', async () => {
    const out = join(env.dir, 'stdin.json');
    rmSync(out, { force: true });
    const notice = await noticeOf(env, failed.runId);
    const results = await notifyRun(notice, notifyConfig({ mail: undefined }), createLogger(logFile()));
    assert.deepEqual(results.map((r) => [r.channel, r.ok]), [['command', true]], JSON.stringify(results));
    const stdin = readFileSync(out, 'utf8');
    const received = JSON.parse(stdin) as RunNotice;
    assert.deepEqual(received, JSON.parse(JSON.stringify(notice)));
    assert.equal(received.status, 'failed');
    assert.equal(received.error?.code, 'LoginFailed');
    assert.equal(received.counts.extracted, failed.counts.extracted);
    assert.equal(received.uploads.length, failed.files.length);
    assertClean(stdin, forbidden, 'the command\'s stdin');
  });

  it('sends on every run with on: always, and nothing with on: never', async () => {
    const before = smtp.received.length;
    const notice = await noticeOf(env, succeeded.runId);
    const always = await notifyRun(notice, notifyConfig({ on: 'always', command: undefined }), createLogger(logFile()));
    assert.deepEqual(always.map((r) => r.ok), [true]);
    assert.equal(smtp.received.length, before + 1);
    assert.equal(decodeMail(smtp.received.at(-1)!.raw).subject, `[PMH連携] 成功: 架空県みなと市 ${BASE_DATE} (run ${succeeded.runId})`);
    const failedNotice = await noticeOf(env, failed.runId);
    assert.deepEqual(await notifyRun(failedNotice, notifyConfig({ on: 'never' }), createLogger(logFile())), []);
    assert.equal(smtp.received.length, before + 1);
  });

  it('returns a failed result, never throws, when the mail server is down or the command fails', async () => {
    const notice = await noticeOf(env, failed.runId);
    const port = await closedPort();
    const results = await notifyRun(notice, notifyConfig({
      mail: { host: '127.0.0.1', port, from: 'pmh-bot@city.example.lg.jp', to: ['kokuho@city.example.lg.jp'], timeout_seconds: 5 },
      command: { path: process.execPath, args: [script, join(env.dir, 'ignored.json'), '3'] },
    }), createLogger(logFile()));
    const mail = results.find((r) => r.channel === 'mail')!;
    assert.equal(mail.ok, false);
    assert.equal(mail.code, 'NotifyMailFailed');
    assert.match(mail.detail, new RegExp(`127\\.0\\.0\\.1:${port}`));
    const command = results.find((r) => r.channel === 'command')!;
    assert.equal(command.ok, false);
    assert.equal(command.code, 'NotifyCommandFailed');
    assert.match(command.detail, /終了コード 3/);
    const log = readFileSync(logFile(), 'utf8');
    assert.match(log, /notification failed/);
    assertClean(log, forbidden, 'the log');
  });

  it('stops a command that runs too long, and reports one that cannot start', async () => {
    const notice = await noticeOf(env, failed.runId);
    const sleeper = join(env.dir, 'sleep.cjs');
    writeFileSync(sleeper, 'setTimeout(() => {}, 60_000);');
    const [slow] = await notifyRun(notice, notifyConfig({ mail: undefined, command: { path: process.execPath, args: [sleeper], timeout_seconds: 1 } }), createLogger(logFile()));
    assert.equal(slow!.ok, false);
    assert.match(slow!.detail, /1 秒以内に終わらなかった/);
    const [missing] = await notifyRun(notice, notifyConfig({ mail: undefined, command: { path: join(env.dir, 'no-such-command') } }), createLogger(logFile()));
    assert.equal(missing!.ok, false);
    assert.match(missing!.detail, /起動できません/);
  });

  it('reports a missing SMTP password as SecretMissing without sending', async () => {
    const notice = await noticeOf(env, failed.runId);
    const before = smtp.received.length;
    const [result] = await notifyRun(notice, notifyConfig({
      command: undefined,
      mail: { host: '127.0.0.1', port: smtp.port, user: SMTP_USER, password_env: 'PMH_TEST_SMTP_UNSET', from: 'pmh-bot@city.example.lg.jp', to: ['kokuho@city.example.lg.jp'] },
    }), createLogger(logFile()));
    assert.equal(result!.ok, false);
    assert.equal(result!.code, 'SecretMissing');
    assert.match(result!.detail, /PMH_TEST_SMTP_UNSET/);
    assert.equal(smtp.received.length, before);
  });
});
