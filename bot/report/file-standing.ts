/**
 * Where each file of a run that did not succeed stands at PMH, and what `pmh-bot replay`
 * would do with it, in the words the terminal summary, `pmh-bot show` and the run report
 * share. The pipeline fills it in from the ledger exactly as a replay reads it
 * (pipeline/standings.ts): nothing here decides anything, and a file PMH acknowledged is
 * never called "not uploaded".
 */
import type { Lang } from '../../core/i18n.ts';
import { formatCount, say } from './report-text.ts';

/**
 * What the most advanced record of the file says it is at PMH:
 * - registered / done / refused: PMH acknowledged it (受付番号; through the API, no number);
 * - picked-up / in-folder: the drop folder's batch tool took it / it waits in the folder;
 * - maybe: the final submit (or an API request) was made and no acknowledgement read;
 * - none: PMH holds nothing of it.
 */
export type FileAt = 'registered' | 'done' | 'refused' | 'picked-up' | 'in-folder' | 'maybe' | 'none';

/**
 * What `pmh-bot replay <run>` does with the file: nothing (PMH answered), fetch its result,
 * look in PMH's history before anything is sent, send it, leave it in the drop folder
 * where it already is, not send it (a later run sent the same records, or the replay
 * extracts again), or nothing it can (the file is gone).
 */
export type FileReplay = 'nothing' | 'fetch-result' | 'look-up' | 'send' | 'leave-in-folder' | 'superseded' | 're-extract' | 'file-gone';

export interface FileStanding {
  fileName: string;
  /** The file as written (null when the ledger does not have it). */
  path: string | null;
  rows: number;
  at: FileAt;
  /** Sent through the registration API: no 受付番号, and no upload history to look in. */
  api: boolean;
  pmhUploadId: string | null;
  accepted: number | null;
  rejected: number | null;
  replay: FileReplay;
}

function atText(s: FileStanding, lang: Lang): string {
  const id = s.pmhUploadId ?? '-';
  const counts = { accepted: formatCount(s.accepted), rejected: formatCount(s.rejected) };
  switch (s.at) {
    case 'registered':
      return say({ ja: 'PMH 受付済み（受付番号 {id}）、処理結果は未確認', en: 'acknowledged by PMH (upload {id}), its result not yet known' }, lang, { id });
    case 'done':
      return s.pmhUploadId
        ? say({ ja: 'PMH 受付済み（受付番号 {id}）、処理済み（正常 {accepted} 件 / エラー {rejected} 件）', en: 'acknowledged by PMH (upload {id}) and processed ({accepted} accepted / {rejected} rejected)' }, lang, { id, ...counts })
        : say({ ja: 'PMH が登録 API で受付済み、処理済み（正常 {accepted} 件 / エラー {rejected} 件）', en: 'taken by PMH through the registration API and processed ({accepted} accepted / {rejected} rejected)' }, lang, counts);
    case 'refused':
      return s.pmhUploadId
        ? say({ ja: 'PMH 受付済み（受付番号 {id}）、ファイル全体が受付拒否', en: 'acknowledged by PMH (upload {id}) and refused as a whole' }, lang, { id })
        : say({ ja: 'PMH が登録 API の送信を拒否', en: 'PMH refused a request of the registration API' }, lang);
    case 'picked-up':
      return say({ ja: 'バッチツールが受け渡しフォルダーから取り込み済み', en: 'taken from the drop folder by the batch tool' }, lang);
    case 'in-folder':
      return say({ ja: '受け渡しフォルダーに配置済み（バッチツールの取り込み待ち）', en: 'placed in the drop folder, not yet taken by the batch tool' }, lang);
    case 'maybe':
      return s.api
        ? say({ ja: 'PMH に一部または全部が届いた可能性あり（登録 API で送信中に停止）', en: 'some or all of it may have reached PMH (stopped while sending through the registration API)' }, lang)
        : say({ ja: 'PMH に届いた可能性あり（登録の操作後、受付番号を確認する前に停止）', en: 'may have reached PMH (the final submit was made, no acknowledgement was read)' }, lang);
    case 'none':
      return say({ ja: '未アップロード（PMH には何も登録されていません）', en: 'not uploaded (PMH holds nothing of it)' }, lang);
  }
}

function replayText(s: FileStanding, lang: Lang): string {
  switch (s.replay) {
    case 'nothing':
      return say({ ja: 'pmh-bot replay は再送しません', en: 'pmh-bot replay will not send it again' }, lang);
    case 'fetch-result':
      return say({ ja: 'pmh-bot replay は再送せず、処理結果だけを取りに行きます', en: 'pmh-bot replay will not send it again, only fetch its result' }, lang);
    case 'look-up':
      return s.api
        ? say({
          ja: 'pmh-bot replay は PMH が回答した分を再送しません（応答のなかった分は届いたか確かめられないため、止まって確認を求めます）',
          en: 'pmh-bot replay will not resend what PMH answered (whether records whose request got no answer arrived cannot be checked: it stops and asks)',
        }, lang)
        : say({
          ja: 'pmh-bot replay は先に PMH のアップロード履歴を確認し、二重には送りません（履歴にあれば結果を取りに行き、なければ止まって確認を求めます）',
          en: 'pmh-bot replay looks in PMH\'s upload history first and never sends it twice (found: it fetches the result; not found: it stops and asks)',
        }, lang);
    case 'send':
      return say({ ja: 'pmh-bot replay で送ります', en: 'pmh-bot replay will send it' }, lang);
    case 'leave-in-folder':
      return say({ ja: 'pmh-bot replay は置き直しません', en: 'pmh-bot replay will not place it again' }, lang);
    case 'superseded':
      return say({ ja: 'pmh-bot replay は送りません（後の実行が新しいデータで同じ内容を送っています）', en: 'pmh-bot replay will not send it (a later run sent the same records from fresh data)' }, lang);
    case 're-extract':
      return say({ ja: 'このファイルは送りません（pmh-bot replay は抽出からやり直します）', en: 'this file will not be sent (pmh-bot replay starts again from extraction)' }, lang);
    case 'file-gone':
      return say({ ja: 'ファイルが削除されているため、pmh-bot replay では送れません（pmh-bot replay --re-extract なら最新のデータで作り直します）', en: 'the file is gone, so pmh-bot replay cannot send it (pmh-bot replay --re-extract starts again from fresh data)' }, lang);
  }
}

/** Where the file stands and what a replay does with it, as one sentence. */
export function standingText(s: FileStanding, lang: Lang): string {
  return lang === 'ja' ? `${atText(s, lang)}。${replayText(s, lang)}。` : `${atText(s, lang)}; ${replayText(s, lang)}.`;
}

/** Said once under the files: the plan can be read before anything is done. */
export function dryRunText(runId: string, lang: Lang): string {
  return say({
    ja: '再実行する前に pmh-bot replay {runId} --dry-run で、ファイルごとに何をするかを確認できます（何も実行しません）。',
    en: 'pmh-bot replay {runId} --dry-run shows what a replay would do with each file, without doing anything.',
  }, lang, { runId });
}
