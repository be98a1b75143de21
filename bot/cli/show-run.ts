/**
 * `pmh-bot show <run>` and `pmh-bot replay --dry-run`: one run as an operator reads it —
 * its status and error with the hint, its lineage (the run it replays, the replays of it),
 * the timeline of its steps, what it sent to PMH, what it held back and what it left on disk.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lang, t, type Bilingual } from '../../core/i18n.ts';
import { cliText, RUN_STATUS_TEXT } from './cli-text.ts';
import { tokyoDateTime } from '../../core/clock.ts';
import type { Ledger, RunRow } from '../state/ledger.ts';
import { HELD_BACK_FILE, REJECTED_ROWS_FILE } from '../report/record-lists.ts';
import type { ReplayPlan } from '../pipeline/replay.ts';
import { isCrashed, type FileAction } from '../pipeline/lineage.ts';
import { stepLabel, uploadStatusLabel } from '../report/report-text.ts';
import { dryRunText, standingText, type FileStanding } from '../report/file-standing.ts';
import { formatTable } from './text-table.ts';

const SHOWN_ROWS = 20;

/** How many more there are than shown, and where the whole list is (record-lists.ts). */
function listLines(total: number, list: string, runId: string): string[] {
  const lines = total > SHOWN_ROWS ? [t({ ja: '  … ほか {n} 件', en: '  … {n} more' }, { n: total - SHOWN_ROWS })] : [];
  lines.push(existsSync(list)
    ? t(cliText.wholeList, { path: list })
    : t({ ja: '  全件の一覧のファイルはありません（pmh-bot report {runId} で作り直せます）', en: '  The whole list\'s file is not there (pmh-bot report {runId} writes it again)' }, { runId }));
  return lines;
}

function seconds(from: string, to: string | null): string {
  return to ? String(Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10) : '-';
}

export function statusText(run: RunRow): string {
  if (isCrashed(run)) return t({ ja: '中断（プロセスなし）', en: 'crashed (no process)' });
  return t(RUN_STATUS_TEXT[run.status]);
}

/**
 * `standings`: for a failed or crashed run, where each file stands at PMH and what a replay
 * does with it (pipeline/standings.ts).
 */
