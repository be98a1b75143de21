/**
 * The run report: one self-contained HTML page per run (`<run folder>/report.html`) that an
 * operator opens with a double click on a closed network: inline CSS, the result
 * screenshot embedded, no script and no external resource (the page's CSP forbids both).
 * It shows what the ledger holds: system keys of records (resident number, certificate),
 * never personal data.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { html, raw } from 'hono/html';
import { pmhError } from '../../core/errors.ts';
import type { Bilingual, Lang } from '../../core/i18n.ts';
import { scrubText } from '../../core/log.ts';
import { tokyoDateTime } from '../../core/clock.ts';
import { HELD_BACK_FILE, REJECTED_ROWS_FILE, writeRecordLists } from './record-lists.ts';
import { dryRunText, standingText, type FileStanding } from './file-standing.ts';
import type { ArtifactRow, Ledger, RejectedEntry, RunRow, StepRow, UploadEntry } from '../state/ledger.ts';
import type { QuarantineEntry } from '../records/quarantine.ts';
import {
  COUNT_TEXT, HELD_ADVICE, KIND_ADVICE, KIND_TEXT, RUN_STATUS_TEXT, RUNNING_ADVICE, STEP_STATUS_TEXT, SUCCESS_ADVICE,
  approveCommand, errorTitle, formatCount, formatDuration, modeLabel, say, stepLabel, triggerLabel, uploadStatusLabel,
} from './report-text.ts';

/** Rows shown per table; the rest stay in the ledger (`pmh-bot show` lists them). */
export const REPORT_ROW_LIMIT = 500;

/** Screenshots larger than this are named, not embedded. */
const MAX_EMBEDDED_BYTES = 8 * 1024 * 1024;

export interface RunReportOptions {
  lang?: Lang;
  /**
   * For a run that did not succeed: where each file stands at PMH and what a replay does
   * with it, as the pipeline reads it (pipeline/standings.ts; the report is below it).
   */
  standings?: readonly FileStanding[];
}

export function reportPathOf(runDir: string): string {
  return join(runDir, 'report.html');
}

interface Screenshot {
  path: string;
  dataUri: string | null;
  /** Why it is not embedded. */
  note: string | null;
}

interface ReportData {
  run: RunRow;
  ledgerPath: string;
  steps: StepRow[];
  uploads: UploadEntry[];
  standings: readonly FileStanding[];
  /** The first REPORT_ROW_LIMIT held-back records, and how many there are. */
  quarantine: QuarantineEntry[];
  quarantineCount: number;
  /** The first REPORT_ROW_LIMIT rejected rows, and how many there are. */
  rejected: RejectedEntry[];
  rejectedCount: number;
  screenshot: Screenshot | null;
  /** Where the step screenshots are, when the run took any. */
  evidenceDir: string | null;
  diff: Record<string, number> | null;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The newest screenshot of PMH's result screen still on disk. */
function resultScreenshot(artifacts: ArtifactRow[], lang: Lang): Screenshot | null {
  const candidates = artifacts.filter((a) => a.kind === 'screenshot' && basename(a.path).includes('result') && !a.purged_at);
  const newest = candidates.at(-1);
  if (!newest) return null;
  if (!existsSync(newest.path)) {
    return { path: newest.path, dataUri: null, note: say({ ja: 'ファイルがありません（削除済み）。', en: 'The file is gone (purged).' }, lang) };
  }
  if (statSync(newest.path).size > MAX_EMBEDDED_BYTES) {
    return { path: newest.path, dataUri: null, note: say({ ja: 'ファイルが大きいため埋め込んでいません。', en: 'Too large to embed.' }, lang) };
  }
  const bytes = readFileSync(newest.path);
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    return { path: newest.path, dataUri: null, note: say({ ja: 'PNG 画像ではありません。', en: 'Not a PNG image.' }, lang) };
  }
  return { path: newest.path, dataUri: `data:image/png;base64,${bytes.toString('base64')}`, note: null };
}

