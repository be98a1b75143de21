/**
 * Every error the bot can report, under a permanent code. The code never changes once
 * shipped (operators and vendors search for it); title, message and hint may be improved.
 * Messages name the values involved, never personal data.
 */
import type { Bilingual } from './i18n.ts';

interface CatalogEntry {
  kind: 'business' | 'system' | 'critical';
  title: Bilingual;
  message: Bilingual;
  hint: Bilingual;
}

function entries<T extends Record<string, CatalogEntry>>(catalog: T): T {
  return catalog;
}

export const errorCatalog = entries({
  ConfigFileMissing: {
    kind: 'critical',
    title: { ja: '設定ファイルが見つかりません', en: 'Configuration file not found' },
    message: { ja: '設定ファイル {file} を読み込めません: {detail}', en: 'Cannot read configuration file {file}: {detail}' },
    hint: {
      ja: '--config で設定ファイルのパスを指定してください。ひな形は config/pmh-bot.example.yaml にあります。',
      en: 'Pass the configuration file with --config. A template is config/pmh-bot.example.yaml.',
    },
  },
  ConfigSyntax: {
    kind: 'critical',
    title: { ja: '設定ファイルの書式が正しくありません', en: 'Configuration file is not valid YAML' },
    message: { ja: '{file} の {line} 行目付近: {detail}', en: '{file} near line {line}: {detail}' },
    hint: {
      ja: 'YAML の字下げ（半角スペース）とコロンの後の空白を確認してください。タブ文字は使えません。',
      en: 'Check the indentation (spaces) and the space after each colon. Tabs are not allowed.',
    },
  },
  ConfigInvalid: {
    kind: 'critical',
    title: { ja: '設定ファイルの内容が正しくありません', en: 'Configuration is invalid' },
    message: { ja: '{file} の {path}: {detail}', en: '{file} at {path}: {detail}' },
    hint: {
      ja: '{path} の値を config/pmh-bot.example.yaml の説明に従って修正してから、もう一度実行してください。何も処理していません。',
      en: 'Fix {path} as described in config/pmh-bot.example.yaml and run again. Nothing was processed.',
    },
  },
  SecretMissing: {
    kind: 'critical',
    title: { ja: '必要な秘密情報が設定されていません', en: 'A required secret is not set' },
    message: { ja: '環境変数 {env}（設定 {path}）が設定されていないか空です。', en: 'Environment variable {env} (config {path}) is not set or empty.' },
    hint: {
      ja: 'ボットを実行するアカウントの環境変数 {env} にパスワード等を設定してください。設定ファイルに直接書かないでください。',
      en: 'Set the environment variable {env} for the account that runs the bot. Never write the value in the config file.',
    },
  },
  FileNotFound: {
    kind: 'critical',
    title: { ja: '設定で指定されたファイルがありません', en: 'A file named in the configuration is missing' },
    message: { ja: '{path} で指定された {file} がありません。', en: '{file}, named at {path}, does not exist.' },
    hint: {
      ja: 'パスを確認してください。相対パスは設定ファイルのあるフォルダーを基準にします。',
      en: 'Check the path. Relative paths are resolved from the configuration file\'s folder.',
    },
  },
  SourceUnreachable: {
    kind: 'system',
    title: { ja: '業務システムのデータベースに接続できません', en: 'Cannot connect to a source database' },
    message: { ja: 'データソース {source}（{client}）に接続できません: {detail}', en: 'Cannot connect to source {source} ({client}): {detail}' },
    hint: {
      ja: 'データベースが起動しているか、接続先・ポート・ユーザー・パスワード（環境変数）を確認してください。',
      en: 'Check that the database is up and the host, port, user and password (environment variable) are right.',
    },
  },
  QueryNotReadOnly: {
    kind: 'critical',
    title: { ja: '読み取り専用でない SQL は実行できません', en: 'Only read-only SQL may run' },
    message: { ja: '{file} は SELECT または WITH で始まる 1 文ではありません（{detail}）。', en: '{file} is not a single SELECT or WITH statement ({detail}).' },
    hint: {
      ja: '抽出 SQL は参照（SELECT）のみ記述できます。更新・削除・複数文は書かないでください。',
      en: 'Extraction SQL may only read (SELECT). Do not write updates, deletes or several statements.',
    },
  },
  QueryParameterMissing: {
    kind: 'critical',
    title: { ja: 'SQL のパラメーターに値がありません', en: 'A SQL parameter has no value' },
    message: { ja: '{file} のパラメーター :{name} に渡す値がありません。', en: 'Parameter :{name} in {file} has no value.' },
    hint: {
      ja: '使えるパラメーターは :base_date と :program_code です。SQL の綴りを確認してください。',
      en: 'The available parameters are :base_date and :program_code. Check the spelling in the SQL.',
    },
  },
  QueryFailed: {
    kind: 'system',
    title: { ja: '抽出 SQL の実行に失敗しました', en: 'An extraction query failed' },
    message: { ja: 'データソース {source} で {file} の実行に失敗しました: {detail}', en: 'Running {file} on source {source} failed: {detail}' },
    hint: {
      ja: 'SQL の表名・列名が業務システムと合っているか確認してください。一時的な障害なら、もう一度実行すると回復します。',
      en: 'Check the table and column names in the SQL. If the failure was temporary, running again recovers.',
    },
  },
  QueryColumnMissing: {
    kind: 'critical',
    title: { ja: '抽出 SQL の結果に必要な列がありません', en: 'An extraction query lacks a required column' },
    message: { ja: '{file} の結果に列 {column} がありません。', en: 'The result of {file} has no column {column}.' },
    hint: {
      ja: 'SQL の SELECT 句で {column} という別名（AS {column}）を付けてください。必要な列はベンダーガイドを参照してください。',
      en: 'Alias a column AS {column} in the SELECT list. The vendor guide lists the required columns.',
    },
  },
  ExportFileMissing: {
    kind: 'system',
    title: { ja: 'EUC 出力ファイルがありません', en: 'An EUC export file is missing' },
    message: { ja: 'データソース {source} のファイル {file} がありません。', en: 'File {file} of source {source} does not exist.' },
    hint: {
      ja: '業務システムの EUC 出力（ファイル出力）が終わっているか、出力先フォルダーが設定と合っているか確認し、出力後にもう一度実行してください。',
      en: 'Check that the business system\'s export has run and writes to the configured path, then run again.',
    },
  },
  ExportFileInvalid: {
    kind: 'business',
    title: { ja: 'EUC 出力ファイルを読み取れません', en: 'An EUC export file cannot be read' },
    message: { ja: 'データソース {source} のファイル {file}: {detail}', en: 'File {file} of source {source}: {detail}' },
    hint: {
      ja: 'ファイルの形式（区切り文字・文字コード・見出し行・列の定義）が設定と合っているか確認してください。ファイルの一部だけを取り込むことはしません。ファイルの中身は個人情報のため表示していません。',
      en: 'Check that the format (delimiter, encoding, header, columns) matches the config. Nothing from the file was used; its content is not shown.',
    },
  },
  SourceEmpty: {
    kind: 'business',
    title: { ja: '抽出結果が 0 件のデータソースがあります', en: 'A source returned no rows' },
    message: { ja: 'データソース {source}（{what}）の抽出結果が 0 件でした。アップロードしていません。', en: 'Source {source} ({what}) returned no rows. Nothing was uploaded.' },
    hint: {
      ja: '{consequence}業務システムの抽出・出力が正常に終わったか確認してください。',
      en: '{consequence}Check that the extraction or export completed normally.',
    },
  },
  TooManyInvalidRecords: {
    kind: 'business',
    title: { ja: '不正なレコードが多すぎるため中止しました', en: 'Stopped: too many invalid records' },
    message: {
      ja: '{total} 件中 {invalid} 件が検証エラーです（上限 {limit}）。アップロードしていません。',
      en: '{invalid} of {total} records failed validation (limit {limit}). Nothing was uploaded.',
    },
    hint: {
      ja: '実行レポートの「保留レコード」で理由と宛名番号を確認し、業務システムのデータを修正してから再実行してください。',
      en: 'See the quarantined records in the run report, fix the source data, and run again.',
    },
  },
  MassChangeGuard: {
    kind: 'business',
    title: { ja: '変更件数が多すぎるため、アップロード前に止めました', en: 'Stopped before upload: too many changes' },
    message: {
      ja: 'PMH に登録済み {before} 件に対し、削除 {deleted} 件・変更 {changed} 件（{ratio}、上限 {limit}）、今回の対象 {population} 件です。',
      en: 'Of {before} records held by PMH, {deleted} would be deleted and {changed} changed ({ratio}, limit {limit}); today\'s population is {population}.',
    },
    hint: {
      ja: '業務システムのデータや抽出 SQL に誤りがないか確認してください。正しい変更であれば `pmh-bot approve {runId}` で承認するとアップロードを続けます。',
      en: 'Check the source data and the extraction SQL. If the change is right, `pmh-bot approve {runId}` continues the upload.',
    },
  },
  FullModeSplit: {
    kind: 'critical',
    title: { ja: '全件連携のファイルが分割されました', en: 'A full upload was split into several files' },
    message: {
      ja: '受給者証種別 {type} の {rows} 件が {parts} ファイルに分かれました。全件連携では後のファイルが前のファイルの内容を置き換えるおそれがあるため、アップロードしていません。',
      en: 'The {rows} records of type {type} were split into {parts} files. In full mode a later file may replace an earlier one, so nothing was uploaded.',
    },
    hint: {
      ja: '差分連携（pmh.mode: diff）にするか、レイアウト定義の max_rows_per_file / max_bytes_per_file を見直してください。',
      en: 'Use differential mode (pmh.mode: diff), or review max_rows_per_file / max_bytes_per_file in the layout.',
    },
  },
  RunNotApprovable: {
    kind: 'critical',
    title: { ja: 'この実行は承認できません', en: 'This run cannot be approved' },
    message: { ja: '実行 {runId} は承認待ちではありません（状態: {status}）。{detail}', en: 'Run {runId} is not waiting for approval (status: {status}). {detail}' },
    hint: {
      ja: '`pmh-bot runs` で状態を確認してください。古い実行は承認せず、もう一度 `pmh-bot run` を実行してください。',
      en: 'Check with `pmh-bot runs`. Do not approve a stale run; run again instead.',
    },
  },
  NothingToUpload: {
    kind: 'business',
    title: { ja: 'アップロードするレコードがありません', en: 'No record to upload' },
    message: { ja: '抽出結果が 0 件でした（基準日 {baseDate}）。', en: 'The extraction returned no record (base date {baseDate}).' },
    hint: {
      ja: '基準日と抽出 SQL の条件を確認してください。業務システムが空でないかも確認してください。',
      en: 'Check the base date and the conditions of the extraction SQL.',
    },
  },
  BrowserNotFound: {
    kind: 'critical',
    title: { ja: 'ブラウザーが見つかりません', en: 'No browser found' },
    message: { ja: '利用できるブラウザーが見つかりません（{detail}）。', en: 'No usable browser was found ({detail}).' },
    hint: {
      ja: 'Edge または Chrome をインストールするか、設定 browser.executable_path にブラウザーの実行ファイルを指定してください。Debian/Ubuntu では `apt-get install chromium`。',
      en: 'Install Edge or Chrome, or set browser.executable_path. On Debian/Ubuntu: apt-get install chromium.',
    },
  },
  BrowserFailed: {
    kind: 'system',
    title: { ja: 'ブラウザーの操作に失敗しました', en: 'The browser failed' },
    message: { ja: '手順「{step}」でブラウザーが異常終了しました: {detail}', en: 'The browser failed at step "{step}": {detail}' },
    hint: {
      ja: '一時的な障害の可能性があります。もう一度実行してください。続く場合はベンダーに連絡してください。',
      en: 'Possibly temporary. Run again; if it persists, contact the vendor.',
    },
  },
  PmhUnreachable: {
    kind: 'system',
    title: { ja: 'PMH の画面に接続できません', en: 'Cannot reach the PMH screen' },
    message: { ja: '{url} に接続できません: {detail}', en: 'Cannot reach {url}: {detail}' },
    hint: {
      ja: 'LGWAN 回線・プロキシ設定を確認してください。回線が戻ったら、もう一度実行してください。',
      en: 'Check the LGWAN line and proxy settings, then run again.',
    },
  },
  LoginFailed: {
    kind: 'business',
    title: { ja: 'PMH にログインできません', en: 'PMH login failed' },
    message: { ja: 'ユーザー ID またはパスワードが受け付けられませんでした（画面表示: {detail}）。', en: 'The user ID or password was refused (screen said: {detail}).' },
    hint: {
      ja: '自動では再試行しません（アカウントがロックされるのを防ぐため）。PMH の利用者 ID と環境変数のパスワードを確認してください。',
      en: 'Not retried, to avoid locking the account. Check the PMH user ID and the password environment variable.',
    },
  },
  ScreenChanged: {
    kind: 'system',
    title: { ja: 'PMH の画面が想定と異なります', en: 'The PMH screen is not as expected' },
    message: { ja: '手順「{step}」で「{element}」が見つかりません: {detail}', en: 'At step "{step}", "{element}" was not found: {detail}' },
    hint: {
      ja: 'PMH の画面が変更された可能性があります。証跡フォルダーのスクリーンショットを確認し、画面プロファイルの修正をベンダーに依頼してください。',
      en: 'The PMH screen may have changed. Check the screenshots and have the screen profile updated.',
    },
  },
  UploadRefused: {
    kind: 'business',
    title: { ja: 'PMH がファイルを受け付けませんでした', en: 'PMH refused the file' },
    message: { ja: '受付番号 {uploadId}（{fileName}）: {detail}', en: 'Upload {uploadId} ({fileName}): {detail}' },
    hint: {
      ja: 'PMH のエラー一覧（証跡フォルダー）を確認し、レイアウト設定を見直してください。同じファイルを再送しないでください。',
      en: 'Check PMH\'s error list in the evidence folder and the layout. Do not resend the same file.',
    },
  },
  RecordsRejected: {
    kind: 'business',
    title: { ja: 'PMH が一部のレコードを受け付けませんでした', en: 'PMH rejected some records' },
    message: { ja: '{rejected} 件が PMH でエラーになりました（受付 {accepted} 件）。', en: 'PMH rejected {rejected} records (accepted {accepted}).' },
    hint: {
      ja: '実行レポートのエラー一覧で宛名番号と理由を確認し、業務システムのデータを修正してください。受け付けられたレコードは再送不要です。',
      en: 'See the rejected rows with their resident numbers in the run report and fix the source data. Accepted records need no resend.',
    },
  },
  ResultTimeout: {
    kind: 'system',
    title: { ja: 'PMH の処理結果を待ちきれませんでした', en: 'Timed out waiting for PMH\'s result' },
    message: { ja: '受付番号 {uploadId} が {seconds} 秒たっても完了しませんでした（最後の状態: {status}）。', en: 'Upload {uploadId} did not finish within {seconds} s (last status: {status}).' },
    hint: {
      ja: 'ファイルは PMH に届いています。再送せず、後で PMH のアップロード履歴で結果を確認してください。',
      en: 'The file reached PMH. Do not resend; check the upload history later.',
    },
  },
  RunLocked: {
    kind: 'critical',
    title: { ja: '別の実行が動いています', en: 'Another run is in progress' },
    message: { ja: '実行 {runId}（プロセス {pid}）が動作中のため開始しませんでした。', en: 'Run {runId} (process {pid}) is in progress; not started.' },
    hint: {
      ja: '前の実行が終わるのを待ってください。',
      en: 'Wait for the running one to finish.',
    },
  },
  RunNotFound: {
    kind: 'critical',
    title: { ja: '指定された実行がありません', en: 'No such run' },
    message: { ja: '実行 ID {runId} は実行台帳にありません。', en: 'Run {runId} is not in the ledger.' },
    hint: { ja: '`pmh-bot runs` で実行 ID を確認してください。', en: 'List the runs with `pmh-bot runs`.' },
  },
  UnexpectedFailure: {
    kind: 'system',
    title: { ja: '予期しないエラーが発生しました', en: 'Unexpected failure' },
    message: { ja: '{detail}', en: '{detail}' },
    hint: {
      ja: 'ログファイルを添えてベンダーに連絡してください。一時的な障害なら、もう一度実行すると回復します。',
      en: 'Contact the vendor with the log file. If temporary, running again recovers.',
    },
  },
});

export type ErrorCode = keyof typeof errorCatalog;