export function formatRun(ledger: Ledger, run: RunRow, standings: readonly FileStanding[] = []): string[] {
  const lines: string[] = [];
  const field = (label: Bilingual, value: string | number | null): void => {
    lines.push(`${t(label)}: ${value ?? '-'}`);
  };
  field({ ja: '実行 ID', en: 'Run' }, run.id);
  field({ ja: '状態', en: 'Status' }, statusText(run));
  field({ ja: '契機', en: 'Trigger' }, run.trigger);
  field({ ja: '基準日', en: 'Base date' }, run.base_date);
  field({ ja: '連携区分', en: 'Mode' }, run.mode === 'diff' ? t({ ja: '差分', en: 'differential' }) : run.mode === 'full' ? t({ ja: '全件', en: 'full' }) : null);
  field({ ja: '開始', en: 'Started' }, tokyoDateTime(run.started_at));
  field({ ja: '終了', en: 'Ended' }, run.ended_at ? tokyoDateTime(run.ended_at) : null);
  if (run.scheduled_at) field({ ja: '予定時刻', en: 'Scheduled' }, tokyoDateTime(run.scheduled_at));
  field({ ja: '所要秒', en: 'Seconds' }, seconds(run.started_at, run.ended_at));
  field({ ja: 'プロセス', en: 'Process' }, `${run.pid}@${run.host}`);
  lines.push(
    t(
      { ja: '件数: 抽出 {e} / 保留 {q} / 送信 {u} / 削除 {d} / PMH 受付 {a} / PMH エラー {r}', en: 'Counts: extracted {e} / held back {q} / sent {u} / deletions {d} / accepted {a} / rejected {r}' },
      { e: run.extracted, q: run.quarantined, u: run.uploaded, d: run.deleted, a: run.accepted ?? '-', r: run.rejected ?? '-' },
    ),
  );
  if (run.error_code) {
    lines.push('', t({ ja: 'エラー: {code}（{kind}）', en: 'Error: {code} ({kind})' }, { code: run.error_code, kind: run.error_kind ?? '' }));
    lines.push(`  ${run.error_message ?? ''}`);
    lines.push(t({ ja: '  対処: {hint}', en: '  What to do: {hint}' }, { hint: run.error_hint ?? '' }));
  }

  lines.push('', t({ ja: '系譜', en: 'Lineage' }));
  lines.push(`  ${t({ ja: '再実行元', en: 'replays' })}: ${run.parent_run_id ?? '-'}`);
  const replays = ledger.replaysOf(run.id);
  lines.push(`  ${t({ ja: 'この実行の再実行', en: 'replayed by' })}: ${replays.map((r) => `${r.id}（${statusText(r)}）`).join(', ') || '-'}`);

  lines.push('', t({ ja: '手順', en: 'Steps' }));
  const steps = ledger.steps(run.id);
  lines.push(
    formatTable(
      ['#', t({ ja: '手順', en: 'step' }), t({ ja: '状態', en: 'status' }), t({ ja: '開始', en: 'started' }), t({ ja: '秒', en: 's' }), t({ ja: 'エラー', en: 'error' })],
      steps.map((s) => [s.seq, stepLabel(s.name, lang()), t(RUN_STATUS_TEXT[s.status]), tokyoDateTime(s.started_at), seconds(s.started_at, s.ended_at), s.error_code ?? '']),
    ),
  );
  const uploads = ledger.uploads(run.id);
  if (uploads.length) {
    lines.push('', t({ ja: 'PMH への送信', en: 'Uploads' }));
    lines.push(
      formatTable(
        [t({ ja: '種別', en: 'type' }), t({ ja: 'ファイル', en: 'file' }), t({ ja: '件数', en: 'rows' }), t({ ja: '受付番号', en: 'PMH id' }), t({ ja: '状態', en: 'status' }), t({ ja: '受付', en: 'accepted' }), t({ ja: 'エラー', en: 'rejected' })],
        uploads.map((u) => [u.certificateTypeId, u.fileName, u.rows, u.pmhUploadId ?? '-', uploadStatusLabel(u.status, lang()), u.accepted ?? '-', u.rejected ?? '-']),
      ),
    );
  }
  if (standings.length) {
    lines.push('', t({ ja: 'ファイルごとの PMH での状態と、再実行での扱い', en: 'Where each file stands at PMH, and what a replay does with it' }));
    for (const s of standings) {
      lines.push(t({ ja: '  {file}（{rows} 件）: {standing}', en: '  {file} ({rows} rows): {standing}' }, { file: s.fileName, rows: s.rows, standing: standingText(s, lang()) }));
    }
    lines.push(`  ${dryRunText(run.id, lang())}`);
  }
  const held = ledger.quarantine(run.id, SHOWN_ROWS);
  const heldCount = ledger.quarantineCount(run.id);
  if (heldCount) {
    lines.push('', t({ ja: '保留したレコード（{n} 件）', en: 'Held-back records ({n})' }, { n: heldCount }));
    lines.push(
      formatTable(
        [t({ ja: '制度', en: 'program' }), t({ ja: '宛名番号', en: 'resident no.' }), t({ ja: '受給者証', en: 'certificate' }), t({ ja: '項目', en: 'field' }), t({ ja: '理由', en: 'reason' })],
        held.map((q) => [q.programCode, q.residentNo, q.certificateId, q.field, t({ ja: q.reasonJa, en: q.reasonEn })]),
      ),
    );
    lines.push(...listLines(heldCount, join(run.run_dir, HELD_BACK_FILE), run.id));
  }
  const rejected = ledger.rejected(run.id, SHOWN_ROWS);
  const rejectedCount = ledger.rejectedCount(run.id);
  if (rejectedCount) {
    lines.push('', t({ ja: 'PMH でエラーになった行（{n} 件）', en: 'Rows PMH rejected ({n})' }, { n: rejectedCount }));
    lines.push(
      formatTable(
        [t({ ja: '受付番号', en: 'PMH id' }), t({ ja: '行', en: 'line' }), t({ ja: '宛名番号', en: 'resident no.' }), t({ ja: '受給者証', en: 'certificate' }), t({ ja: '項目', en: 'column' }), t({ ja: '内容', en: 'message' })],
        rejected.map((r) => [r.pmhUploadId, r.line ?? '-', r.residentNo ?? '-', r.certificateId ?? '-', r.column, r.message]),
      ),
    );
    lines.push(...listLines(rejectedCount, join(run.run_dir, REJECTED_ROWS_FILE), run.id));
  }
  const artifacts = ledger.artifacts(run.id);
  if (artifacts.length) {
    lines.push('', t({ ja: '成果物', en: 'Artifacts' }));
    for (const a of artifacts) {
      lines.push(`  [${a.kind}] ${a.path}${a.purged_at ? t({ ja: '（削除済み {at}）', en: ' (purged {at})' }, { at: tokyoDateTime(a.purged_at) }) : ''}`);
    }
  }
  return lines;
}

