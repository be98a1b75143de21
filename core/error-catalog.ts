/**
 * Every error the bot can report, under a permanent code. The code never changes once
 * shipped (operators and vendors search for it); title, message and hint may be improved.
 * Messages name the values involved, never personal data.
 *
 * The texts' `{name}` placeholders are the error's parameters: the catalog keeps every
 * text as a literal type, so `pmhError(code, params)` requires exactly the names that
 * code's title, message and hint use (see ErrorParamsOf). Adding `{name}` to a text makes
 * every call site that does not pass `name` a compile error.
 */
import type { Bilingual, FillParams, PlaceholdersOf } from './i18n.ts';

interface CatalogEntry {
  kind: 'business' | 'system' | 'critical';
  title: Bilingual;
  message: Bilingual;
  hint: Bilingual;
}

// `const` keeps each text's literal type, from which the parameters are read.
function entries<const T extends Record<string, CatalogEntry>>(catalog: T): T {
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
      ja: 'LGWAN 回線・DNS・プロキシ設定を確認してください（`pmh-bot doctor` で確認できます）。一時的な障害は自動で再試行します。回線が戻ったら、もう一度実行してください。',
      en: 'Check the LGWAN line, DNS and proxy settings (`pmh-bot doctor` helps). Temporary failures are retried automatically; once the line is back, run again.',
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
    kind: 'business',
    title: { ja: 'PMH の画面が想定と異なります', en: 'The PMH screen is not as expected' },
    message: { ja: '手順「{step}」で「{element}」が見つかりません: {detail}', en: 'At step "{step}", "{element}" was not found: {detail}' },
    hint: {
      ja: 'PMH の画面が変更された可能性があります。証跡フォルダーのスクリーンショットと HTML を確認し、画面プロファイルの修正をベンダーに依頼してください（pmh-bot profile check で確かめられます）。再実行しても同じ結果になります。',
      en: 'The PMH screen may have changed. Check the screenshots and HTML in the evidence folder and have the screen profile updated (pmh-bot profile check tests it). Running again gives the same result.',
    },
  },
  ScreenProfileMismatch: {
    kind: 'business',
    title: { ja: '画面プロファイルと PMH の画面が合いません', en: 'The screen profile does not match the PMH screen' },
    message: {
      ja: '手順「{step}」: 画面プロファイルの {key}（{file} の {line} 行目）にある {lookedFor} が画面にありません（新しいブラウザーでもう一度試しても同じでした）。画面にあったもの: {offered}',
      en: 'At step "{step}": {lookedFor}, from the screen profile\'s {key} ({file} line {line}), is not on the screen (the same again from a fresh browser). The screen showed: {offered}',
    },
    hint: {
      ja: '証跡フォルダーのスクリーンショットと HTML で画面を確認し、画面プロファイルのこの項目を画面に合わせて直してください（書き方は docs/screen-profile.md、確認は pmh-bot profile check）。PMH の画面が変わった可能性もあります。直すまでは再実行しても同じ結果になります。',
      en: 'Check the screenshot and HTML in the evidence folder and correct this key of the screen profile to match the screen (docs/screen-profile.md; test it with pmh-bot profile check). The PMH screen may have changed. Until it is corrected, running again gives the same result.',
    },
  },
  ErrorListColumns: {
    kind: 'business',
    title: { ja: 'PMH のエラー一覧を読めません', en: 'PMH\'s error list cannot be read' },
    message: {
      ja: '受付番号 {uploadId} のエラー一覧に、画面プロファイルの {key}（{file} の {line} 行目）の列「{column}」がありません。エラー一覧の列: {header}',
      en: 'The error list of upload {uploadId} has no column "{column}" named by the screen profile\'s {key} ({file} line {line}). Its columns: {header}',
    },
    hint: {
      ja: 'エラーになった行がどの対象者か分からないため、PMH の結果はまだ反映していません。画面プロファイルの errors.columns と errors.encoding を、証跡フォルダーのエラー一覧（pmh-errors-*.csv）に合わせて直してから、もう一度実行してください。PMH の結果を受付番号で取り直すので、二重に送ることはありません。',
      en: 'PMH\'s answer has not been applied: the rows it rejected cannot be traced to recipients. Correct errors.columns and errors.encoding in the screen profile to match the error list in the evidence folder (pmh-errors-*.csv), then run again: PMH\'s result is fetched again by its upload ID, nothing is sent twice.',
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
      ja: 'ファイルは PMH に届いています。再送せず、後で `pmh-bot replay {runId}` を実行してください（再送せずに結果だけを読み取ります）。',
      en: 'The file reached PMH. Do not resend; run `pmh-bot replay {runId}` later (it reads the result without resending).',
    },
  },
  PmhMaintenance: {
    kind: 'system',
    title: { ja: 'PMH がメンテナンス中です', en: 'PMH is under maintenance' },
    message: { ja: '手順「{step}」で PMH のメンテナンス画面が表示されました（{detail}）。', en: 'PMH showed its maintenance page at step "{step}" ({detail}).' },
    hint: {
      ja: 'メンテナンスが終わると自動の再試行で回復します。再試行の上限に達した場合は、PMH のお知らせでメンテナンスの終了時刻を確認してから、もう一度実行してください。',
      en: 'Automatic retries recover once maintenance ends. If they ran out, check PMH\'s notices for the end time and run again.',
    },
  },
  PmhServerError: {
    kind: 'system',
    title: { ja: 'PMH がエラーを返しました', en: 'PMH answered with a server error' },
    message: { ja: '手順「{step}」で PMH が HTTP {status} を返しました（{url}）。', en: 'PMH answered HTTP {status} at step "{step}" ({url}).' },
    hint: {
      ja: 'PMH 側の一時的な障害です。自動で再試行します。続く場合は PMH の障害情報を確認してください。',
      en: 'A temporary failure at PMH; retried automatically. If it persists, check PMH\'s service status.',
    },
  },
  PmhSessionExpired: {
    kind: 'system',
    title: { ja: 'PMH のセッションが切れました', en: 'The PMH session expired' },
    message: { ja: '手順「{step}」で PMH のセッションが切れ、続けられませんでした（ログインの直後に切れたか、ログインし直しても切れました）。', en: 'The PMH session ended at step "{step}" (at once after logging in, or again after logging in again), and the step could not go on.' },
    hint: {
      ja: '自動で再試行します。続く場合は、PMH のセッション有効時間と、ボットの結果待ち時間（pmh.poll_interval_seconds）を確認してください。',
      en: 'Retried automatically. If it persists, compare PMH\'s session lifetime with pmh.poll_interval_seconds.',
    },
  },
  PmhOtpNotConfigured: {
    kind: 'critical',
    title: { ja: 'ワンタイムパスワードの設定がありません', en: 'No one-time password secret configured' },
    message: { ja: 'PMH がワンタイムパスワードを求めましたが、設定 pmh.totp_secret_env がありません。', en: 'PMH asked for a one-time password but pmh.totp_secret_env is not set.' },
    hint: {
      ja: 'PMH で二要素認証を登録したときのシークレット（Base32）を環境変数に設定し、その名前を pmh.totp_secret_env に書いてください。',
      en: 'Put the TOTP secret (base32) registered at PMH in an environment variable and name it in pmh.totp_secret_env.',
    },
  },
  PmhDuplicateUpload: {
    kind: 'business',
    title: { ja: '同じ内容のファイルが PMH に登録済みです', en: 'PMH already holds a file with the same content' },
    message: { ja: '{fileName} と同じ内容のファイルが受付番号 {earlierId} で登録済みと表示されたため、登録しませんでした。', en: 'PMH says the content of {fileName} was already received as {earlierId}; not registered again.' },
    hint: {
      ja: '二重登録を防ぐため自動では送りません。PMH のアップロード履歴で受付番号 {earlierId} の結果を確認してください。再送が必要な場合のみ担当者が判断してください。',
      en: 'Not sent, to avoid a double submission. Check upload {earlierId} in PMH\'s history; resend only if a person decides so.',
    },
  },
  PmhCircuitOpen: {
    kind: 'system',
    title: { ja: 'PMH への接続を一時停止しています', en: 'PMH calls are paused (circuit breaker open)' },
    message: { ja: 'PMH への接続が {failures} 回続けて失敗したため、{until} まで接続しません。', en: 'PMH failed {failures} times in a row; no call until {until}.' },
    hint: {
      ja: '回線や PMH の障害が続いている可能性があります。`pmh-bot doctor` で接続を確認してください。{until} を過ぎると自動で再開します。',
      en: 'The line or PMH may still be down. Check with `pmh-bot doctor`. Calls resume automatically after {until}.',
    },
  },
  RunLocked: {
    kind: 'critical',
    title: { ja: '別の実行が動いています', en: 'Another run is in progress' },
    message: {
      ja: '{command}（プロセス {pid}、端末 {host}、{startedAt} 開始）が動作中のため開始しませんでした。ロックファイル: {file}',
      en: '{command} (process {pid} on {host}, started {startedAt}) is in progress; not started. Lock file: {file}',
    },
    hint: {
      ja: '前の処理が終わるのを待ってから、もう一度実行してください。同じ端末でそのプロセスが終了していれば、次の実行が自動で引き継ぎます。',
      en: 'Wait for the running one to finish, then run again. If that process has ended on the same machine, the next run takes the lock over by itself.',
    },
  },
  NoRecordsToRehearse: {
    kind: 'business',
    title: { ja: 'リハーサルに使うファイルを作れません', en: 'No file to rehearse with' },
    message: {
      ja: '最初の事業（{program}）の抽出結果に、送れるレコードが 1 件もありませんでした。',
      en: 'The extraction of the first program ({program}) gave no record that could be sent.',
    },
    hint: {
      ja: '設定の programs の先頭にある事業の SQL と抽出元を確認してください（pmh-bot doctor）。',
      en: 'Check the SQL and source of the first program in the config\'s programs (pmh-bot doctor).',
    },
  },
  ResubmitNeedsConfirmation: {
    kind: 'business',
    title: { ja: '再送してよいか判断できません', en: 'Cannot tell whether a resubmission is safe' },
    message: {
      ja: '{fileName} は前回の実行で登録ボタンまで操作されましたが、PMH のアップロード履歴に見つかりません。二重登録を防ぐため送信していません。',
      en: '{fileName} was submitted by the earlier run up to the final click, but PMH\'s upload history does not list it. Not sent, to avoid a double submission.',
    },
    hint: {
      ja: 'PMH の画面でアップロード履歴を確認してください。届いていないことを確かめたら `pmh-bot replay {runId} --confirm-resubmit` で再送します。',
      en: 'Check the upload history on the PMH screen. Once sure it did not arrive, resend with `pmh-bot replay {runId} --confirm-resubmit`.',
    },
  },
  RunCrashed: {
    kind: 'system',
    title: { ja: '実行が途中で止まっていました', en: 'The run stopped without finishing' },
    message: { ja: '実行 {runId}（{host} のプロセス {pid}）は終了を記録しないまま止まりました（強制終了・停電など）。', en: 'Run {runId} (process {pid} on {host}) stopped without recording its end (killed, power loss).' },
    hint: {
      ja: '`pmh-bot replay {runId}` で、止まったところから再開してください。PMH に届いたものは再送されません。',
      en: 'Resume it with `pmh-bot replay {runId}`. Whatever reached PMH is not sent again.',
    },
  },
  EarlierRunUnsettled: {
    kind: 'business',
    title: { ja: '前回までの実行の送信結果が確定していません', en: 'An earlier run\'s delivery is not settled' },
    message: {
      ja: '実行 {runId} が PMH に送った（または送った可能性のある）ファイルの結果を確定できないため、この実行は抽出を始めずに止まりました。{detail}',
      en: 'The outcome of what run {runId} sent (or may have sent) to PMH cannot be settled, so this run stopped before extracting anything. {detail}',
    },
    hint: {
      ja: '`{command}` を実行して前回の実行を終わらせてください。そのあとは通常どおり実行できます（二重送信はしません）。',
      en: 'Run `{command}` to finish the earlier run. Runs then go on as usual (nothing is sent twice).',
    },
  },
  RunNotReplayable: {
    kind: 'critical',
    title: { ja: 'この実行は再実行できません', en: 'This run cannot be replayed' },
    message: { ja: '実行 {runId}（状態: {status}）: {detail}', en: 'Run {runId} (status {status}): {detail}' },
    hint: {
      ja: '`pmh-bot show {runId}` で実行の状態を確認してください。新しいデータで実行し直す場合は `pmh-bot replay {runId} --re-extract` または `pmh-bot run` を使います。',
      en: 'See `pmh-bot show {runId}`. To start from fresh data use `pmh-bot replay {runId} --re-extract` or `pmh-bot run`.',
    },
  },
  RunNotFound: {
    kind: 'critical',
    title: { ja: '指定された実行がありません', en: 'No such run' },
    message: { ja: '実行 ID {runId} は実行台帳にありません。', en: 'Run {runId} is not in the ledger.' },
    hint: { ja: '`pmh-bot runs` で実行 ID を確認してください。', en: 'List the runs with `pmh-bot runs`.' },
  },
  NotifyMailUnavailable: {
    kind: 'system',
    title: { ja: '通知メールのサーバーを使えません', en: 'The notification mail server cannot be used' },
    message: {
      ja: 'メールサーバー {host}:{port} に接続・ログインできませんでした: {detail}',
      en: 'Could not connect or log in to the mail server {host}:{port}: {detail}',
    },
    hint: {
      ja: 'このままでは、実行が失敗しても通知メールが届きません。設定 notify.mail（host・port・secure・starttls・user・password_env）とメールサーバーの状態を、LGWAN のメール管理者にも確認してください。',
      en: 'As it is, no mail would arrive when a run fails. Check notify.mail (host, port, secure, starttls, user, password_env) and the mail server, with the LGWAN mail administrator too.',
    },
  },
  NotifyMailFailed: {
    kind: 'system',
    title: { ja: '通知メールを送信できませんでした', en: 'The notification mail could not be sent' },
    message: {
      ja: 'メールサーバー {host}:{port} への送信に失敗しました（実行 {runId}）: {detail}',
      en: 'Sending through the mail server {host}:{port} failed (run {runId}): {detail}',
    },
    hint: {
      ja: '実行の結果には影響していません。`pmh-bot runs` で結果を確認してください。設定 notify.mail（host・port・secure・starttls・user・password_env）とメールサーバーの状態を確認してください。',
      en: 'The run itself is unaffected; check its result with `pmh-bot runs`. Check notify.mail (host, port, secure, starttls, user, password_env) and the mail server.',
    },
  },
  NotifyCommandFailed: {
    kind: 'system',
    title: { ja: '通知コマンドが失敗しました', en: 'The notification command failed' },
    message: { ja: '通知コマンド {path}（実行 {runId}）: {detail}', en: 'Notification command {path} (run {runId}): {detail}' },
    hint: {
      ja: '実行の結果には影響していません。`pmh-bot runs` で結果を確認してください。設定 notify.command の path・args と、コマンドが標準入力の JSON を読んで終了コード 0 で終わるかを確認してください。',
      en: 'The run itself is unaffected; check its result with `pmh-bot runs`. Check notify.command (path, args) and that the command reads the JSON on standard input and exits with 0.',
    },
  },
  SourceConnectionRefused: {
    kind: 'system',
    title: { ja: '業務システムのデータベースが接続を拒否しました', en: 'A source database refused the connection' },
    message: {
      ja: 'データソース {source}（{client}）の {host}:{port} への接続が拒否されました: {detail}',
      en: 'Source {source} ({client}) at {host}:{port} refused the connection: {detail}',
    },
    hint: {
      ja: 'データベースが停止しているか、ポート番号が違います。データベースが起動しているか、設定 sources.{source}.connection の host と port を確認してください。',
      en: 'The database is stopped or the port is wrong. Check that it is running and check host and port under sources.{source}.connection.',
    },
  },
  SourceAuthFailed: {
    kind: 'business',
    title: { ja: '業務システムのデータベースにログインできません', en: 'A source database refused the login' },
    message: {
      ja: 'データソース {source}（{client}）がユーザー {user} のログインを受け付けませんでした: {detail}',
      en: 'Source {source} ({client}) refused the login of user {user}: {detail}',
    },
    hint: {
      ja: 'ユーザー名（sources.{source}.connection.user）と、password_env で指定した環境変数のパスワードを確認してください。パスワードを変更した場合は環境変数も更新してください。',
      en: 'Check the user (sources.{source}.connection.user) and the password in the environment variable named by password_env; update it after a password change.',
    },
  },
  SourceDatabaseMissing: {
    kind: 'critical',
    title: { ja: '接続先のデータベースがありません', en: 'The source database does not exist' },
    message: {
      ja: 'データソース {source}（{client}）にデータベース {database} がありません: {detail}',
      en: 'Source {source} ({client}) has no database {database}: {detail}',
    },
    hint: {
      ja: '設定 sources.{source}.connection.database のデータベース名（Oracle ではサービス名）を業務システムのベンダーに確認してください。',
      en: 'Check sources.{source}.connection.database (the service name on Oracle) with the business system\'s vendor.',
    },
  },
  SourceTimeout: {
    kind: 'system',
    title: { ja: '業務システムのデータベースから応答がありません', en: 'A source database does not answer' },
    message: {
      ja: 'データソース {source}（{client}）の {host}:{port} から {seconds} 秒以内に応答がありませんでした: {detail}',
      en: 'Source {source} ({client}) at {host}:{port} did not answer within {seconds} s: {detail}',
    },
    hint: {
      ja: 'ホスト名・ネットワーク経路・ファイアウォールを確認してください。データベースが高負荷の場合は、時間をおいてもう一度実行してください。',
      en: 'Check the host name, the network route and the firewall. If the database is busy, try again later.',
    },
  },
  QueryNotPlannable: {
    kind: 'critical',
    title: { ja: '抽出 SQL をデータベースが受け付けません', en: 'The database rejects an extraction query' },
    message: {
      ja: 'データソース {source}（{client}）が {file} を解釈できません: {detail}',
      en: 'Source {source} ({client}) cannot plan {file}: {detail}',
    },
    hint: {
      ja: 'SQL の文法と表名・列名を、データベースの種類（{client}）と業務システムの定義に合わせて修正してください。データは読み出していません。',
      en: 'Fix the SQL syntax and the table and column names for this database ({client}). No data was read.',
    },
  },
  DiskSpaceLow: {
    kind: 'critical',
    title: { ja: 'ディスクの空き容量が足りません', en: 'Not enough free disk space' },
    message: {
      ja: 'データフォルダー {path} のドライブの空き容量は {free} MB です（必要 {required} MB 以上）。',
      en: 'The drive of the data folder {path} has {free} MB free ({required} MB needed).',
    },
    hint: {
      ja: '不要なファイルを削除するか、設定 data_dir を空きのあるドライブに変更してください。古い実行フォルダー（data/runs/）の整理も有効です。',
      en: 'Free some space, or move data_dir to a drive with room. Old run folders (data/runs/) can be cleaned up.',
    },
  },
  DataDirNotWritable: {
    kind: 'critical',
    title: { ja: 'データフォルダーに書き込めません', en: 'The data folder is not writable' },
    message: { ja: 'データフォルダー {path} に書き込めません: {detail}', en: 'Cannot write to the data folder {path}: {detail}' },
    hint: {
      ja: 'ボットを実行するアカウントに、設定 data_dir のフォルダーへの書き込み権限（変更）を付与してください。',
      en: 'Give the account that runs the bot write access to the data_dir folder.',
    },
  },
  ClockSkew: {
    kind: 'critical',
    title: { ja: 'この端末の時計がずれています', en: 'This machine\'s clock is off' },
    message: {
      ja: 'この端末の時計は PMH サーバーと {offset} 秒ずれています（+ は進み、- は遅れ。許容 ±{limit} 秒）。',
      en: 'This machine\'s clock differs from PMH\'s server by {offset} s (+ ahead, - behind; limit ±{limit} s).',
    },
    hint: {
      ja: '時刻同期（Windows の「時刻を自動的に設定する」/ w32tm、Linux の NTP）を確認してください。時計がずれると、証明書の検証やワンタイムパスワードが失敗します。',
      en: 'Check time synchronisation (Windows: set time automatically / w32tm; Linux: NTP). A wrong clock breaks certificate checks and one-time passwords.',
    },
  },
  DoctorCheckTimeout: {
    kind: 'system',
    title: { ja: '点検が時間内に終わりませんでした', en: 'A check did not finish in time' },
    message: { ja: '点検「{check}」が {seconds} 秒以内に終わりませんでした。', en: 'The check "{check}" did not finish within {seconds} s.' },
    hint: {
      ja: '接続先が応答していない可能性があります。ネットワークと接続先の状態を確認し、もう一度 pmh-bot doctor を実行してください。',
      en: 'Its target may not be answering. Check the network and the target, then run pmh-bot doctor again.',
    },
  },
  SecretNotFound: {
    kind: 'critical',
    title: { ja: '必要な秘密情報が見つかりません', en: 'A required secret was not found' },
    message: {
      ja: '{env}（設定 {path}）がどこにもないか空です。探した場所: {searched}',
      en: '{env} (config {path}) was not found or is empty. Looked in: {searched}',
    },
    hint: {
      ja: '環境変数・秘密情報ファイル・資格情報ストアのいずれかに {env} を設定してください。pmh-bot secrets check で設定状況を確認できます。設定ファイルに直接書かないでください。',
      en: 'Set {env} in the environment, the secrets file or the credential store. `pmh-bot secrets check` shows what is set. Never write the value in the config file.',
    },
  },
  SecretsFileTooOpen: {
    kind: 'critical',
    title: { ja: '秘密情報ファイルを他の利用者も読める状態です', en: 'The secrets file is readable by others' },
    message: {
      ja: '秘密情報ファイル {file} の権限が {mode} で、所有者以外にも権限があります。安全のため起動しません。',
      en: 'The secrets file {file} has mode {mode}: users other than its owner have access. Refusing to start.',
    },
    hint: {
      ja: 'chmod 600 {file} を実行して、ボットを動かすアカウントだけが読めるようにしてから、もう一度実行してください。',
      en: 'Run chmod 600 {file} so that only the bot’s account can read it, then run again.',
    },
  },
  SecretsFileUnreadable: {
    kind: 'critical',
    title: { ja: '秘密情報ファイルを読み込めません', en: 'Cannot read the secrets file' },
    message: { ja: '秘密情報ファイル {file}（設定 secrets.file）を読み込めません: {detail}', en: 'Cannot read the secrets file {file} (config secrets.file): {detail}' },
    hint: {
      ja: 'secrets.file のパス（設定ファイルのフォルダーからの相対パス）と、ボットを動かすアカウントがそのファイルを読めることを確認してください。',
      en: 'Check the path in secrets.file (relative to the config file’s folder) and that the bot’s account can read the file.',
    },
  },
  SecretsFileSyntax: {
    kind: 'critical',
    title: { ja: '秘密情報ファイルの書式が正しくありません', en: 'The secrets file is malformed' },
    message: { ja: '秘密情報ファイル {file} の {line} 行目が「名前=値」の形式ではありません。', en: 'Line {line} of the secrets file {file} is not NAME=VALUE.' },
    hint: {
      ja: '各行を PMH_PASSWORD=値 のように書いてください（名前は半角英数字と _、# で始まる行はコメント）。',
      en: 'Write each line as PMH_PASSWORD=value (names use letters, digits and _; lines starting with # are comments).',
    },
  },
  CredentialStoreUnavailable: {
    kind: 'critical',
    title: { ja: 'OS の資格情報ストアを利用できません', en: 'The OS credential store cannot be used' },
    message: { ja: '資格情報ストアから {env} を読み取れません: {detail}', en: 'Cannot read {env} from the credential store: {detail}' },
    hint: {
      ja: 'ボットを動かすアカウントで資格情報ストア（Windows 資格情報マネージャー、macOS キーチェーン、Linux のキーリング）が使えることを確認してください。使えない環境では secrets.credential_store を false にし、環境変数か秘密情報ファイルで設定してください。',
      en: 'Check that the bot’s account can use the credential store (Windows Credential Manager, macOS Keychain, Linux keyring). Where it cannot, set secrets.credential_store to false and use the environment or the secrets file.',
    },
  },
  PathNotPrivate: {
    kind: 'critical',
    title: { ja: '個人情報を置く場所を他の利用者も読める状態です', en: 'A folder holding personal data is readable by others' },
    message: { ja: '{path} の権限が {mode} で、所有者以外にも権限があります。', en: '{path} has mode {mode}: users other than its owner have access.' },
    hint: {
      ja: 'chmod 700（フォルダー）または chmod 600（ファイル）で、ボットを動かすアカウントだけが読めるようにしてください。',
      en: 'Run chmod 700 (folder) or chmod 600 (file) so that only the bot’s account can read it.',
    },
  },
  DataDirAclTooOpen: {
    kind: 'critical',
    title: { ja: 'データフォルダーに、ボット以外のアカウントもアクセスできます', en: 'Accounts other than the bot’s can access the data folder' },
    message: {
      ja: '{path} のアクセス許可に、ボットのアカウント（{account}）・Administrators・SYSTEM 以外のアカウント {principals} が含まれています。個人情報を含むファイルを読まれるおそれがあります。',
      en: '{path} also grants access to {principals}, besides the bot’s account ({account}), Administrators and SYSTEM. They could read files holding personal data.',
    },
    hint: {
      ja: '管理者のコマンド プロンプトで次を実行し、ボットのアカウント・Administrators・SYSTEM だけにしてください（中のファイルにも引き継がれます）: {fix}　点検は、実行しているアカウントをボットのアカウントとみなします。ボットのアカウントが {account} でなければ、ボットのアカウントで pmh-bot doctor を実行してください。',
      en: 'From an administrator command prompt, run the following to leave only the bot’s account, Administrators and SYSTEM (the files inside inherit it): {fix}  The check takes the account running it for the bot’s: if the bot’s account is not {account}, run pmh-bot doctor as the bot’s account.',
    },
  },
  LedgerFromNewerVersion: {
    kind: 'critical',
    title: { ja: '実行台帳が、より新しいバージョンの pmh-bot で更新されています', en: 'The run ledger was written by a newer pmh-bot' },
    message: {
      ja: '実行台帳 {file} の形式はバージョン {version} ですが、このプログラムが扱えるのはバージョン {supported} までです。新しい pmh-bot がこの台帳を更新したあとで、古いバージョンに戻したためです。台帳には何も書き込んでいません。',
      en: 'The run ledger {file} is at format version {version}; this program handles versions up to {supported}. A newer pmh-bot updated it, and then an older version was put back. Nothing was written to it.',
    },
    hint: {
      ja: '次のどちらかを行ってください。(1) 台帳を更新した新しいバージョンの pmh-bot に戻す（Windows では install.ps1 -SwitchTo <バージョン>）。(2) 更新の前に取ったデータフォルダーのコピーから ledger.sqlite と snapshot.sqlite を戻す（新しいバージョンで行った実行の記録はなくなります）。台帳を編集したり、バージョンを書き換えたりしないでください。',
      en: 'Either (1) go back to the newer pmh-bot that updated the ledger (on Windows: install.ps1 -SwitchTo <version>), or (2) restore ledger.sqlite and snapshot.sqlite from the copy of the data folder taken before the upgrade (the records of runs made with the newer version are lost). Never edit the ledger or change its version.',
    },
  },
  PurgeIncomplete: {
    kind: 'system',
    title: { ja: '保存期間を過ぎたファイルの一部を削除できませんでした', en: 'Some expired files could not be deleted' },
    message: { ja: '{failed} 件のファイルを削除できませんでした（最初のもの: {path}: {detail}）。', en: '{failed} files could not be deleted (first: {path}: {detail}).' },
    hint: {
      ja: 'ファイルが他のプログラムで開かれていないか、ボットを動かすアカウントに削除の権限があるかを確認し、もう一度 pmh-bot purge を実行してください。削除できたものは記録済みです。',
      en: 'Check that no program holds the files open and that the bot’s account may delete them, then run pmh-bot purge again. What was deleted is recorded.',
    },
  },
  ScheduledRunMissed: {
    kind: 'system',
    title: { ja: '定期実行が行われませんでした', en: 'A scheduled run was missed' },
    message: {
      ja: '{scheduledAt} に予定されていた実行が行われていません（端末の停止・スリープ、または常駐処理の停止）。',
      en: 'The run scheduled for {scheduledAt} did not take place (machine off or asleep, or the daemon stopped).',
    },
    hint: {
      ja: '設定 schedule.missed_run_policy が alert のため自動では実行していません。必要なら pmh-bot run で手動実行してください。',
      en: 'schedule.missed_run_policy is alert, so nothing was run. Run pmh-bot run by hand if needed.',
    },
  },
  ScheduleOptionInvalid: {
    kind: 'critical',
    title: { ja: '定期実行の指定が正しくありません', en: 'Invalid schedule option' },
    message: { ja: '{option} の値「{value}」を使えません: {detail}', en: 'Cannot use {value} for {option}: {detail}' },
    hint: {
      ja: '例: --time 06:30 --days mon-fri（曜日は mon,tue,wed,thu,fri,sat,sun、範囲 mon-fri、毎日は daily）。--windows か --systemd のどちらかを指定します。',
      en: 'For example --time 06:30 --days mon-fri (days mon,tue,wed,thu,fri,sat,sun, a range mon-fri, or daily). Give --windows or --systemd.',
    },
  },
  ScheduleNotSimple: {
    kind: 'critical',
    title: { ja: '定期実行の時刻を設定から決められません', en: 'Cannot derive the time from the schedule' },
    message: {
      ja: 'schedule.cron「{cron}」は毎日・毎週決まった時刻の形ではないため、OS のスケジューラーに変換できません。',
      en: 'schedule.cron "{cron}" is not a fixed daily or weekly time, so it cannot be turned into an OS schedule.',
    },
    hint: {
      ja: '--time（例 06:30）と --days（例 mon-fri）を指定してください。',
      en: 'Give --time (e.g. 06:30) and --days (e.g. mon-fri).',
    },
  },
  PmhCertificateError: {
    kind: 'critical',
    title: { ja: 'PMH（またはプロキシ）のサーバー証明書を信頼できません', en: 'The certificate of PMH (or the proxy) is not trusted' },
    message: { ja: '{url} に接続したとき、証明書が受け入れられませんでした: {detail}', en: 'The certificate was not accepted when connecting to {url}: {detail}' },
    hint: {
      ja: '再実行しても解決しません。ベンダー（または LGWAN の管理者）に PMH・プロキシが提示する CA 証明書（PEM 形式）を依頼し、設定 browser.ca_bundle にそのファイルを指定してください。端末の時計が正しいかも確認してください（時計がずれていると証明書が期限切れ・未発効と判定されます）。',
      en: 'Running again will not help. Ask the vendor (or the LGWAN administrator) for the CA certificate (PEM) that PMH or the proxy presents and set browser.ca_bundle to that file. Also check the terminal\'s clock: a wrong clock makes certificates look expired or not yet valid.',
    },
  },
  PmhProxyFailed: {
    kind: 'system',
    title: { ja: 'プロキシ経由で PMH に接続できません', en: 'Cannot reach PMH through the proxy' },
    message: { ja: '{url} への接続でプロキシが失敗しました: {detail}', en: 'The proxy failed on the way to {url}: {detail}' },
    hint: {
      ja: '設定 browser.proxy（server・bypass・username）と、プロキシのパスワードを入れた環境変数（browser.proxy.password_env で指定した名前）を確認してください。プロキシが動いているか、LGWAN の管理者にも確認してください。',
      en: 'Check browser.proxy (server, bypass, username) and the environment variable named by browser.proxy.password_env that holds the proxy password. Ask the LGWAN administrator whether the proxy is up.',
    },
  },
  CaBundleInvalid: {
    kind: 'critical',
    title: { ja: 'CA 証明書ファイルを使えません', en: 'The CA certificate file cannot be used' },
    message: { ja: '{path} に指定されたファイル {file} を使えません: {detail}', en: 'The file {file} named at {path} cannot be used: {detail}' },
    hint: {
      ja: 'PEM 形式（-----BEGIN CERTIFICATE----- で始まるテキスト）の証明書ファイルを指定してください。複数の証明書を並べて入れられます。相対パスは設定ファイルのあるフォルダーが基準です。何も処理していません。',
      en: 'Give a PEM file (text starting with -----BEGIN CERTIFICATE-----); it may hold several certificates. Relative paths are resolved from the configuration file\'s folder. Nothing was processed.',
    },
  },
  BrowserOptionInvalid: {
    kind: 'critical',
    title: { ja: 'ブラウザーのオプションが正しくありません', en: 'Invalid browser option' },
    message: { ja: 'オプション {option} の値「{value}」は使えません: {detail}', en: 'Option {option} cannot take "{value}": {detail}' },
    hint: {
      ja: '{option} の値を直して、もう一度実行してください。何も処理していません。',
      en: 'Fix the value of {option} and run again. Nothing was processed.',
    },
  },
  PmhApiUnauthorized: {
    kind: 'business',
    title: { ja: 'PMH の登録 API がアクセストークンを受け付けませんでした', en: 'The PMH registration API refused the access token' },
    message: { ja: '{url} が HTTP {status}（認証エラー）を返しました。{fileName} は送信していません。', en: '{url} answered HTTP {status} (not authorised). {fileName} was not sent.' },
    hint: {
      ja: '自動では再試行しません。pmh.api.token_env で指定した環境変数（または秘密情報ファイル・資格情報ストア）のトークンが正しいか、有効期限が切れていないかを確認してから、`pmh-bot replay {runId}` を実行してください。',
      en: 'Not retried. Check the token in the variable named by pmh.api.token_env (or the secrets file / credential store) and whether it expired, then run `pmh-bot replay {runId}`.',
    },
  },
  PmhApiPayloadTooLarge: {
    kind: 'critical',
    title: { ja: 'PMH の登録 API に対して 1 回の送信量が大きすぎます', en: 'Too much data in one request to the PMH registration API' },
    message: { ja: '{fileName} の {first}〜{last} 件目（{records} 件、{bytes} バイト）を PMH が HTTP 413 で断りました。', en: 'PMH answered HTTP 413 to records {first}-{last} of {fileName} ({records} records, {bytes} bytes).' },
    hint: {
      ja: '設定 pmh.api.chunk_size（現在 {chunkSize}）を小さくしてから `pmh-bot replay {runId}` を実行してください。受け付けられた分は再送されません。',
      en: 'Lower pmh.api.chunk_size (now {chunkSize}), then run `pmh-bot replay {runId}`. What PMH accepted is not sent again.',
    },
  },
  PmhApiRateLimited: {
    kind: 'system',
    title: { ja: 'PMH の登録 API が混み合っています', en: 'The PMH registration API asked to slow down' },
    message: { ja: '{url} が HTTP 429 を返しました（{fileName} の {first}〜{last} 件目、待機指示 {retryAfter} 秒）。', en: '{url} answered HTTP 429 (records {first}-{last} of {fileName}; asked to wait {retryAfter} s).' },
    hint: {
      ja: '自動で待ってから再試行します。再試行の上限に達した場合は、時間をおいて `pmh-bot replay {runId}` を実行してください。',
      en: 'Retried automatically after the wait. If retries ran out, run `pmh-bot replay {runId}` later.',
    },
  },
  PmhApiUnreachable: {
    kind: 'system',
    title: { ja: 'PMH の登録 API に接続できません', en: 'Cannot reach the PMH registration API' },
    message: { ja: '{url} に接続できません: {detail}', en: 'Cannot reach {url}: {detail}' },
    hint: {
      ja: 'LGWAN 回線・DNS・設定 pmh.api.url を確認してください。送信前の接続失敗なので、PMH には何も届いていません。一時的な障害は自動で再試行します。',
      en: 'Check the LGWAN line, DNS and pmh.api.url. The connection failed before sending: nothing reached PMH. Temporary failures are retried automatically.',
    },
  },
  PmhApiNoAnswer: {
    kind: 'business',
    title: { ja: 'PMH の登録 API から応答がありませんでした', en: 'No answer from the PMH registration API' },
    message: {
      ja: '{fileName} の {first}〜{last} 件目を送信しましたが、PMH の応答を受け取れませんでした（{detail}）。PMH に届いた可能性があるため、自動では再送していません。',
      en: 'Records {first}-{last} of {fileName} were sent but no answer came back ({detail}). They may have reached PMH, so they were not resent automatically.',
    },
    hint: {
      ja: '登録 API には送信履歴がないため、届いたかどうかを確認できません。再送してよい場合は `pmh-bot replay {runId} --confirm-resubmit` を実行してください（同じレコードの追加・変更は上書きになりますが、削除は「削除対象の履歴が存在しません」のエラーになることがあります）。',
      en: 'The API keeps no history to consult. If a resend is acceptable, run `pmh-bot replay {runId} --confirm-resubmit` (additions and changes are overwritten harmlessly; a deletion may come back as "no such record").',
    },
  },
  PmhApiRequestRefused: {
    kind: 'business',
    title: { ja: 'PMH の登録 API が送信内容を受け付けませんでした', en: 'The PMH registration API refused the request' },
    message: { ja: '{fileName} の {first}〜{last} 件目に PMH が HTTP {status} を返しました: {detail}', en: 'PMH answered HTTP {status} to records {first}-{last} of {fileName}: {detail}' },
    hint: {
      ja: '何も登録されていません。設定 pmh.api.url と、レイアウト（format: json）を確認し、ベンダーに連絡してください。同じ内容を再送しても同じ結果になります。',
      en: 'Nothing was registered. Check pmh.api.url and the layout (format: json) and contact the vendor. Resending the same data gives the same answer.',
    },
  },
  DropFolderUnavailable: {
    kind: 'system',
    title: { ja: '連携フォルダーに書き込めません', en: 'Cannot write to the drop folder' },
    message: { ja: 'フォルダー {folder} に {fileName} を置けません: {detail}', en: 'Cannot put {fileName} into {folder}: {detail}' },
    hint: {
      ja: '設定 pmh.folder.path のフォルダーがあるか、ネットワークドライブがつながっているか、ボットのアカウントに書き込み権限があるかを確認してから `pmh-bot replay {runId}` を実行してください。',
      en: 'Check that the folder in pmh.folder.path exists, the network drive is connected and the bot\'s account may write there, then run `pmh-bot replay {runId}`.',
    },
  },
  DropFolderOccupied: {
    kind: 'business',
    title: { ja: '連携フォルダーに同じ名前の別のファイルがあります', en: 'A different file of the same name waits in the drop folder' },
    message: { ja: 'フォルダー {folder} に、内容の異なる {fileName} がすでにあります。上書きしていません。', en: '{folder} already holds a different {fileName}. Not overwritten.' },
    hint: {
      ja: 'バッチツールがまだ取り込んでいないファイルの可能性があります。取り込みの状況を確認し、不要なら担当者がファイルを移動してから `pmh-bot replay {runId}` を実行してください。',
      en: 'The batch tool may not have taken it yet. Check, move the file away if it is not needed, then run `pmh-bot replay {runId}`.',
    },
  },
  DropFolderNotPickedUp: {
    kind: 'system',
    title: { ja: 'バッチツールがファイルを取り込みませんでした', en: 'The batch tool did not take the file' },
    message: { ja: 'フォルダー {folder} の {fileName} が {seconds} 秒たっても取り込まれませんでした。', en: '{fileName} in {folder} was not taken within {seconds} s.' },
    hint: {
      ja: 'ファイルは置いたままです。バッチツールが動いているか、同じフォルダーを見ているかを確認してください。取り込まれた後に `pmh-bot replay {runId}` を実行すると、ファイルを置き直さずに取り込みを確認して差分の基準を進めます。',
      en: 'The file stays in place. Check that the batch tool runs and watches this folder. Once it took the file, `pmh-bot replay {runId}` confirms the pickup without placing the file again and advances the differential base.',
    },
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

type TextsOf<Code extends ErrorCode> = (typeof errorCatalog)[Code]['title' | 'message' | 'hint']['ja' | 'en'];

/** The parameter names a code's texts use, in either language. */
export type ErrorParamName<Code extends ErrorCode> = PlaceholdersOf<TextsOf<Code>>;

/** The values a code's texts need: exactly one per placeholder name. */
export type ErrorParamsOf<Code extends ErrorCode> = FillParams<TextsOf<Code>>;
