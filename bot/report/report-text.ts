/**
 * The words an operator reads about a finished run, shared by the HTML report and the
 * notifications so both say the same thing the same way.
 */
import { errorCatalog } from '../../core/error-catalog.ts';
import { fillAny, type Bilingual, type FillArgs, type Lang } from '../../core/i18n.ts';
import type { RunCounts, RunStatus } from '../state/ledger.ts';

/** Like t(), in a given language: a text written in place must be given its placeholders' values. */
export function say<const T extends Bilingual>(text: T, lang: Lang, ...[params]: FillArgs<T['ja'] | T['en']>): string {
  return fillAny(text[lang], params ?? {});
}

export const RUN_STATUS_TEXT: Record<RunStatus, Bilingual> = {
  succeeded: { ja: '成功', en: 'Succeeded' },
  failed: { ja: '失敗', en: 'Failed' },
  held: { ja: '承認待ち', en: 'Held for approval' },
  running: { ja: '実行中', en: 'Running' },
};

const TRIGGER_TEXT: Record<string, Bilingual> = {
  manual: { ja: '手動', en: 'manual' },
  schedule: { ja: 'スケジュール', en: 'schedule' },
  demo: { ja: 'デモ', en: 'demo' },
  test: { ja: 'テスト', en: 'test' },
  replay: { ja: '再送', en: 'replay' },
};

export function triggerLabel(trigger: string, lang: Lang): string {
  const known = TRIGGER_TEXT[trigger];
  return known ? say(known, lang) : trigger;
}

export function modeLabel(mode: 'full' | 'diff' | null, lang: Lang): string {
  if (mode === 'full') return say({ ja: '全件', en: 'full' }, lang);
  if (mode === 'diff') return say({ ja: '差分', en: 'differential' }, lang);
  return '-';
}

/** The six counts of a run, in the order an operator reads them. */
export const COUNT_TEXT: readonly { key: keyof RunCounts; label: Bilingual }[] = [
  { key: 'extracted', label: { ja: '抽出件数', en: 'Extracted' } },
  { key: 'quarantined', label: { ja: '保留件数', en: 'Held back' } },
  { key: 'uploaded', label: { ja: '送信件数', en: 'Uploaded' } },
  { key: 'deleted', label: { ja: '削除件数', en: 'Deletions sent' } },
  { key: 'accepted', label: { ja: '正常件数', en: 'Accepted by PMH' } },
  { key: 'rejected', label: { ja: 'エラー件数', en: 'Rejected by PMH' } },
];

export const KIND_TEXT: Record<string, Bilingual> = {
  business: { ja: '業務エラー', en: 'business error' },
  system: { ja: 'システムエラー', en: 'system error' },
  critical: { ja: '設定・環境のエラー', en: 'critical error' },
};

/** What to do about any error of a kind, beside the error's own hint. */
export const KIND_ADVICE: Record<string, Bilingual> = {
  business: {
    ja: 'データまたは PMH の回答に問題があります。同じ内容のまま再実行しても解決しません。上の対処を行ってから、もう一度実行してください。',
    en: 'The data or PMH\'s answer is wrong. Running again unchanged will not help: act on the hint above first, then run again.',
  },
  system: {
    ja: '回線・PMH・ブラウザーなどの一時的な障害の可能性があります。原因が解消したら、もう一度実行してください（pmh-bot run）。',
    en: 'Possibly a temporary failure (network, PMH, browser). Once it is resolved, run again (pmh-bot run).',
  },
  critical: {
    ja: '設定または実行環境に問題があるため、処理を止めました。設定ファイル・環境変数を直してから実行してください。',
    en: 'The configuration or environment is wrong, so the run stopped. Fix the config file or environment variables, then run.',
  },
};

export const SUCCESS_ADVICE: readonly Bilingual[] = [
  {
    ja: '正常件数が送信件数と一致していることを確認してください。',
    en: 'Check that the accepted count equals the uploaded count.',
  },
  {
    ja: '保留件数が 0 でなければ、下の「保留レコード」で理由を確認し、業務システムのデータを修正してください（修正後の実行で送られます）。',
    en: 'If records were held back, see "Held-back records" below and fix the source data (they are sent by a later run).',
  },
  {
    ja: '結果画面のスクリーンショットで、PMH の処理結果を確認してください。',
    en: 'Check PMH\'s result in the result screenshot.',
  },
];

