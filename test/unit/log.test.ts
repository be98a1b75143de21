import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { closeLogger, createLogger, createRunLogger, flushLogs, registerSecret, scrubText } from '../../core/log.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pmh-log-'));
}

function assertAbsent(text: string, values: string[]): void {
  for (const leaked of values) assert.ok(!text.includes(leaked), `${leaked} leaked into the log`);
}

describe('logging', () => {
  it('removes personal data and registered secrets from every line, whatever the caller passes', () => {
    const file = join(tempDir(), 'run.log');
    registerSecret('S3cret-Password!');
    const log = createLogger(file, { runId: 'r1' });
    log.info({ myNumber: '123456789018', basicFiveInfo: { name: '試験　太郎' }, nested: { address: '架空県1-2', count: 3 } }, 'record');
    log.warn('login with S3cret-Password! for 123456789018 failed');
    log.error({ err: new Error('connect failed: password=S3cret-Password!') }, 'oops');
    log.flush();
    const text = readFileSync(file, 'utf8');
    assertAbsent(text, ['123456789018', '試験', '架空県', 'S3cret-Password!']);
    assert.match(text, /"count":3/, 'ordinary values are kept');
    assert.match(text, /\[SECRET\]/);
    assert.match(text, /"runId":"r1"/);
  });

  it('redacts personal keys in every naming style and secret keys by their ending', () => {
    const file = join(tempDir(), 'run.log');
    const log = createLogger(file);
    log.info({
      nameKana: 'シケン　タロウ', shimei_kana: 'ｼｹﾝ', kana: 'カナ', dateOfBirth: '1980-01-02', birth_date: '19800102',
      seinengappi: '19800102', jusho: '架空市本町', sex: '2', kojin_no: 'K-1', fullName: '架空　花子',
      smtpPassword: 'mail-pass-77', totp_secret: 'JBSWY3DPEHPK3PXP', accessToken: 'tok-991', apiKey: 'key-123', pwd: 'p-4',
      program: 'KODOMO', password_env: 'PMH_PASSWORD',
    }, 'values');
    log.flush();
    const text = readFileSync(file, 'utf8');
    assertAbsent(text, ['シケン', 'ｼｹﾝ', 'カナ', '1980-01-02', '19800102', '架空市本町', 'K-1', '架空　花子', 'mail-pass-77', 'JBSWY3DPEHPK3PXP', 'tok-991', 'key-123', 'p-4']);
    assert.match(text, /"program":"KODOMO"/);
    assert.match(text, /"password_env":"PMH_PASSWORD"/, 'the name of a variable is not a secret');
  });

  it('drops passwords from connection strings, bearer tokens and password= pairs but keeps scheme and host', () => {
    assert.equal(scrubText('connect postgres://pmh:db-Pa55@db.local:5432/jukyu failed'), 'connect postgres://pmh:[SECRET]@db.local:5432/jukyu failed');
    assert.equal(scrubText('smtp://mailer:xyz%40!@mail.example.lg.jp'), 'smtp://mailer:[SECRET]@mail.example.lg.jp');
    assert.equal(scrubText('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def'), 'Authorization: Bearer [SECRET]');
    assert.equal(scrubText('Server=db;User Id=pmh;Password=Zx9!q;Database=x'), 'Server=db;User Id=pmh;Password=[SECRET];Database=x');
    assert.equal(scrubText('see https://pmh.example.jp/path?x=1'), 'see https://pmh.example.jp/path?x=1', 'a URL without credentials is kept');
  });

  it('replaces My Number–like numbers written with spaces, hyphens or full-width digits, and no other numbers', () => {
    assert.equal(scrubText('番号 1234 5678 9018 と 1234-5678-9018 と １２３４５６７８９０１８'), '番号 [MY_NUMBER] と [MY_NUMBER] と [MY_NUMBER]');
    assert.equal(scrubText('rows 1234567 of 12345678901234'), 'rows 1234567 of 12345678901234', '7 and 14 digits are not My Numbers');
  });

  it('scrubs a registered secret also when it appears percent-encoded', () => {
    registerSecret('p@ss word/1');
    assert.equal(scrubText('body=user%3Dx%26pw%3Dp%40ss%20word%2F1 and p@ss word/1'), 'body=user%3Dx%26pw%3D[SECRET] and [SECRET]');
  });

  it('scrubs the message of a bare Error, its stack and its cause', () => {
    const file = join(tempDir(), 'run.log');
    registerSecret('Cause-Secret-42');
    const log = createLogger(file);
    log.error(new Error('failed for 123456789018', { cause: new Error('inner Cause-Secret-42') }));
    log.flush();
    const text = readFileSync(file, 'utf8');
    assertAbsent(text, ['123456789018', 'Cause-Secret-42']);
    const line = JSON.parse(text.trim()) as { msg: string; err: { type: string; cause: { message: string } } };
    assert.equal(line.msg, 'failed for [MY_NUMBER]');
    assert.equal(line.err.type, 'Error');
    assert.equal(line.err.cause.message, 'inner [SECRET]');
  });
});

