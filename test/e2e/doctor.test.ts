/**
 * `pmh-bot doctor` against real things: the demo municipality's SQLite sources, the
 * PostgreSQL and MariaDB servers of this machine, real Chromium and the PMH simulator.
 * Each failure is one a municipality meets at set-up: a stopped database, a wrong
 * password, a query the database cannot read, PMH out of reach, no browser.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { BotConfig, DatabaseSourceConfig } from '../../config/schema.ts';
import { ConfigError } from '../../config/config-error.ts';
import { doctorExitCode, runDoctor, type DoctorCheck, type DoctorReport } from '../../bot/ops/doctor/doctor.ts';
import { printDoctorReport } from '../../bot/cli/print-doctor.ts';
import { startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';
import { SMTP_PASSWORD, SMTP_USER, startSmtp } from '../helpers/smtp.ts';
import { pmhBot } from '../helpers/pmh-bot-cli.ts';

const SLOW = { timeout: 180_000 };

function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function check(report: DoctorReport, id: string): DoctorCheck {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

/** Every check the config calls for ran, whatever another one found. */
function assertAllChecksRan(report: DoctorReport, config: BotConfig): void {
  const ids = report.checks.map((c) => c.id);
  for (const id of ['config', `secret:${config.pmh.password_env}`, 'browser', 'pmh', 'disk', 'data-dir', 'clock', 'timezone']) {
    assert.ok(ids.includes(id), `check ${id} missing`);
  }
  for (const name of Object.keys(config.sources)) assert.ok(ids.includes(`source:${name}`), `source ${name} not checked`);
}

function printed(report: DoctorReport): string {
  const lines: string[] = [];
  printDoctorReport(report, (line) => lines.push(line));
  return lines.join('\n');
}