const ACTION_TEXT = {
  answered: { ja: 'PMH が回答済み: 何もしません', en: 'PMH has answered: nothing to do' },
  'await-result': { ja: 'PMH が受付済み（{id}）: 再送せず結果だけを待ちます', en: 'acknowledged by PMH ({id}): only its result is awaited' },
  'look-up': { ja: '登録操作の途中で止まっています: PMH の履歴を確認し、なければ再送します（--confirm-resubmit）', en: 'stopped during submission: look it up in PMH\'s history; resend if absent (--confirm-resubmit)' },
  'look-up-or-stop': { ja: '登録操作の途中で止まっています: PMH の履歴を確認し、なければ止まって確認を求めます', en: 'stopped during submission: look it up in PMH\'s history; stop and ask if absent' },
  upload: { ja: '未送信: アップロードします', en: 'never sent: upload it' },
  superseded: { ja: '送りません: 後の実行が新しいデータで同じ内容を送っています', en: 'not sent: a later run sent the same records from fresh data' },
} as const satisfies Record<FileAction, Bilingual>;

export function formatReplayPlan(plan: ReplayPlan): string[] {
  const lines = [t({ ja: '再実行の計画（--dry-run: 何も実行していません）', en: 'Replay plan (--dry-run: nothing was done)' })];
  lines.push(t({ ja: '  元の実行: {id}（{status}）', en: '  parent run: {id} ({status})' }, { id: plan.parent.id, status: statusText(plan.parent) }));
  if (plan.kind === 're-extract') {
    lines.push(
      plan.reason === 'no-files'
        ? t({ ja: '  元の実行はファイルを作る前に止まっています: 抽出からやり直します。', en: '  The parent stopped before writing its files: start again from extraction.' })
        : t({ ja: '  --re-extract: 抽出からやり直します（元のファイルは送りません）。', en: '  --re-extract: start again from extraction (the parent\'s files are not sent).' }),
    );
    return lines;
  }
  lines.push(plan.stale
    ? t({ ja: '  このファイルを作った後に別の実行が PMH への登録を進めています: 新たには送らず、PMH にあるものの結果だけを確認します:', en: '  A later run advanced PMH since these files were written: nothing new is sent; what PMH holds has its result read:' })
    : t({ ja: '  保存済みのファイルを送ります（抽出しません）:', en: '  Deliver the stored files (no extraction):' }));
  for (const file of plan.files) {
    lines.push(`    ${file.fileName}（${file.rows}）: ${t(ACTION_TEXT[file.action], { id: file.pmhUploadId ?? '' })}`);
  }
  return lines;
}