function diffOf(steps: StepRow[]): Record<string, number> | null {
  const shape = [...steps].reverse().find((s) => s.name === 'shape' && s.detail);
  if (!shape?.detail) return null;
  try {
    const detail = JSON.parse(shape.detail) as { diff?: Record<string, number> };
    return detail.diff ?? null;
  } catch {
    return null;
  }
}

function collect(ledger: Ledger, runId: string, lang: Lang, standings: readonly FileStanding[]): ReportData {
  const run = ledger.run(runId);
  if (!run) throw pmhError('RunNotFound', { runId });
  const steps = ledger.steps(runId);
  const artifacts = ledger.artifacts(runId);
  const anyShot = artifacts.find((a) => a.kind === 'screenshot');
  return {
    run,
    ledgerPath: ledger.path,
    steps,
    uploads: ledger.uploads(runId),
    standings,
    quarantine: ledger.quarantine(runId, REPORT_ROW_LIMIT),
    quarantineCount: ledger.quarantineCount(runId),
    rejected: ledger.rejected(runId, REPORT_ROW_LIMIT),
    rejectedCount: ledger.rejectedCount(runId),
    screenshot: resultScreenshot(artifacts, lang),
    evidenceDir: anyShot ? dirname(anyShot.path) : null,
    diff: diffOf(steps),
  };
}

/** Writes `<run folder>/report.html` and returns its path. Records nothing in the ledger. */
export async function writeRunReport(ledger: Ledger, runId: string, options: RunReportOptions = {}): Promise<string> {
  const lang = options.lang ?? 'ja';
  const data = collect(ledger, runId, lang, options.standings ?? []);
  const path = reportPathOf(data.run.run_dir);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // The whole lists the report names: written again if they are missing (purged, or a run
  // from before they existed). A list that cannot be written does not cost the report: it
  // then says the ledger holds them all.
  try {
    writeRecordLists(ledger, runId, data.run.run_dir, { lang, missingOnly: true });
  } catch {
    // listNote() finds no file and says so.
  }
  writeFileSync(path, await renderRunReport(data, lang), { mode: 0o600 });
  return path;
}

/**
 * The report's path, writing it first when it is missing, older than the run's end, in
 * another language, or the run has not ended (`pmh-bot report`).
 */
export async function ensureRunReport(ledger: Ledger, runId: string, options: RunReportOptions = {}): Promise<string> {
  const lang = options.lang ?? 'ja';
  const run = ledger.run(runId);
  if (!run) throw pmhError('RunNotFound', { runId });
  const path = reportPathOf(run.run_dir);
  if (existsSync(path) && run.ended_at && statSync(path).mtimeMs >= Date.parse(run.ended_at)) {
    const head = readFileSync(path, 'utf8').slice(0, 200);
    if (head.includes(`<html lang="${lang}">`)) return path;
  }
  return writeRunReport(ledger, runId, { ...options, lang });
}

// ---------------------------------------------------------------------------------------
// Rendering
//
// Every `${value}` in an html`` template (hono/html) is escaped unless it is itself an
// html`` result, so text from PMH, the business systems or the ledger cannot become markup
// however it got there, and no call site has to remember to escape it.

// The one unescaped insert: our own constant stylesheet. Inside <style> the browser decodes
// no entities, so escaping would turn its quoted font names into &quot; and break them.
const CSS = raw(`
:root { --ok: #1b7f3b; --ng: #b3261e; --held: #a15c00; --run: #555; --line: #d0d4da; --muted: #5f6670; }
* { box-sizing: border-box; }
body { font-family: "Yu Gothic UI", "Meiryo", "Hiragino Sans", "Noto Sans CJK JP", sans-serif; margin: 0; padding: 24px 32px; color: #1f2328; background: #fff; line-height: 1.5; }
h1 { font-size: 18px; margin: 0 0 8px; color: var(--muted); font-weight: normal; }
h2 { font-size: 17px; border-bottom: 2px solid var(--line); padding-bottom: 4px; margin: 32px 0 12px; }
.status { font-size: 44px; font-weight: bold; margin: 0 0 12px; }
.status-succeeded { color: var(--ok); } .status-failed { color: var(--ng); } .status-held { color: var(--held); } .status-running { color: var(--run); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.next { border-left: 6px solid var(--line); padding: 8px 16px; background: #f6f8fa; }
.next.failed { border-color: var(--ng); } .next.held { border-color: var(--held); } .next.succeeded { border-color: var(--ok); }
.next h3 { margin: 4px 0 8px; font-size: 16px; }
.next .label { font-weight: bold; }
code, .command { font-family: Consolas, "BIZ UDGothic", monospace; background: #eef1f4; padding: 1px 6px; border-radius: 3px; }
.counts { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; }
.count { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.count .label { display: block; color: var(--muted); font-size: 13px; }
.count .value { font-size: 26px; font-weight: bold; }
.count .unit { color: var(--muted); margin-left: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; font-weight: normal; color: #333; }
td.nowrap, td.num { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.failed { color: var(--ng); font-weight: bold; } td.succeeded { color: var(--ok); }
.muted { color: var(--muted); font-size: 13px; }
img.shot { max-width: 100%; border: 1px solid var(--line); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
@media print { body { padding: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
`);