export const HELD_ADVICE: Bilingual = {
  ja: '変更件数が上限を超えたため、アップロード前に止めています。業務システムのデータと抽出 SQL を確認し、正しい変更であれば次のコマンドで承認してください（承認するとアップロードを続けます）。',
  en: 'The run stopped before upload because it would change too much. Check the source data and the extraction SQL; if the change is right, approve it with this command (the upload then goes on).',
};

export const RUNNING_ADVICE: Bilingual = {
  ja: 'この実行はまだ終わっていないか、途中で異常終了しました。終わってから、もう一度 pmh-bot report を実行してください。',
  en: 'This run has not finished, or it ended abnormally. Run pmh-bot report again once it has finished.',
};

export function approveCommand(runId: string): string {
  return `pmh-bot approve ${runId}`;
}

export function errorTitle(code: string, lang: Lang): string {
  const entry = (errorCatalog as Record<string, { title: Bilingual }>)[code];
  return entry ? entry.title[lang] : code;
}

const STEP_TEXT: Record<string, Bilingual> = {
  extract: { ja: '抽出', en: 'Extract' },
  shape: { ja: '整形・検証', en: 'Shape and validate' },
  deliver: { ja: '連携', en: 'Deliver' },
  approve: { ja: '承認', en: 'Approve' },
  'screen:login': { ja: 'ログイン', en: 'Log in' },
  'screen:logout': { ja: 'ログアウト', en: 'Log out' },
  'screen:retry-wait': { ja: '再試行までの待機', en: 'Wait before retrying' },
  'api:retry-wait': { ja: '再試行までの待機', en: 'Wait before retrying' },
  replay: { ja: '再実行の計画', en: 'Replay plan' },
  settle: { ja: '前回の送信の確定', en: 'Settle earlier deliveries' },
};

const STEP_PREFIX_TEXT: Record<string, Bilingual> = {
  'screen:upload': { ja: 'アップロード（{type}）', en: 'Upload ({type})' },
  'screen:result': { ja: '結果待ち（{type}）', en: 'Wait for result ({type})' },
  api: { ja: 'API 送信（{type}）', en: 'API delivery ({type})' },
  folder: { ja: 'フォルダー配置（{type}）', en: 'Drop folder ({type})' },
};

/** A step's name as an operator reads it; unknown names are shown as they are. */
export function stepLabel(name: string, lang: Lang): string {
  const known = STEP_TEXT[name];
  if (known) return say(known, lang);
  const cut = name.lastIndexOf(':');
  const prefix = cut > 0 ? STEP_PREFIX_TEXT[name.slice(0, cut)] : undefined;
  return prefix ? say(prefix, lang, { type: name.slice(cut + 1) }) : name;
}

export const STEP_STATUS_TEXT: Record<string, Bilingual> = {
  succeeded: { ja: '成功', en: 'succeeded' },
  failed: { ja: '失敗', en: 'failed' },
  running: { ja: '実行中', en: 'running' },
};

const UPLOAD_STATUS_TEXT: Record<string, Bilingual> = {
  pending: { ja: '未送信', en: 'not sent' },
  submitting: { ja: '送信中に停止（到達未確認）', en: 'stopped while sending (arrival unknown)' },
  delivered: { ja: 'フォルダーに配置済み', en: 'placed in the folder' },
  picked_up: { ja: '取り込み済み', en: 'taken by the batch tool' },
  registered: { ja: '受付済み（結果未確認）', en: 'registered (no result yet)' },
  done: { ja: '処理完了', en: 'done' },
  refused: { ja: '受付拒否', en: 'refused' },
  superseded: { ja: '送信しない（後の実行が送信済み）', en: 'not sent (a later run sent it)' },
};

export function uploadStatusLabel(status: string, lang: Lang): string {
  const known = UPLOAD_STATUS_TEXT[status];
  return known ? say(known, lang) : status;
}

/** 1 時間 2 分 3 秒 / 1 h 2 min 3 s; '-' while a run has no end. */
export function formatDuration(startedAt: string, endedAt: string | null, lang: Lang): string {
  if (!endedAt) return '-';
  let seconds = Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(startedAt)) / 1000));
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const units = lang === 'ja' ? ['時間', '分', '秒'] : ['h', 'min', 's'];
  const parts: string[] = [];
  if (hours) parts.push(`${hours} ${units[0]}`);
  if (hours || minutes) parts.push(`${minutes} ${units[1]}`);
  parts.push(`${seconds} ${units[2]}`);
  return parts.join(' ');
}

export function formatCount(value: number | null): string {
  return value === null ? '-' : value.toLocaleString('en-US');
}
