/** What the CLI says to an operator, in Japanese and English. */
import type { Bilingual } from '../../core/i18n.ts';

// `const` keeps each text's literal type, so t() checks the values its placeholders need.
function text<const T extends Record<string, Bilingual>>(entries: T): T {
  return entries;
}

export const cliText = text({
  runStarted: { ja: '実行を開始します（設定: {file}）', en: 'Starting a run (config: {file})' },
  runId: { ja: '実行 ID: {id}', en: 'Run ID: {id}' },
  succeeded: { ja: '結果: 成功', en: 'Result: succeeded' },
  held: { ja: '結果: 承認待ち（アップロードしていません）', en: 'Result: held for approval (nothing uploaded)' },
  approving: { ja: '実行 {id} を承認し、アップロードを続けます', en: 'Approving run {id} and continuing the upload' },
  diffCounts: {
    ja: '  差分: PMH 登録済み {before} 件 / 新規 {added} 件 / 変更 {changed} 件 / 変更なし {unchanged} 件 / 削除 {gone} 件',
    en: '  differential: held by PMH {before} / new {added} / changed {changed} / unchanged {unchanged} / deleted {gone}',
  },
  nothingChanged: { ja: '  前回 PMH に受け付けられた内容から変更がないため、アップロードしませんでした。', en: '  Nothing changed since PMH last accepted: nothing was uploaded.' },
  failed: { ja: '結果: 失敗', en: 'Result: failed' },
  counts: {
    ja: '  抽出 {extracted} 件 / 保留 {quarantined} 件 / アップロード {uploaded} 件 / PMH 受付 {accepted} 件 / PMH エラー {rejected} 件',
    en: '  extracted {extracted} / quarantined {quarantined} / uploaded {uploaded} / PMH accepted {accepted} / PMH rejected {rejected}',
  },
  uploadedFiles: { ja: 'アップロードしたファイル:', en: 'Uploaded files:' },
  uploadedFile: { ja: '  {path}（{rows} 件, 受付番号 {uploadId}, {status}）', en: '  {path} ({rows} rows, upload {uploadId}, {status})' },
  writtenFile: { ja: '  {path}（{rows} 件, 未アップロード）', en: '  {path} ({rows} rows, not uploaded)' },
  standingFiles: { ja: 'ファイル（PMH での状態と、再実行での扱い）:', en: 'Files (where each stands at PMH, and what a replay does with it):' },
  standingFile: { ja: '  {path}（{rows} 件）: {standing}', en: '  {path} ({rows} rows): {standing}' },
  screenshots: { ja: 'スクリーンショット: {dir}', en: 'Screenshots: {dir}' },
  resultFile: { ja: '処理結果: {path}', en: 'Result: {path}' },
  reportFile: { ja: '実行レポート: {path}', en: 'Run report: {path}' },
  runLog: { ja: 'ログ: {path}', en: 'Log: {path}' },
  ledger: { ja: '実行台帳: {path}（一覧は pmh-bot runs）', en: 'Run ledger: {path} (list with pmh-bot runs)' },
  quarantined: {
    ja: '保留したレコード {count} 件（アップロードしていません。業務システムのデータを確認してください）:',
    en: '{count} records held back (not uploaded; check the source data):',
  },
  quarantineLine: { ja: '  宛名番号 {residentNo} 受給者証 {certificateId}（{program}）: {reason}', en: '  resident {residentNo} certificate {certificateId} ({program}): {reason}' },
  quarantineMore: { ja: '  ほか {count} 件', en: '  and {count} more' },
  wholeList: { ja: '  全件の一覧（Excel で開けます）: {path}', en: '  The whole list (opens in Excel): {path}' },
  errorTitle: { ja: 'エラー [{code}] {title}', en: 'Error [{code}] {title}' },
  errorMessage: { ja: '  内容: {message}', en: '  What happened: {message}' },
  errorHint: { ja: '  対処: {hint}', en: '  What to do: {hint}' },
  configProblem: { ja: '  - {path}: {detail}', en: '  - {path}: {detail}' },
  noRuns: { ja: '実行の記録はまだありません（{path}）', en: 'No run recorded yet ({path})' },
  demoData: {
    ja: 'デモ用の業務システム（SQLite 3 ファイル）を作成しました: {dir}（受給者 {recipients} 人、有効な受給者証 {certificates} 件）',
    en: 'Created the demo business systems (3 SQLite files): {dir} ({recipients} recipients, {certificates} current certificates)',
  },
  demoSim: { ja: 'PMH シミュレーターを起動しました: {url}', en: 'Started the PMH simulator: {url}' },
  demoSimHistory: {
    ja: 'シミュレーターのアップロード履歴: {url}（ユーザー {user}、パスワードは環境変数 {env}）',
    en: 'Simulator upload history: {url} (user {user}, password in {env})',
  },
  demoHowToKeepSim: {
    ja: 'シミュレーターは終了しました。画面で履歴を確認するには pmh-bot demo --keep-sim を実行してください。',
    en: 'The simulator has stopped. Run pmh-bot demo --keep-sim to browse its history.',
  },
  demoKeepSim: { ja: 'シミュレーターを起動したままにします。終了するには Ctrl+C を押してください。', en: 'The simulator keeps running. Press Ctrl+C to stop.' },
  demoPassword: {
    ja: '環境変数 {env} が未設定のため、デモ用パスワード「{password}」を使います（デモのシミュレーター専用）。',
    en: '{env} is not set: using the demo password "{password}" (for the demo simulator only).',
  },
});

/** How a run's status reads to an operator. */
export const RUN_STATUS_TEXT = {
  running: { ja: '実行中', en: 'running' },
  succeeded: { ja: '成功', en: 'succeeded' },
  failed: { ja: '失敗', en: 'failed' },
  held: { ja: '承認待ち', en: 'held' },
} as const satisfies Record<string, Bilingual>;