/** A piece of the page: a Promise only if a Promise is interpolated, which this page never does. */
type Html = ReturnType<typeof html>;

/** One item a line: html`` joins an array with nothing, and the page keeps a line per row. */
function lines(items: readonly Html[]): Html {
  return html`${items.map((item, i) => (i === 0 ? item : html`\n${item}`))}`;
}

function localTime(iso: string | null): string {
  return iso ? tokyoDateTime(iso) : '-';
}

function table(headers: string[], rows: Html[][]): Html {
  return html`<table><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>
${lines(rows.map((cells) => html`<tr>${cells}</tr>`))}
</tbody></table>`;
}

function td(value: string | number, className?: string): Html {
  return className ? html`<td class="${className}">${value}</td>` : html`<td>${value}</td>`;
}

function factsSection(run: RunRow, lang: Lang): Html {
  const facts: [Bilingual, string][] = [
    [{ ja: '実行 ID', en: 'Run ID' }, run.id],
    [{ ja: '契機', en: 'Trigger' }, triggerLabel(run.trigger, lang)],
    [{ ja: '基準日', en: 'Base date' }, run.base_date ?? '-'],
    [{ ja: '連携区分', en: 'Mode' }, modeLabel(run.mode, lang)],
    [{ ja: '開始（日本時間）', en: 'Started (JST)' }, localTime(run.started_at)],
    [{ ja: '終了（日本時間）', en: 'Ended (JST)' }, localTime(run.ended_at)],
    [{ ja: '所要時間', en: 'Duration' }, formatDuration(run.started_at, run.ended_at, lang)],
  ];
  if (run.scheduled_at) facts.push([{ ja: '予定時刻（日本時間）', en: 'Scheduled (JST)' }, localTime(run.scheduled_at)]);
  if (run.parent_run_id) facts.push([{ ja: '再送元の実行', en: 'Replays run' }, run.parent_run_id]);
  facts.push([{ ja: '端末', en: 'Host' }, run.host]);
  return html`<dl class="facts">
${lines(facts.map(([label, value]) => html`<dt>${say(label, lang)}</dt><dd>${value}</dd>`))}
</dl>`;
}

function nextSection(run: RunRow, lang: Lang): Html {
  const parts: Html[] = [];
  if (run.error_code) {
    const kind = KIND_TEXT[run.error_kind ?? ''];
    const advice = KIND_ADVICE[run.error_kind ?? ''];
    const kindNote = kind ? html` <span class="muted">（${say(kind, lang)}）</span>` : '';
    parts.push(html`<h3>${say({ ja: 'エラー', en: 'Error' }, lang)} [<span data-error-code>${run.error_code}</span>] ${errorTitle(run.error_code, lang)}${kindNote}</h3>`);
    // The ledger keeps the message and hint in Japanese, the operators' language.
    parts.push(html`<p><span class="label">${say({ ja: '内容', en: 'What happened' }, lang)}:</span> ${scrubText(run.error_message ?? '')}</p>`);
    parts.push(html`<p data-hint><span class="label">${say({ ja: '対処', en: 'What to do' }, lang)}:</span> ${scrubText(run.error_hint ?? '')}</p>`);
    if (advice && run.status !== 'held') parts.push(html`<p>${say(advice, lang)}</p>`);
  }
  if (run.status === 'succeeded') {
    parts.push(html`<ul>${SUCCESS_ADVICE.map((advice) => html`<li>${say(advice, lang)}</li>`)}</ul>`);
  } else if (run.status === 'held') {
    parts.push(html`<p>${say(HELD_ADVICE, lang)}</p>`);
    parts.push(html`<p><span class="command">${approveCommand(run.id)}</span></p>`);
  } else if (run.status === 'running') {
    parts.push(html`<p>${say(RUNNING_ADVICE, lang)}</p>`);
  }
  return html`<div class="next ${run.status}">
${lines(parts)}
</div>`;
}

