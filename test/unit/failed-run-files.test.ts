/**
 * What an operator reads of each file of a run that failed — the terminal summary,
 * `pmh-bot show` and the run report — on a real ledger and snapshot: a file PMH
 * acknowledged, or may hold, is never called "not uploaded" (the words that invite a
 * manual re-upload), and each file says what `pmh-bot replay` does with it, as the replay
 * itself decides it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.ts';
import type { BotConfig } from '../../config/schema.ts';
import { pmhError } from '../../core/errors.ts';
import { setLang } from '../../core/i18n.ts';
import { printRunSummary } from '../../bot/cli/print-run.ts';
import { RunContext, type ProgramFile, type RunSummary } from '../../bot/pipeline/context.ts';
import { finish } from '../../bot/pipeline/finish.ts';
import { layoutOf, runLogger, screenProfileOf } from '../../bot/pipeline/settings.ts';
import { fileStandings } from '../../bot/pipeline/standings.ts';
import { standingText, type FileStanding } from '../../bot/report/file-standing.ts';
import { Ledger, type UploadEntry } from '../../bot/state/ledger.ts';
import { ledgerPath, snapshotPath } from '../../bot/state/paths.ts';
import { Snapshot } from '../../bot/state/snapshot.ts';

const BIN = resolve(import.meta.dirname, '../../bin/pmh-bot.mjs');
const EXAMPLE_CONFIG = resolve(import.meta.dirname, '../../config/pmh-bot.example.yaml');
const BASE_DATE = '2026-11-25';
const RUN = '20261125-020000-f11e';

/** What the failed run's delivery left of each file, as the screen channel records it. */
const AT_PMH: Record<string, Pick<UploadEntry, 'pmhUploadId' | 'status' | 'accepted' | 'rejected'>> = {
  registered: { pmhUploadId: 'U0001', status: 'registered', accepted: null, rejected: null },
  done: { pmhUploadId: 'U0002', status: 'done', accepted: 4, rejected: 1 },
  refused: { pmhUploadId: 'U0003', status: 'refused', accepted: null, rejected: null },
  submitting: { pmhUploadId: null, status: 'submitting', accepted: null, rejected: null },
  pending: { pmhUploadId: null, status: 'pending', accepted: null, rejected: null },
};

/** How the report marks each (data-at, data-replay), and what the operator must read of it in Japanese and English. */
const EXPECTED: Record<string, { at: string; replay: string; ja: string; en: string }> = {
  registered: {
    at: 'registered',
    replay: 'fetch-result',
    ja: 'PMH 受付済み（受付番号 U0001）、処理結果は未確認。pmh-bot replay は再送せず、処理結果だけを取りに行きます。',
    en: 'acknowledged by PMH (upload U0001), its result not yet known; pmh-bot replay will not send it again, only fetch its result.',
  },
  done: {
    at: 'done',
    replay: 'nothing',
    ja: 'PMH 受付済み（受付番号 U0002）、処理済み（正常 4 件 / エラー 1 件）。pmh-bot replay は再送しません。',
    en: 'acknowledged by PMH (upload U0002) and processed (4 accepted / 1 rejected); pmh-bot replay will not send it again.',
  },
  refused: {
    at: 'refused',
    replay: 'nothing',
    ja: 'PMH 受付済み（受付番号 U0003）、ファイル全体が受付拒否。pmh-bot replay は再送しません。',
    en: 'acknowledged by PMH (upload U0003) and refused as a whole; pmh-bot replay will not send it again.',
  },
  submitting: {
    at: 'maybe',
    replay: 'look-up',
    ja: 'PMH に届いた可能性あり（登録の操作後、受付番号を確認する前に停止）。pmh-bot replay は先に PMH のアップロード履歴を確認し、二重には送りません（履歴にあれば結果を取りに行き、なければ止まって確認を求めます）。',
    en: 'may have reached PMH (the final submit was made, no acknowledgement was read); pmh-bot replay looks in PMH\'s upload history first and never sends it twice (found: it fetches the result; not found: it stops and asks).',
  },
  pending: {
    at: 'none',
    replay: 'send',
    ja: '未アップロード（PMH には何も登録されていません）。pmh-bot replay で送ります。',
    en: 'not uploaded (PMH holds nothing of it); pmh-bot replay will send it.',
  },
};

