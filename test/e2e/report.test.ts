/**
 * The HTML run report an operator opens after a run: written from the ledger of a real
 * cycle (generated SQLite sources, real Chromium on the simulator), rendered in real
 * headless Chromium, and never carrying personal data.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Database } from '../../core/sqlite.ts';
import { Ledger } from '../../bot/state/ledger.ts';
import type { QuarantineEntry } from '../../bot/records/quarantine.ts';
import { HELD_BACK_FILE, REJECTED_ROWS_FILE } from '../../bot/report/record-lists.ts';
import { printRunSummary } from '../../bot/cli/print-run.ts';
import { REPORT_ROW_LIMIT, writeRunReport } from '../../bot/report/run-report.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { type RunSummary } from '../../bot/pipeline/context.ts';
import { ledgerPath } from '../../bot/state/paths.ts';
import { launchBrowser } from '../../flows/browser.ts';
import { BASE_DATE, startDemoEnv, TEST_PASSWORD, type DemoEnv } from '../helpers/demo-env.ts';

const BIN = resolve(import.meta.dirname, '../../bin/pmh-bot.mjs');

/** Every personal value of the generated registry, in each form it is stored or shown. */
function personalValues(registryFile: string): string[] {
  const db = new Database(registryFile, { readonly: true });
  try {
    const rows = db.prepare('SELECT kojin_no, shimei, shimei_kana, jusho, seinengappi FROM residents').all() as Record<string, string | null>[];
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

function assertNoPersonalData(text: string, values: string[], where: string): void {
  const leaked = values.filter((value) => text.includes(value));
  assert.equal(leaked.length, 0, `${where} contains ${leaked.length} personal value(s)`);
}

function pmhBot(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PMH_BOT_LANG: 'ja' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('the HTML run report', () => {
  let env: DemoEnv;
  let summary: RunSummary;
  let reportPath: string;
  let html: string;
  let personal: string[];

  before(async () => {
    env = await startDemoEnv({ recipients: 1000 });
    summary = await runCycle({ config: env.config, trigger: 'test' });
    const ledger = new Ledger(ledgerPath(env.config));
    try {
      reportPath = await writeRunReport(ledger, summary.runId);
    } finally {
      ledger.close();
    }
    html = readFileSync(reportPath, 'utf8');
    personal = personalValues(env.data.files.registry);
  });

  after(async () => {
    await env?.close();
  });

  it('is written in the run folder and says the run succeeded, with its id and base date', () => {
    assert.equal(summary.status, 'succeeded', summary.error?.message);
    assert.equal(reportPath, join(summary.runDir, 'report.html'));
    assert.match(html, /<html lang="ja">/);
    assert.match(html, /data-status="succeeded">成功</);
    assert.ok(html.includes(summary.runId));
    assert.ok(html.includes(BASE_DATE));
    assert.match(html, /全件/);
    assert.match(html, /次に行うこと/);
  });

  it('lists every held-back record by program, resident number, certificate and a Japanese reason', () => {
    const ledger = new Ledger(ledgerPath(env.config));
    const quarantine = ledger.quarantine(summary.runId);
    ledger.close();
    assert.ok(quarantine.length >= 2, 'the demo data plants records to hold back');
    for (const entry of quarantine) {
      assert.ok(html.includes(`<td>${entry.residentNo}</td>`), `resident ${entry.residentNo} listed`);
      assert.ok(html.includes(`<td>${entry.certificateId}</td>`), `certificate ${entry.certificateId} listed`);
      assert.ok(html.includes(entry.reasonJa.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')), 'reason in Japanese');
    }
    for (const certificateId of [...env.data.planted.unreadableDate, ...env.data.planted.personMissing]) {
      assert.ok(html.includes(certificateId), `planted problem ${certificateId} is in the report`);
    }
    assert.ok(html.includes('data-more="0"') && !html.includes('先頭'), 'under the cap, every row is shown');
    assert.ok(html.includes(join(summary.runDir, HELD_BACK_FILE)), 'and the whole list is named all the same');
  });

  it('carries no My Number, name, kana, address, birth date or password', () => {
    assert.ok(personal.length > 4000, 'the registry was read');
    assertNoPersonalData(html, personal, 'report.html');
    assert.ok(!html.includes(TEST_PASSWORD));
  });

  it('renders in headless Chromium with nothing fetched, counts matching the ledger and the result screenshot shown', async () => {
    const ledger = new Ledger(ledgerPath(env.config));
    const run = ledger.run(summary.runId)!;
    ledger.close();
    const browser = await launchBrowser(env.config.browser);
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(pathToFileURL(reportPath).href);
      const shot = join(summary.runDir, 'report-rendered.png');
      await page.screenshot({ path: shot, fullPage: true });
      assert.deepEqual(readFileSync(shot).subarray(0, 4), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      assert.ok(statSync(shot).size > 10_000, 'the rendered page has content');

      const shown = await page.$$eval('[data-count]', (nodes) =>
        Object.fromEntries(nodes.map((node) => [node.getAttribute('data-count'), node.textContent ?? ''])));
      const expected = (value: number | null): string => (value === null ? '-' : value.toLocaleString('en-US'));
      assert.deepEqual(shown, {
        extracted: expected(run.extracted), quarantined: expected(run.quarantined), uploaded: expected(run.uploaded),
        deleted: expected(run.deleted), accepted: expected(run.accepted), rejected: expected(run.rejected),
      });
      assert.ok(run.extracted >= 1000 && run.accepted === run.uploaded, 'a real run with real counts');
      assert.equal(await page.locator('[data-status]').textContent(), '成功');
      assert.equal(await page.locator('h2', { hasText: '次に行うこと' }).count(), 1);

      const width = await page.locator('img[data-screenshot="embedded"]').evaluate((img) => (img as HTMLImageElement).naturalWidth);
      assert.ok(width > 100, 'the embedded result screenshot decodes');
      const timeline = await page.locator('#timeline td').allTextContents();
      for (const step of ['抽出', '整形・検証', '連携', 'ログイン']) assert.ok(timeline.includes(step), `timeline shows ${step}`);
      assert.ok(timeline.some((cell) => cell.startsWith('結果待ち（990001KODOMO')), 'result wait per type');

      assert.ok(requested.length >= 1);
      for (const url of requested) assert.match(url, /^(file|data):/, `the page fetched ${url.slice(0, 60)}`);
    } finally {
      await browser.close();
    }
  });

  it('pmh-bot report prints the path, keeps a fresh report and rewrites a stale one', async () => {
    const before = readFileSync(reportPath, 'utf8');
    let result = await pmhBot(['report', summary.runId, '--config', env.configPath]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), reportPath);
    assert.equal(readFileSync(reportPath, 'utf8'), before, 'a report newer than the run end is kept');

    writeFileSync(reportPath, '<html lang="ja">stale</html>');
    utimesSync(reportPath, new Date('2000-01-01'), new Date('2000-01-01'));
    result = await pmhBot(['report', summary.runId, '--config', env.configPath]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(reportPath, 'utf8'), /data-count="extracted"/, 'a report older than the run end is rewritten');

    result = await pmhBot(['report', 'no-such-run', '--config', env.configPath]);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /RunNotFound/);
  });

  it('for a failed run shows the error, its hint and caps the held-back table at 500 rows', async () => {
    // 600 certificates with an impossible end date: far beyond max_invalid_ratio, the run stops.
    const subsidy = new Database(env.data.files.subsidy);
    subsidy.prepare(`UPDATE certificates SET valid_to = '2027-02-30'
                      WHERE rowid IN (SELECT rowid FROM certificates WHERE valid_to >= ? ORDER BY cert_id LIMIT 600)`).run(BASE_DATE);
    subsidy.close();
    const failed = await runCycle({ config: env.config, trigger: 'test' });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'TooManyInvalidRecords');

    const ledger = new Ledger(ledgerPath(env.config));
    let failedHtml: string;
    let englishHtml: string;
    let run;
    let held: number;
    let heldEntries: QuarantineEntry[];
    try {
      run = ledger.run(failed.runId)!;
      held = ledger.quarantineCount(failed.runId);
      heldEntries = ledger.quarantine(failed.runId);
      failedHtml = readFileSync(await writeRunReport(ledger, failed.runId), 'utf8');
      englishHtml = readFileSync(await writeRunReport(ledger, failed.runId, { lang: 'en' }), 'utf8');
    } finally {
      ledger.close();
    }
    assert.match(failedHtml, /data-status="failed">失敗</);
    assert.ok(failedHtml.includes('TooManyInvalidRecords'));
    assert.ok(failedHtml.includes('不正なレコードが多すぎるため中止しました'), 'the error title');
    assert.ok(run.error_hint && failedHtml.includes(run.error_hint), 'the hint recorded in the ledger');
    assert.ok(failedHtml.includes('同じ内容のまま再実行しても解決しません'), 'the advice for a business error');
    assert.ok(failed.counts.quarantined >= 600);

    const quarantineSection = failedHtml.slice(failedHtml.indexOf('<section id="quarantine">'), failedHtml.indexOf('<section id="rejected">'));
    assert.equal(quarantineSection.match(/<tr><td>/g)?.length, REPORT_ROW_LIMIT);
    assert.ok(quarantineSection.includes(`data-more="${held - REPORT_ROW_LIMIT}"`));
    const list = join(failed.runDir, HELD_BACK_FILE);
    assert.ok(quarantineSection.includes(list), 'says where the whole list is');
    assert.ok(quarantineSection.includes(`（全 ${held} 件）`));
    // The whole list: every held-back record once, in the ledger's order, for Excel.
    const csv = readFileSync(list, 'utf8');
    assert.ok(csv.startsWith('\uFEFF"制度","宛名番号","受給者証番号","項目","コード","理由"\r\n'), csv.slice(0, 80));
    const lines = csv.slice(1).split('\r\n').filter(Boolean);
    assert.equal(lines.length, held + 1);
    assert.equal(held, heldEntries.length);
    heldEntries.forEach((e, i) => {
      assert.equal(lines[i + 1], [e.programCode, e.residentNo, e.certificateId, e.field, e.code, e.reasonJa].map((v) => `"${v}"`).join(','), `line ${i + 2}`);
    });
    assertNoPersonalData(csv, personal, 'the held-back list');
    assert.ok(!existsSync(join(failed.runDir, REJECTED_ROWS_FILE)), 'no rejected-rows list when PMH rejected nothing');
    // The terminal and `pmh-bot show` name the same list.
    const printed: string[] = [];
    printRunSummary(failed, (l) => printed.push(l));
    assert.ok(printed.some((l) => l.includes(`ほか ${held - 10} 件`)), printed.join('\n'));
    assert.ok(printed.some((l) => l.includes('全件の一覧') && l.includes(HELD_BACK_FILE)), printed.join('\n'));
    const shown = await pmhBot(['show', failed.runId, '--config', env.configPath]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`保留したレコード（${held} 件）`));
    assert.ok(shown.stdout.includes(`… ほか ${held - 20} 件`), shown.stdout);
    assert.ok(shown.stdout.includes(list), 'show names the whole list');
    // A list that is gone (purged, or a run from before lists) is written again with the report.
    // One that cannot be written does not cost the report, which then says where they all are.
    rmSync(list);
    mkdirSync(`${list}.part`);
    const again = new Ledger(ledgerPath(env.config));
    try {
      const unwritten = readFileSync(await writeRunReport(again, failed.runId), 'utf8');
      assert.ok(!existsSync(list));
      assert.ok(unwritten.includes('一覧のファイルを書けませんでした') && unwritten.includes(failed.ledgerPath), 'the ledger named instead');
      rmSync(`${list}.part`, { recursive: true });
      const rewritten = readFileSync(await writeRunReport(again, failed.runId), 'utf8');
      assert.ok(rewritten.includes(list));
    } finally {
      again.close();
    }
    assert.equal(readFileSync(list, 'utf8'), csv);
    assert.match(failedHtml, /data-screenshot="none"/, 'no result screen: the run stopped before upload');
    assertNoPersonalData(failedHtml, personal, 'the failed run\'s report');

    assert.match(englishHtml, /<html lang="en">/);
    assert.match(englishHtml, /data-status="failed">Failed</);
    assert.match(englishHtml, /Stopped: too many invalid records/);
  });
});