function countsSection(run: RunRow, diff: Record<string, number> | null, lang: Lang): Html {
  const unit = lang === 'ja' ? html`<span class="unit">件</span>` : '';
  const cards = COUNT_TEXT.map(({ key, label }) =>
    html`<div class="count"><span class="label">${say(label, lang)}</span><span class="value" data-count="${key}">${formatCount(run[key])}</span>${unit}</div>`);
  const breakdown = diff && run.mode === 'diff'
    ? html`\n<p class="muted">${say({
      ja: '差分の内訳: PMH 登録済み {before} 件 / 新規 {added} 件 / 変更 {changed} 件 / 変更なし {unchanged} 件 / 削除 {gone} 件',
      en: 'Differential: held by PMH {before} / new {added} / changed {changed} / unchanged {unchanged} / gone {gone}',
    }, lang, {
      before: formatCount(diff.before ?? null), added: formatCount(diff.added ?? null), changed: formatCount(diff.changed ?? null),
      unchanged: formatCount(diff.unchanged ?? null), gone: formatCount(diff.gone ?? null),
    })}</p>`
    : '';
  return html`<div class="counts">
${lines(cards)}
</div>${breakdown}`;
}

function timelineSection(steps: StepRow[], lang: Lang): Html {
  if (steps.length === 0) return html`<p>${say({ ja: '記録された手順はありません。', en: 'No step was recorded.' }, lang)}</p>`;
  const headers = [
    '#', say({ ja: '手順', en: 'Step' }, lang), say({ ja: '状態', en: 'Status' }, lang), say({ ja: '開始（日本時間）', en: 'Started (JST)' }, lang),
    say({ ja: '所要時間', en: 'Duration' }, lang), say({ ja: 'エラーコード', en: 'Error' }, lang),
  ];
  const rows = steps.map((step) => {
    const status = STEP_STATUS_TEXT[step.status];
    const message = step.error_message ? html`<br><span class="muted">${scrubText(step.error_message)}</span>` : '';
    const error = step.error_code ? html`<td>${step.error_code}${message}</td>` : td('');
    return [
      td(step.seq, 'num'), html`<td class="nowrap" title="${step.name}">${stepLabel(step.name, lang)}</td>`,
      td(status ? say(status, lang) : step.status, `nowrap ${step.status}`), td(localTime(step.started_at), 'nowrap'),
      td(formatDuration(step.started_at, step.ended_at, lang), 'num'), error,
    ];
  });
  return table(headers, rows);
}

/** Per file of a run that did not succeed: where it stands at PMH and what a replay does with it. */
function standingsPart(runId: string, standings: readonly FileStanding[], lang: Lang): Html {
  const items = standings.map((s) =>
    html`<li data-file="${s.fileName}" data-at="${s.at}" data-replay="${s.replay}"><code>${s.fileName}</code>${say({ ja: '（{rows} 件）', en: ' ({rows} rows)' }, lang, { rows: formatCount(s.rows) })}: ${standingText(s, lang)}</li>`);
  return html`
<p id="standings">${say({ ja: 'ファイルごとの PMH での状態と、再実行（pmh-bot replay）での扱い:', en: 'Where each file stands at PMH, and what a replay (pmh-bot replay) does with it:' }, lang)}</p>
<ul>
${lines(items)}
</ul>
<p class="muted">${dryRunText(runId, lang)}</p>`;
}