describe('pmh-bot doctor', () => {
  let env: DemoEnv;
  let configs = 0;

  /** Writes a variant of the demo config and returns its path. */
  function variant(change: (config: BotConfig) => BotConfig): string {
    configs += 1;
    const path = join(env.dir, `doctor-${configs}.yaml`);
    writeFileSync(path, stringify(change(structuredClone(env.config))));
    return path;
  }

  const serverSource = (client: 'pg' | 'mysql2', port: number, extra: Partial<DatabaseSourceConfig['connection']> = {}): DatabaseSourceConfig => ({
    client,
    connection: { host: '127.0.0.1', port, database: 'test', user: client === 'pg' ? 'postgres' : 'root', ...extra },
    pool_size: 1,
    connect_timeout_seconds: 10,
    query_timeout_seconds: 30,
  } as DatabaseSourceConfig);

  before(async () => {
    env = await startDemoEnv({ recipients: 100 });
  });

  after(async () => {
    await env?.close();
  });

  it('finds nothing wrong with the demo municipality and its running PMH simulator', SLOW, async () => {
    const report = await runDoctor(env.configPath);
    assertAllChecksRan(report, env.config);
    const queries = report.checks.filter((c) => c.id.startsWith('query:'));
    assert.equal(queries.length, env.config.programs.length + 2, 'every program query, persons and support measures');
    for (const c of report.checks) {
      // The time zone only warns, and only on a machine whose date differs from Japan's.
      if (c.id === 'timezone') assert.notEqual(c.status, 'fail');
      else assert.equal(c.status, 'ok', `${c.id}: ${c.status} ${c.error?.message ?? c.detail ?? ''}`);
    }
    assert.equal(doctorExitCode(report), 0);
    const text = printed(report);
    assert.match(text, /^✔ PMH ログイン画面: .*ユーザーID/m);
    assert.match(text, /^✔ 抽出 SQL kodomo\.sql（データソース subsidy）/m);
    assert.ok(!text.includes(process.env.PMH_PASSWORD!), 'the PMH password is never printed');
  });

  it('reports a stopped database as a refused connection, and still runs every other check', SLOW, async () => {
    const port = await closedPort();
    const path = variant((c) => ({ ...c, sources: { ...c.sources, subsidy: serverSource('pg', port) } }));
    const report = await runDoctor(path);
    assertAllChecksRan(report, { ...env.config });
    const source = check(report, 'source:subsidy');
    assert.equal(source.status, 'fail');
    assert.equal(source.error?.code, 'SourceConnectionRefused');
    const { message, hint } = source.error!.describeIn('ja');
    assert.match(message, new RegExp(`データソース subsidy（pg）の 127\\.0\\.0\\.1:${port} への接続が拒否されました`));
    assert.match(hint, /データベースが停止しているか/);
    // Its queries were still checked for being read-only; only planning them was impossible.
    const queries = report.checks.filter((c) => c.id.startsWith('query:subsidy:'));
    assert.equal(queries.length, env.config.programs.length);
    for (const q of queries) assert.equal(q.status, 'warn');
    for (const id of ['source:registry', 'source:support', 'browser', 'pmh', 'disk', 'data-dir']) assert.equal(check(report, id).status, 'ok', id);
    assert.equal(doctorExitCode(report), 3, 'a system error: running again once the database is up can succeed');
    assert.match(printed(report), /^✖ データソース subsidy（pg）\n {4}エラー \[SourceConnectionRefused\]/m);
  });

  it('reports a wrong database password as a refused login, without printing it', SLOW, async () => {
    const wrong = 'wrong-db-password-Kq38';
    process.env.PMH_DOCTOR_TEST_DB_PASSWORD = wrong;
    try {
      const path = variant((c) => ({
        ...c,
        sources: { ...c.sources, subsidy: serverSource('mysql2', 3306, { password_env: 'PMH_DOCTOR_TEST_DB_PASSWORD' }) },
      }));
      const report = await runDoctor(path);
      assert.equal(check(report, 'secret:PMH_DOCTOR_TEST_DB_PASSWORD').status, 'ok');
      const source = check(report, 'source:subsidy');
      assert.equal(source.error?.code, 'SourceAuthFailed');
      assert.equal(source.error?.kind, 'business');
      const { message, hint } = source.error!.describeIn('ja');
      assert.match(message, /データソース subsidy（mysql2）がユーザー root のログインを受け付けませんでした: Access denied/);
      assert.match(hint, /password_env で指定した環境変数のパスワード/);
      assert.equal(check(report, 'pmh').status, 'ok');
      const text = printed(report);
      assert.match(text, /^✖ データソース subsidy（mysql2）/m);
      assert.ok(!text.includes(wrong), 'the password is never printed');
    } finally {
      delete process.env.PMH_DOCTOR_TEST_DB_PASSWORD;
    }
  });

  it('plans each query on PostgreSQL and MariaDB with its parameters bound, and names the file PostgreSQL cannot parse', SLOW, async () => {
    const bad = join(env.dir, 'broken-certificates.sql');
    writeFileSync(bad, '-- a trailing comma before FROM\nSELECT cert_id AS certificate_id, FROM certificates WHERE valid_from <= :base_date\n');
    const goodPg = join(env.dir, 'pg-certificates.sql');
    writeFileSync(goodPg, 'SELECT CAST(:base_date AS date) AS valid_from, :program_code AS certificate_id\n');
    const goodMy = join(env.dir, 'mysql-certificates.sql');
    writeFileSync(goodMy, 'SELECT CAST(:base_date AS date) AS valid_from, :program_code AS certificate_id;\n');
    const path = variant((c) => ({
      ...c,
      sources: { ...c.sources, euc_pg: serverSource('pg', 5432), euc_my: serverSource('mysql2', 3306) },
      programs: c.programs.map((p, i) =>
        i === 0 ? { ...p, source: 'euc_pg', sql: bad } : i === 1 ? { ...p, source: 'euc_pg', sql: goodPg } : i === 2 ? { ...p, source: 'euc_my', sql: goodMy } : p),
    }));
    const report = await runDoctor(path);
    assert.equal(check(report, 'source:euc_pg').status, 'ok');
    assert.equal(check(report, 'source:euc_my').status, 'ok');
    assert.equal(check(report, `query:euc_pg:${goodPg}`).status, 'ok');
    assert.equal(check(report, `query:euc_my:${goodMy}`).status, 'ok');
    const broken = check(report, `query:euc_pg:${bad}`);
    assert.equal(broken.status, 'fail');
    assert.equal(broken.error?.code, 'QueryNotPlannable');
    const { message } = broken.error!.describeIn('ja');
    assert.ok(message.includes(bad), message);
    assert.match(message, /syntax error at or near "FROM"/);
    assert.match(printed(report), /^✖ 抽出 SQL broken-certificates\.sql（データソース euc_pg）/m);
    assert.equal(doctorExitCode(report), 4, 'a query to fix is a set-up problem');
  });

  it('refuses a query file that would write, before asking any database', SLOW, async () => {
    const writing = join(env.dir, 'writing.sql');
    writeFileSync(writing, 'DELETE FROM certificates\n');
    const path = variant((c) => ({ ...c, programs: c.programs.map((p, i) => (i === 0 ? { ...p, sql: writing } : p)) }));
    const report = await runDoctor(path);
    const c = check(report, `query:subsidy:${writing}`);
    assert.equal(c.error?.code, 'QueryNotReadOnly');
    assert.equal(check(report, 'source:subsidy').status, 'ok');
  });

  it('checks an export file source: its header must carry the columns the extractor needs', SLOW, async () => {
    const fileSource = (path: string, labels: Record<string, string>) => ({
      client: 'file' as const, path, format: 'csv' as const, encoding: 'utf-8' as const, header: true,
      columns: Object.entries(labels).map(([name, field]) => ({ name, field })),
    });
    const withSupportFile = (source: ReturnType<typeof fileSource>) => variant((c) => ({
      ...c,
      sources: { ...c.sources, support_file: source },
      extraction: { ...c.extraction, support_measures: { source: 'support_file', allow_empty: false } },
    }));
    const good = join(env.dir, 'support-good.csv');
    writeFileSync(good, '宛名番号,不開示\r\n0000000001,1\r\n');
    const labels = { resident_no: '宛名番号', is_not_disclosed: '不開示' };
    const fine = await runDoctor(withSupportFile(fileSource(good, labels)));
    assert.equal(check(fine, 'source:support_file').status, 'ok');

    const renamed = join(env.dir, 'support-renamed.csv');
    writeFileSync(renamed, '宛名番号,非開示\r\n0000000001,1\r\n');
    const wrongHeader = await runDoctor(withSupportFile(fileSource(renamed, labels)));
    const invalid = check(wrongHeader, 'source:support_file');
    assert.equal(invalid.error?.code, 'ExportFileInvalid');
    assert.match(invalid.error!.message, /the header has no column labelled "不開示"/);
    assert.ok(!printed(wrongHeader).includes('0000000001'), 'no content of the file is shown');

    const missing = await runDoctor(withSupportFile(fileSource(join(env.dir, 'not-exported-yet.csv'), labels)));
    assert.equal(check(missing, 'source:support_file').error?.code, 'ExportFileMissing');

    const lacking = await runDoctor(withSupportFile(fileSource(good, { resident_no: '宛名番号' })));
    const column = check(lacking, 'source:support_file').error;
    assert.equal(column?.code, 'QueryColumnMissing');
    assert.equal(column?.params.column, 'is_not_disclosed');
  });

  it('reports PMH out of reach as PmhUnreachable, and skips the clock with a warning', SLOW, async () => {
    const port = await closedPort();
    const path = variant((c) => ({ ...c, pmh: { ...c.pmh, url: `http://127.0.0.1:${port}` } }));
    const report = await runDoctor(path);
    assertAllChecksRan(report, env.config);
    const pmh = check(report, 'pmh');
    assert.equal(pmh.error?.code, 'PmhUnreachable');
    assert.match(pmh.error!.describeIn('ja').message, new RegExp(`http://127\\.0\\.0\\.1:${port}/login に接続できません`));
    assert.equal(check(report, 'clock').status, 'warn');
    assert.equal(check(report, 'browser').status, 'ok');
    assert.equal(check(report, 'source:subsidy').status, 'ok');
    assert.equal(doctorExitCode(report), 3);
  });

  it('reports a drop folder it cannot write to as DropFolderUnavailable, its hint naming what to replay rather than a bare {runId}', SLOW, async () => {
    const folder = join(env.dir, 'no-such-drop-folder');
    const path = variant((c) => ({ ...c, pmh: { ...c.pmh, transport: 'folder', folder: { path: folder, marker: true, wait_for_pickup_seconds: 0 } } }));
    const report = await runDoctor(path);
    const pmh = check(report, 'pmh');
    assert.equal(pmh.error?.code, 'DropFolderUnavailable');
    const { message, hint } = pmh.error!.describeIn('ja');
    assert.match(message, /no-such-drop-folder/);
    assert.match(hint, /pmh-bot replay </);
    assert.doesNotMatch(`${message}\n${hint}`, /\{\w+\}/);
  });

  it('logs in to the notification mail server without sending a mail, and reports a wrong password or a stopped server', SLOW, async () => {
    const smtp = await startSmtp();
    const passwordEnv = 'PMH_BOT_DOCTOR_SMTP_PASSWORD';
    const withMail = (port: number): string => variant((c) => ({
      ...c,
      notify: {
        ...c.notify,
        on: 'failure',
        mail: { host: '127.0.0.1', port, secure: false, starttls: 'auto', user: SMTP_USER, password_env: passwordEnv, from: 'pmh-bot@city.example.lg.jp', to: ['kokuho@city.example.lg.jp'], timeout_seconds: 10 },
      },
    }));
    try {
      process.env[passwordEnv] = SMTP_PASSWORD;
      const good = check(await runDoctor(withMail(smtp.port)), 'notify-mail');
      assert.equal(good.status, 'ok', good.error?.message);
      assert.match(good.detail ?? '', new RegExp(`127\\.0\\.0\\.1:${smtp.port}`));
      assert.deepEqual(smtp.logins, [SMTP_USER], 'it logged in');
      assert.equal(smtp.received.length, 0, 'and sent no mail');

      process.env[passwordEnv] = 'wrong-smtp-password-Vb83';
      const refused = await runDoctor(withMail(smtp.port));
      const wrong = check(refused, 'notify-mail');
      assert.equal(wrong.error?.code, 'NotifyMailUnavailable');
      assert.match(wrong.error!.describeIn('ja').hint, /notify\.mail/);
      assert.ok(!printed(refused).includes('wrong-smtp-password-Vb83'), 'the password is never printed');
      assert.equal(doctorExitCode(refused), 3);

      const stopped = check(await runDoctor(withMail(await closedPort())), 'notify-mail');
      assert.equal(stopped.error?.code, 'NotifyMailUnavailable');
      assert.match(stopped.error!.message, /ECONNREFUSED/);

      // A config that never mails has nothing to check.
      const never = await runDoctor(variant((c) => ({ ...c, notify: { ...c.notify, on: 'never', mail: { host: '127.0.0.1', port: smtp.port, secure: false, starttls: 'auto', from: 'pmh-bot@city.example.lg.jp', to: ['kokuho@city.example.lg.jp'], timeout_seconds: 10 } } })));
      assert.ok(!never.checks.some((c) => c.id === 'notify-mail'));
    } finally {
      delete process.env[passwordEnv];
      await smtp.close();
    }
  });

  it('reports a browser that is not there as BrowserNotFound, and still asks PMH over HTTP', SLOW, async () => {
    const before = process.env.PMH_BOT_BROWSER;
    process.env.PMH_BOT_BROWSER = '/nonexistent/chrome';
    try {
      const report = await runDoctor(env.configPath);
      const browser = check(report, 'browser');
      assert.equal(browser.error?.code, 'BrowserNotFound');
      assert.match(browser.error!.describeIn('ja').hint, /browser\.executable_path/);
      const pmh = check(report, 'pmh');
      assert.equal(pmh.status, 'warn');
      assert.match(pmh.detail ?? '', /HTTP 200/);
      assert.equal(doctorExitCode(report), 4);
    } finally {
      if (before === undefined) delete process.env.PMH_BOT_BROWSER;
      else process.env.PMH_BOT_BROWSER = before;
    }
  });

  it('stops at the config check, naming the key, when browser.executable_path names a missing file', SLOW, async () => {
    const path = variant((c) => ({ ...c, browser: { ...c.browser, executable_path: '/nonexistent/chrome' } }));
    const report = await runDoctor(path);
    assert.deepEqual(report.checks.map((c) => c.id), ['config']);
    const error = report.checks[0]!.error;
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'ConfigInvalid');
    assert.ok(error.problems.some((p) => p.path === 'browser.executable_path'));
    assert.equal(doctorExitCode(report), 4);
  });

  it('on the command line: exits 0 when all is well, 3 with a ✖ line when PMH is out of reach, and speaks English when asked', SLOW, async () => {
    const green = await pmhBot(['doctor', '-c', env.configPath]);
    assert.equal(green.code, 0, green.stdout + green.stderr);
    assert.match(green.stdout, /^事前点検（設定: /m);
    assert.match(green.stdout, /^✔ ブラウザーの起動/m);
    assert.match(green.stdout, /^結果: 問題はありません/m);

    const port = await closedPort();
    const unreachable = variant((c) => ({ ...c, pmh: { ...c.pmh, url: `http://127.0.0.1:${port}` } }));
    const red = await pmhBot(['doctor', '-c', unreachable]);
    assert.equal(red.code, 3, red.stdout + red.stderr);
    assert.match(red.stdout, /^✖ PMH ログイン画面$/m);
    assert.match(red.stdout, /エラー \[PmhUnreachable\] PMH の画面に接続できません/);
    assert.match(red.stdout, /^ {6}対処: LGWAN 回線/m);
    assert.match(red.stdout, /^結果: 問題 1 件/m);

    const english = await pmhBot(['doctor', '-c', unreachable, '--lang', 'en']);
    assert.equal(english.code, 3);
    assert.match(english.stdout, /^Preflight check \(config: /m);
    assert.match(english.stdout, /^✖ PMH login page$/m);
    assert.match(english.stdout, /^ {6}What to do: Check the LGWAN line/m);
    assert.match(english.stdout, /^Result: 1 failed, /m);
  });

  it('on the command line: a bad config exits 4 with the key path, as a run prints it', SLOW, async () => {
    const bad = join(env.dir, 'doctor-bad.yaml');
    writeFileSync(bad, 'municipality:\n  code: "12"\n  name: x\n');
    const result = await pmhBot(['doctor', '--config', bad]);
    assert.equal(result.code, 4, result.stdout + result.stderr);
    assert.match(result.stdout, /^✖ 設定ファイル$/m);
    assert.match(result.stdout, /municipality\.code（2 行目）/);
  });
});