describe('run logger', () => {
  it('writes each line to the run file and to the daily file of the Asia/Tokyo date, both owner-only', () => {
    const dir = tempDir();
    const runFile = join(dir, 'runs', 'r1', 'run.log');
    const dailyDir = join(dir, 'logs');
    // 2026-03-31 23:30 UTC is 2026-04-01 08:30 in Tokyo.
    const log = createRunLogger({ runFile, dailyDir, bindings: { runId: 'r1' }, pretty: false, clock: () => new Date('2026-03-31T23:30:00Z') });
    log.info({ myNumber: '123456789018', count: 5 }, 'extracted');
    closeLogger(log);
    const daily = join(dailyDir, 'pmh-bot-2026-04-01.log');
    for (const file of [runFile, daily]) {
      const text = readFileSync(file, 'utf8');
      assert.match(text, /"count":5/);
      assert.match(text, /"runId":"r1"/);
      assertAbsent(text, ['123456789018']);
      if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600, `${file} mode`);
    }
  });

  it('continues in the next day’s file after midnight in Tokyo and removes daily files past retention', () => {
    const dir = tempDir();
    const dailyDir = join(dir, 'logs');
    mkdirSync(dailyDir);
    for (const day of ['2026-03-20', '2026-03-29', '2026-03-30']) writeFileSync(join(dailyDir, `pmh-bot-${day}.log`), '{}\n');
    writeFileSync(join(dailyDir, 'notes.txt'), 'not a daily log');
    let now = new Date('2026-03-31T10:00:00Z'); // 19:00 in Tokyo
    const log = createRunLogger({ dailyDir, dailyRetentionDays: 3, pretty: false, clock: () => now });
    log.info('before midnight');
    assert.deepEqual(readdirSync(dailyDir).sort(), ['notes.txt', 'pmh-bot-2026-03-29.log', 'pmh-bot-2026-03-30.log', 'pmh-bot-2026-03-31.log']);
    now = new Date('2026-03-31T15:05:00Z'); // 00:05 on 1 April in Tokyo
    log.info('after midnight');
    flushLogs();
    assert.deepEqual(readdirSync(dailyDir).sort(), ['notes.txt', 'pmh-bot-2026-03-30.log', 'pmh-bot-2026-03-31.log', 'pmh-bot-2026-04-01.log']);
    assert.match(readFileSync(join(dailyDir, 'pmh-bot-2026-03-31.log'), 'utf8'), /before midnight/);
    const april = readFileSync(join(dailyDir, 'pmh-bot-2026-04-01.log'), 'utf8');
    assert.match(april, /after midnight/);
    assert.doesNotMatch(april, /before midnight/);
  });

  it('prints readable, scrubbed lines on stderr when pretty, and loses nothing when the process exits at once', () => {
    const dir = tempDir();
    const script = join(dir, 'pretty.ts');
    const runFile = join(dir, 'run.log');
    writeFileSync(script, `
      import { createRunLogger, registerSecret } from ${JSON.stringify(join(ROOT, 'core/log.ts'))};
      registerSecret('Pretty-Secret-9');
      const log = createRunLogger({ runFile: ${JSON.stringify(runFile)}, dailyDir: ${JSON.stringify(join(dir, 'logs'))}, pretty: true });
      for (let i = 0; i < 200; i += 1) log.info({ i, address: '架空県みなと市' }, 'line ' + i + ' Pretty-Secret-9 123456789018');
      process.exit(0);
    `);
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stderr, /INFO.*line 0 \[SECRET\] \[MY_NUMBER\]/);
    assert.doesNotMatch(child.stderr, /^\{/m, 'stderr gets readable lines, not JSON');
    assertAbsent(child.stderr, ['Pretty-Secret-9', '123456789018', '架空県']);
    const lines = readFileSync(runFile, 'utf8').trim().split('\n');
    assert.equal(lines.length, 200, 'every line reached the run file before exit');
    assert.ok(existsSync(join(dir, 'logs')));
    const dailyLines = readdirSync(join(dir, 'logs')).map((f) => readFileSync(join(dir, 'logs', f), 'utf8').trim().split('\n').length);
    assert.equal(dailyLines.reduce((a, b) => a + b, 0), 200, 'every line reached the daily file before exit');
  });
});