const NOT_UPLOADED = /未アップロード|not uploaded/;

/** An upload file with fictional content: no person in it. */
function writeUploadFile(runDir: string, fileName: string, rows: number): { path: string; sha256: string; bytes: number } {
  const dir = join(runDir, 'upload');
  mkdirSync(dir, { recursive: true });
  const content = `header\r\n${Array.from({ length: rows }, (_, i) => `${fileName},${i + 1}`).join('\r\n')}\r\n`;
  const path = join(dir, fileName);
  writeFileSync(path, content);
  return { path, sha256: createHash('sha256').update(content).digest('hex'), bytes: Buffer.byteLength(content) };
}

/** A run that wrote its files (its shape step succeeded) against the snapshot's current generation. */
function startShapedRun(ledger: Ledger, snapshot: Snapshot, config: BotConfig, runId: string): string {
  const runDir = join(config.data_dir, 'runs', runId);
  ledger.startRun(runId, 'test', runDir, BASE_DATE);
  ledger.setDifferential(runId, 'diff', snapshot.generation());
  ledger.noteStep(runId, 'shape', {});
  return runDir;
}

/** A file the run wrote (recorded pending, as write-records.ts does), then what its delivery recorded. */
function recordFile(ledger: Ledger, runId: string, runDir: string, fileName: string, state: Partial<UploadEntry> = {}): UploadEntry {
  const type = fileName.split('_')[1]!;
  const file = writeUploadFile(runDir, fileName, 3);
  const upload: UploadEntry = {
    certificateTypeId: type, fileName, sha256: file.sha256, rows: 3, pmhUploadId: null, status: 'pending', accepted: null, rejected: null,
    path: file.path, keysPath: `${file.path}.keys.csv`,
  };
  ledger.recordUpload(runId, upload);
  if (state.status && state.status !== 'pending') ledger.recordUpload(runId, { ...upload, ...state });
  return { ...upload, ...state };
}

function pmhBot(args: string[], configPath: string): string {
  const result = spawnSync(process.execPath, [BIN, ...args, '--config', configPath], { encoding: 'utf8', env: { ...process.env, PMH_BOT_LANG: 'ja' } });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  return result.stdout;
}