function uploadsSection(data: ReportData, lang: Lang): Html {
  const { uploads, standings } = data;
  if (uploads.length === 0) return html`<p>${say({ ja: 'アップロードしたファイルはありません。', en: 'No file was uploaded.' }, lang)}</p>`;
  const headers = [
    say({ ja: '受給者証種別', en: 'Certificate type' }, lang), say({ ja: 'ファイル名', en: 'File' }, lang), say({ ja: '件数', en: 'Rows' }, lang),
    say({ ja: 'PMH 受付番号', en: 'PMH upload ID' }, lang), say({ ja: '状態', en: 'Status' }, lang),
    say({ ja: '正常件数', en: 'Accepted' }, lang), say({ ja: 'エラー件数', en: 'Rejected' }, lang),
  ];
  const rows = uploads.map((u) => [
    td(u.certificateTypeId), td(u.fileName), td(formatCount(u.rows), 'num'), td(u.pmhUploadId ?? '-'),
    td(uploadStatusLabel(u.status, lang)), td(formatCount(u.accepted), 'num'), td(formatCount(u.rejected), 'num'),
  ]);
  return standings.length > 0 ? html`${table(headers, rows)}${standingsPart(data.run.id, standings, lang)}` : table(headers, rows);
}

/** Where the whole list is: its CSV file in the run folder (record-lists.ts), or while that is missing the ledger. */
function listNote(total: number, fileName: string, data: ReportData, lang: Lang): Html {
  const list = join(data.run.run_dir, fileName);
  const more = total > REPORT_ROW_LIMIT
    ? say({ ja: '先頭 {shown} 件を表示しています（全 {total} 件）。', en: 'Showing the first {shown} of {total}. ' }, lang, { shown: REPORT_ROW_LIMIT, total })
    : '';
  const where = existsSync(list)
    ? say({ ja: '全件の一覧は {list} にあります（Excel で開けます）。', en: 'The whole list is in {list} (opens in Excel).' }, lang, { list })
    : say({
        ja: '全件は実行台帳 {ledger} に記録されています（一覧のファイルを書けませんでした。pmh-bot report で作り直せます）。',
        en: 'All of them are in the run ledger {ledger} (the list file could not be written; pmh-bot report writes it again).',
      }, lang, { ledger: data.ledgerPath });
  return html`<p class="muted" data-more="${Math.max(0, total - REPORT_ROW_LIMIT)}">${more}${where}</p>`;
}

function quarantineSection(entries: QuarantineEntry[], data: ReportData, lang: Lang): Html {
  if (data.quarantineCount === 0) return html`<p>${say({ ja: '保留したレコードはありません。', en: 'No record was held back.' }, lang)}</p>`;
  const headers = [
    say({ ja: '制度', en: 'Program' }, lang), say({ ja: '宛名番号', en: 'Resident no.' }, lang), say({ ja: '受給者証番号', en: 'Certificate' }, lang),
    say({ ja: '項目', en: 'Field' }, lang), say({ ja: '理由', en: 'Reason' }, lang),
  ];
  const rows = entries.map((e) => [
    td(e.programCode), td(e.residentNo), td(e.certificateId), td(e.field), td(scrubText(lang === 'ja' ? e.reasonJa : e.reasonEn)),
  ]);
  const intro = say({
    ja: 'これらのレコードはアップロードしていません。業務システムで宛名番号・受給者証番号を検索してデータを修正してください。修正後の実行で送られます。',
    en: 'These records were not uploaded. Look them up by resident and certificate number in the business system and fix them; a later run sends them.',
  }, lang);
  return html`<p>${intro}</p>
${table(headers, rows)}
${listNote(data.quarantineCount, HELD_BACK_FILE, data, lang)}`;
}