describe('each file of a failed run, as the terminal, pmh-bot show and the run report tell it', () => {
  let dir: string;
  let config: BotConfig;
  let configPath: string;
  let summary: RunSummary;
  /** State name → the file the failed run left in that state. */
  const files = new Map<string, UploadEntry>();

  before(async () => {
    setLang('ja');
    dir = mkdtempSync(join(tmpdir(), 'pmh-failed-files-'));
    const example = loadConfig(EXAMPLE_CONFIG).config;
    config = { ...example, data_dir: join(dir, 'data'), base_date: BASE_DATE, pmh: { ...example.pmh, mode: 'diff' } };
    configPath = join(dir, 'pmh-bot.yaml');
    writeFileSync(configPath, stringify(config));

    const ledger = new Ledger(ledgerPath(config));
    const snapshot = new Snapshot(snapshotPath(config));
    const runDir = startShapedRun(ledger, snapshot, config, RUN);
    const types = ['990001KODOMO', '990001HITORIOYA', '990001IKUSEI', '990001SEISHIN', '990001KODOMO'];
    Object.entries(AT_PMH).forEach(([state, atPmh], i) => {
      files.set(state, recordFile(ledger, RUN, runDir, `pmh_${types[i]}_20261125_${state}.csv`, atPmh));
    });
    const ctx = new RunContext(RUN, runDir, BASE_DATE, config, ledger, snapshot, runLogger(config, runDir, { runId: RUN }), layoutOf(config), screenProfileOf(config));
    ctx.files = [...files.values()].map((u): ProgramFile => ({
      path: u.path!, keysPath: u.keysPath!, rows: u.rows, sha256: u.sha256, bytes: 0, fileName: u.fileName,
      certificateTypeId: u.certificateTypeId, programCode: u.certificateTypeId.slice(6),
    }));
    // The one upload PMH finished answering before the wait for the next one timed out.
    const done = files.get('done')!;
    ctx.outcomes.push({
      certificateTypeId: done.certificateTypeId, fileName: done.fileName, fileNames: [done.fileName], uploadId: 'U0002', status: '完了（エラーあり）',
      refused: false, total: 5, accepted: 4, rejected: 1, errorListPath: null, resultScreenshot: '',
    });
    ledger.startStep(RUN, 'deliver');
    const error = pmhError('ResultTimeout', { uploadId: 'U0001', seconds: 60, status: '処理中', runId: RUN });
    ledger.endStep(RUN, 'deliver', 'failed', { errorCode: error.code, errorMessage: error.describeIn('ja').message });
    summary = await finish(ctx, error);
  });

  after(() => {
    setLang('ja');
    rmSync(dir, { recursive: true, force: true });
  });

  it('the terminal summary says of each file where it stands at PMH and what a replay does, in Japanese and English', () => {
    assert.equal(summary.status, 'failed');
    for (const lang of ['ja', 'en'] as const) {
      setLang(lang);
      const printed: string[] = [];
      printRunSummary(summary, (line) => printed.push(line));
      const text = printed.join('\n');
      for (const [state, file] of files) {
        const line = lang === 'ja' ? `  ${file.path}（3 件）: ${EXPECTED[state]!.ja}` : `  ${file.path} (3 rows): ${EXPECTED[state]!.en}`;
        assert.ok(printed.includes(line), `${state}: ${line}\n--- printed:\n${text}`);
      }
      // Only the file nothing of which reached PMH is "not uploaded".
      const notUploaded = printed.filter((line) => NOT_UPLOADED.test(line));
      assert.deepEqual(notUploaded, printed.filter((line) => line.includes(files.get('pending')!.fileName)), text);
      assert.ok(text.includes(`pmh-bot replay ${RUN} --dry-run`), text);
    }
    setLang('ja');
  });

  it('pmh-bot show says the same of each file', () => {
    const shown = pmhBot(['show', RUN], configPath);
    for (const [state, file] of files) {
      assert.ok(shown.includes(`\n  ${file.fileName}（3 件）: ${EXPECTED[state]!.ja}\n`), `${state}\n--- shown:\n${shown}`);
    }
    const notUploaded = shown.split('\n').filter((line) => NOT_UPLOADED.test(line));
    assert.equal(notUploaded.length, 1, shown);
    assert.ok(notUploaded[0]!.includes(files.get('pending')!.fileName), shown);
    assert.ok(shown.includes(`pmh-bot replay ${RUN} --dry-run`));
  });

  it('the run report the run wrote says it of each file, and pmh-bot report writes it again in English', () => {
    const expectItems = (page: string, lang: 'ja' | 'en'): void => {
      const items: string[] = page.match(/<li data-file=.*<\/li>/g) ?? [];
      assert.equal(items.length, files.size, page);
      for (const [state, file] of files) {
        const expected = EXPECTED[state]!;
        const rows = lang === 'ja' ? '（3 件）' : ' (3 rows)';
        const item = `<li data-file="${file.fileName}" data-at="${expected.at}" data-replay="${expected.replay}"><code>${file.fileName}</code>${rows}: ${expected[lang].replaceAll('\'', '&#39;')}</li>`;
        assert.ok(items.includes(item), `${state}: ${item}\n--- items:\n${items.join('\n')}`);
      }
      const notUploaded = items.filter((item) => NOT_UPLOADED.test(item));
      assert.deepEqual(notUploaded, items.filter((item) => item.includes(files.get('pending')!.fileName)));
      assert.ok(page.includes(`pmh-bot replay ${RUN} --dry-run`));
    };
    expectItems(readFileSync(summary.reportPath!, 'utf8'), 'ja');
    const englishPath = pmhBot(['--lang', 'en', 'report', RUN], configPath).trim();
    assert.equal(englishPath, summary.reportPath);
    const english = readFileSync(englishPath, 'utf8');
    assert.match(english, /<html lang="en">/);
    expectItems(english, 'en');
  });

  it('reads what PMH holds from every run, as a replay does: a file a later replay got answered is no longer "not uploaded"', () => {
    const ledger = new Ledger(ledgerPath(config));
    const snapshot = new Snapshot(snapshotPath(config));
    try {
      const pending = files.get('pending')!;
      ledger.startRun('R-replay', 'replay', join(config.data_dir, 'runs', 'R-replay'), BASE_DATE, { parentRunId: RUN });
      ledger.recordUpload('R-replay', { ...pending, pmhUploadId: 'U0009', status: 'done', accepted: 3, rejected: 0 });
      ledger.finishRun('R-replay', 'failed');
      const standing = fileStandings(ledger, snapshot, ledger.run(RUN)!).find((s) => s.fileName === pending.fileName)!;
      assert.deepEqual([standing.at, standing.pmhUploadId, standing.replay], ['done', 'U0009', 'nothing']);
      assert.doesNotMatch(standingText(standing, 'ja'), NOT_UPLOADED);
    } finally {
      snapshot.close();
      ledger.close();
    }
  });

  it('the registration API, the drop folder, a deleted file and a run that wrote no file are told as the replay treats them', () => {
    const ledger = new Ledger(ledgerPath(config));
    const snapshot = new Snapshot(snapshotPath(config));
    try {
      const runId = 'R-channels';
      const runDir = startShapedRun(ledger, snapshot, config, runId);
      const maybe = recordFile(ledger, runId, runDir, 'pmh_990001KODOMO_20261125_api-maybe.json', { status: 'submitting' });
      const chunk = (file: UploadEntry, firstIndex: number, status: 'sending' | 'done' | 'failed') => ledger.recordApiChunk(runId, {
        fileName: file.fileName, fileSha256: file.sha256, firstIndex, records: 1, status, httpStatus: status === 'done' ? 200 : null,
        accepted: status === 'done' ? 1 : null, rejected: status === 'done' ? 0 : null, rejectedKeys: [],
      });
      chunk(maybe, 0, 'done');
      chunk(maybe, 1, 'sending');
      const refusedByAll = recordFile(ledger, runId, runDir, 'pmh_990001HITORIOYA_20261125_api-failed.json', { status: 'submitting' });
      chunk(refusedByAll, 0, 'failed');
      const apiDone = recordFile(ledger, runId, runDir, 'pmh_990001IKUSEI_20261125_api-done.json', { status: 'done', accepted: 3, rejected: 0 });
      chunk(apiDone, 0, 'done');
      recordFile(ledger, runId, runDir, 'pmh_990001SEISHIN_20261125_placed.csv', { status: 'delivered' });
      recordFile(ledger, runId, runDir, 'pmh_990001SEISHIN_20261125_taken.csv', { status: 'picked_up' });
      const gone = recordFile(ledger, runId, runDir, 'pmh_990001KODOMO_20261125_gone.csv');
      rmSync(gone.path!);
      ledger.finishRun(runId, 'failed');

      const byName = new Map(fileStandings(ledger, snapshot, ledger.run(runId)!).map((s) => [s.fileName.split('_')[3]!.split('.')[0]!, s]));
      const summaryOf = (s: FileStanding) => [s.at, s.api, s.replay];
      assert.deepEqual(summaryOf(byName.get('api-maybe')!), ['maybe', true, 'look-up']);
      assert.deepEqual(summaryOf(byName.get('api-failed')!), ['none', true, 'send']);
      assert.deepEqual(summaryOf(byName.get('api-done')!), ['done', true, 'nothing']);
      assert.deepEqual(summaryOf(byName.get('placed')!), ['in-folder', false, 'leave-in-folder']);
      assert.deepEqual(summaryOf(byName.get('taken')!), ['picked-up', false, 'nothing']);
      assert.deepEqual(summaryOf(byName.get('gone')!), ['none', false, 'file-gone']);
      assert.equal(
        standingText(byName.get('api-maybe')!, 'ja'),
        'PMH に一部または全部が届いた可能性あり（登録 API で送信中に停止）。pmh-bot replay は PMH が回答した分を再送しません（応答のなかった分は届いたか確かめられないため、止まって確認を求めます）。',
      );
      assert.equal(standingText(byName.get('api-done')!, 'ja'), 'PMH が登録 API で受付済み、処理済み（正常 3 件 / エラー 0 件）。pmh-bot replay は再送しません。');
      assert.equal(standingText(byName.get('placed')!, 'ja'), '受け渡しフォルダーに配置済み（バッチツールの取り込み待ち）。pmh-bot replay は置き直しません。');
      for (const name of ['api-maybe', 'api-done', 'placed', 'taken']) {
        assert.doesNotMatch(standingText(byName.get(name)!, 'ja'), NOT_UPLOADED, name);
        assert.doesNotMatch(standingText(byName.get(name)!, 'en'), NOT_UPLOADED, name);
      }

      // Stopped while writing its files: a replay extracts again and sends none of them.
      const unshaped = 'R-unshaped';
      ledger.startRun(unshaped, 'test', join(config.data_dir, 'runs', unshaped), BASE_DATE);
      ledger.startStep(unshaped, 'shape');
      ledger.endStep(unshaped, 'shape', 'failed', { errorCode: 'TooManyInvalidRecords' });
      recordFile(ledger, unshaped, join(config.data_dir, 'runs', unshaped), 'pmh_990001KODOMO_20261125_unshaped.csv');
      ledger.finishRun(unshaped, 'failed');
      const [unsent] = fileStandings(ledger, snapshot, ledger.run(unshaped)!);
      assert.deepEqual(summaryOf(unsent!), ['none', false, 're-extract']);
      assert.equal(standingText(unsent!, 'ja'), '未アップロード（PMH には何も登録されていません）。このファイルは送りません（pmh-bot replay は抽出からやり直します）。');

      // A run that succeeded or waits for approval is not replayed: nothing is said per file.
      ledger.finishRun(unshaped, 'held');
      assert.deepEqual(fileStandings(ledger, snapshot, ledger.run(unshaped)!), []);
      ledger.finishRun(unshaped, 'succeeded');
      assert.deepEqual(fileStandings(ledger, snapshot, ledger.run(unshaped)!), []);
    } finally {
      snapshot.close();
      ledger.close();
    }
  });

  it('files computed before a later run advanced PMH are not promised to a replay: only what PMH holds has its result fetched', () => {
    const ledger = new Ledger(ledgerPath(config));
    const snapshot = new Snapshot(snapshotPath(config));
    try {
      const runId = 'R-stale';
      const runDir = startShapedRun(ledger, snapshot, config, runId);
      recordFile(ledger, runId, runDir, 'pmh_990001KODOMO_20261125_stale-pending.csv');
      recordFile(ledger, runId, runDir, 'pmh_990001HITORIOYA_20261125_stale-submitting.csv', { status: 'submitting' });
      recordFile(ledger, runId, runDir, 'pmh_990001IKUSEI_20261125_stale-registered.csv', { status: 'registered', pmhUploadId: 'U0100' });
      ledger.finishRun(runId, 'failed');
      // A later run got PMH's answer and advanced the snapshot.
      snapshot.applyAccepted('R-later', '990001KODOMO', 'diff', new Set());

      const replays = fileStandings(ledger, snapshot, ledger.run(runId)!).map((s) => [s.at, s.replay]);
      assert.deepEqual(replays, [['none', 'superseded'], ['maybe', 'superseded'], ['registered', 'fetch-result']]);
      const [pending] = fileStandings(ledger, snapshot, ledger.run(runId)!);
      assert.equal(standingText(pending!, 'ja'), '未アップロード（PMH には何も登録されていません）。pmh-bot replay は送りません（後の実行が新しいデータで同じ内容を送っています）。');
    } finally {
      snapshot.close();
      ledger.close();
    }
  });
});