function rejectedSection(entries: RejectedEntry[], data: ReportData, lang: Lang): Html {
  if (data.rejectedCount === 0) return html`<p>${say({ ja: 'PMH でエラーになったレコードはありません。', en: 'PMH rejected no record.' }, lang)}</p>`;
  const headers = [
    say({ ja: 'PMH 受付番号', en: 'PMH upload ID' }, lang), say({ ja: '行', en: 'Line' }, lang), say({ ja: '宛名番号', en: 'Resident no.' }, lang),
    say({ ja: '受給者証番号', en: 'Certificate' }, lang), say({ ja: '項目', en: 'Column' }, lang), say({ ja: 'PMH のメッセージ', en: 'PMH\'s message' }, lang),
  ];
  const rows = entries.map((e) => [
    td(e.pmhUploadId), td(e.line ?? '-', 'num'), td(e.residentNo ?? '-'), td(e.certificateId ?? '-'), td(e.column), td(scrubText(e.message)),
  ]);
  return html`${table(headers, rows)}
${listNote(data.rejectedCount, REJECTED_ROWS_FILE, data, lang)}`;
}

function screenshotSection(shot: Screenshot | null, evidenceDir: string | null, lang: Lang): Html {
  if (!shot) {
    const evidence = evidenceDir
      ? html`\n<p>${say({ ja: '画面操作ごとのスクリーンショットは {dir} にあります。', en: 'The screenshots of each screen step are in {dir}.' }, lang, { dir: evidenceDir })}</p>`
      : '';
    return html`<p data-screenshot="none">${say({ ja: 'PMH の結果画面のスクリーンショットはありません（結果画面まで進んでいません）。', en: 'There is no screenshot of PMH\'s result screen (the run did not get that far).' }, lang)}</p>${evidence}`;
  }
  const caption = html`<p class="muted">${shot.path}</p>`;
  if (!shot.dataUri) return html`<p data-screenshot="missing">${shot.note ?? ''}</p>\n${caption}`;
  const alt = say({ ja: 'PMH の結果画面', en: 'PMH result screen' }, lang);
  // The data: URI is escaped like any value: base64 has no character to escape, so it arrives intact.
  return html`<img class="shot" data-screenshot="embedded" alt="${alt}" src="${shot.dataUri}">\n${caption}`;
}

async function renderRunReport(data: ReportData, lang: Lang): Promise<string> {
  const { run } = data;
  const status = RUN_STATUS_TEXT[run.status];
  const title = say({ ja: 'PMH 連携 実行レポート {id}', en: 'PMH upload run report {id}' }, lang, { id: run.id });
  const section = (heading: Bilingual, body: Html, id: string): Html => html`<section id="${id}">
<h2>${say(heading, lang)}</h2>
${body}
</section>`;
  const page = await html`<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<p class="status status-${run.status}" data-status="${run.status}">${say(status, lang)}</p>
${factsSection(run, lang)}
</header>
${section({ ja: '次に行うこと', en: 'What to do next' }, nextSection(run, lang), 'next')}
${section({ ja: '件数', en: 'Counts' }, countsSection(run, data.diff, lang), 'counts')}
${section({ ja: '処理の経過', en: 'Timeline' }, timelineSection(data.steps, lang), 'timeline')}
${section({ ja: 'アップロード', en: 'Uploads' }, uploadsSection(data, lang), 'uploads')}
${section({ ja: '保留レコード', en: 'Held-back records' }, quarantineSection(data.quarantine, data, lang), 'quarantine')}
${section({ ja: 'PMH でエラーになったレコード', en: 'Records PMH rejected' }, rejectedSection(data.rejected, data, lang), 'rejected')}
${section({ ja: 'PMH の結果画面', en: 'PMH result screen' }, screenshotSection(data.screenshot, data.evidenceDir, lang), 'screenshot')}
<footer>
${say({ ja: '作成 {at}（日本時間）。実行フォルダー: {dir}。実行台帳: {ledger}', en: 'Written {at} (JST). Run folder: {dir}. Ledger: {ledger}' }, lang, {
    at: tokyoDateTime(new Date().toISOString()), dir: run.run_dir, ledger: data.ledgerPath,
  })}<br>
${say({ ja: 'このレポートには個人番号・氏名・住所・生年月日は含まれません（宛名番号など業務システムの番号だけを記載しています）。', en: 'This report holds no My Number, name, address or date of birth: only the business systems\' record numbers.' }, lang)}
</footer>
</body>
</html>
`;
  return page.toString();
}
