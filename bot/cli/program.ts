/**
 * The command line's production commands: `pmh-bot run`, `runs`, `approve`, `replay`, ...
 * (`pmh-bot demo` is added by demo/main.ts, outside the production path).
 * Operators read its output: everything it prints is in Japanese (or English with --lang en).
 */
import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { checkSecrets } from '../../config/secrets.ts';
import { configureSecrets, configuredSecretsFile, SECRET_SOURCE_TEXT, secretStatuses } from '../../config/secrets.ts';
import { asPmhBotError, pmhError } from '../../core/errors.ts';
import { setLang, t, type Lang } from '../../core/i18n.ts';
import { flushLogs } from '../../core/log.ts';
import { tokyoDateTime } from '../../core/clock.ts';
import { formatTable } from './text-table.ts';
import { cliText } from './cli-text.ts';
import { EXIT, exitCodeFor } from '../../core/exit-codes.ts';
import { Ledger, type RunRow } from '../state/ledger.ts';
import type { FileStanding } from '../report/file-standing.ts';
import type { BotConfig } from '../../config/schema.ts';
import { printError, printRunSummary } from './print-run.ts';
import { ensureRunReport } from '../report/run-report.ts';
import { runCycle } from '../pipeline/run.ts';
import { approveRun } from '../pipeline/approve.ts';
import { ledgerPath, snapshotPath } from '../state/paths.ts';
import { Snapshot } from '../state/snapshot.ts';
import { browserOverrides, withBrowserOverrides, type BrowserCommandOptions } from '../../flows/browser.ts';
import { lockOptionsFor, withRunLock } from '../state/run-lock.ts';
import { startDaemon, stopOnSignals } from '../ops/daemon.ts';
import { describeSchedule, installSchedule } from '../ops/schedule-install.ts';
import { planReplay, replayRun } from '../pipeline/replay.ts';
import { formatReplayPlan, formatRun, statusText } from './show-run.ts';
import { fileStandings } from '../pipeline/standings.ts';
import { doctorExitCode, runDoctor } from '../ops/doctor/doctor.ts';
import { printDoctorReport } from './print-doctor.ts';
import { purgeExpired } from '../state/purge.ts';
import { checkScreenProfile } from '../pipeline/rehearse.ts';
import { printRehearsal } from './print-rehearsal.ts';
import { appFile, appVersion } from '../../core/app-root.ts';

const DEFAULT_CONFIG = process.env.PMH_BOT_CONFIG ?? 'pmh-bot.yaml';
export const EXAMPLE_CONFIG = appFile('config', 'pmh-bot.example.yaml');

export function fail(error: unknown): never {
  const pmh = asPmhBotError(error);
  printError(pmh);
  flushLogs();
  process.exit(exitCodeFor(pmh));
}

/** Where a run's files stand at PMH, for `show` and `report`; these read-only commands never create a snapshot. */
function standingsOf(config: BotConfig, ledger: Ledger, run: RunRow): FileStanding[] {
  const path = snapshotPath(config);
  if (!existsSync(path)) return [];
  const snapshot = new Snapshot(path);
  try {
    return fileStandings(ledger, snapshot, run);
  } finally {
    snapshot.close();
  }
}

export const program = new Command()
  .name('pmh-bot')
  .description('PMH 医療費助成 受給者情報の自動アップロード / PMH medical-subsidy upload bot')
  .version(appVersion(), '-V, --version', '版数を表示します / show the version')
  .addOption(new Option('--lang <lang>', '表示言語 / display language').choices(['ja', 'en']).default(process.env.PMH_BOT_LANG ?? 'ja'))
  .hook('preAction', (command) => setLang(command.opts<{ lang: Lang }>().lang));

program
  .command('run')
  .description('1 回分の処理（抽出・検証・アップロード）を実行します / run one cycle')
  .option('-c, --config <file>', '設定ファイル / configuration file', DEFAULT_CONFIG)
  .option('--headed', 'ブラウザーの画面を表示して実行する（browser.headless: false）/ show the browser window')
  .option('--slow-mo <ms>', '操作ごとの待ち時間（ミリ秒、browser.slow_mo_ms）/ ms between browser actions')
  .action(async (opts: { config: string } & BrowserCommandOptions) => {
    try {
      const browser = browserOverrides(opts);
      const { file, config } = loadConfig(opts.config);
      configureSecrets(config, file);
      checkSecrets(config);
      console.log(t(cliText.runStarted, { file }));
      const summary = await withRunLock(config.data_dir, { command: 'pmh-bot run' }, () => runCycle({ config: withBrowserOverrides(config, browser), trigger: 'manual' }), {
        ...lockOptionsFor(config, file), releaseOnSignals: true, announce: true,
      });
      printRunSummary(summary);
      process.exitCode = exitCodeFor(summary.error);
    } catch (error) {
      fail(error);
    }
  });

program
  .command('approve <runId>')
  .description('変更件数の上限で止まった実行を承認し、アップロードを続けます / approve a run held by the mass-change guard')
  .option('-c, --config <file>', '設定ファイル / configuration file', DEFAULT_CONFIG)
  .option('--headed', 'ブラウザーの画面を表示して実行する（browser.headless: false）/ show the browser window')
  .option('--slow-mo <ms>', '操作ごとの待ち時間（ミリ秒、browser.slow_mo_ms）/ ms between browser actions')
  .action(async (runId: string, opts: { config: string } & BrowserCommandOptions) => {
    try {
      const browser = browserOverrides(opts);
      const { file, config } = loadConfig(opts.config);
      configureSecrets(config, file);
      checkSecrets(config);
      console.log(t(cliText.approving, { id: runId }));
      const summary = await withRunLock(config.data_dir, { command: 'pmh-bot approve', runId }, () => approveRun(withBrowserOverrides(config, browser), runId), {
        ...lockOptionsFor(config, file), releaseOnSignals: true, announce: true,
      });
      printRunSummary(summary);
      process.exitCode = exitCodeFor(summary.error);
    } catch (error) {
      fail(error);
    }
  });

program
  .command('runs')
  .description('最近の実行の一覧 / list recent runs')
  .option('-c, --config <file>', '設定ファイル / configuration file', existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : EXAMPLE_CONFIG)
  .option('-l, --limit <count>', '件数 / how many', (v) => Number.parseInt(v, 10), 20)
  .action((opts: { config: string; limit: number }) => {
    try {
      const { config } = loadConfig(opts.config);
      const path = ledgerPath(config);
      if (!existsSync(path)) {
        console.log(t(cliText.noRuns, { path }));
        return;
      }
      const ledger = new Ledger(path);
      try {
        const runs = ledger.recentRuns(opts.limit);
        const headers = [
          t({ ja: '実行ID', en: 'run' }), t({ ja: '契機', en: 'trigger' }), t({ ja: '状態', en: 'status' }),
          t({ ja: '開始', en: 'started' }), t({ ja: '所要秒', en: 'seconds' }), t({ ja: '抽出', en: 'extracted' }),
          t({ ja: '保留', en: 'held' }), t({ ja: '送信', en: 'uploaded' }), t({ ja: '受付', en: 'accepted' }),
          t({ ja: 'エラー', en: 'rejected' }), t({ ja: 'エラーコード', en: 'error' }), t({ ja: '再実行元', en: 'replays' }),
        ];
        const rows = runs.map((run) => [
          run.id, run.trigger, statusText(run), tokyoDateTime(run.started_at),
          run.ended_at ? Math.round((Date.parse(run.ended_at) - Date.parse(run.started_at)) / 1000) : '-',
          run.extracted, run.quarantined, run.uploaded, run.accepted ?? '-', run.rejected ?? '-', run.error_code ?? '', run.parent_run_id ?? '',
        ]);
        if (rows.length === 0) console.log(t(cliText.noRuns, { path }));
        else console.log(formatTable(headers, rows));
      } finally {
        ledger.close();
      }
    } catch (error) {
      fail(error);
    }
  });

program
  .command('secrets')
  .description('秘密情報（パスワード等）の設定状況 / secrets')
  .command('check')
  .description('設定が参照する秘密情報がどこで見つかるかを表示します（値は表示しません）/ show where each secret is found, never its value')
  .option('-c, --config <file>', '設定ファイル / configuration file', DEFAULT_CONFIG)
  .action((opts: { config: string }) => {
    try {
      const { file, config } = loadConfig(opts.config);
      configureSecrets(config, file);
      const statuses = secretStatuses(config);
      console.log(t({ ja: '設定ファイル: {file}', en: 'Configuration: {file}' }, { file }));
      const secretsFile = configuredSecretsFile();
      console.log(secretsFile
        ? t({ ja: '秘密情報ファイル: {file}', en: 'Secrets file: {file}' }, { file: secretsFile })
        : t({ ja: '秘密情報ファイル: なし（secrets.file 未指定）', en: 'Secrets file: none (secrets.file not set)' }));
      console.log(config.secrets.credential_store
        ? t({ ja: '資格情報ストア: 使用する（サービス名 pmh-bot）', en: 'Credential store: used (service pmh-bot)' })
        : t({ ja: '資格情報ストア: 使用しない', en: 'Credential store: not used' }));
      console.log('');
      const unreachable = { ja: '未設定（資格情報ストアに接続できません）', en: 'not set (credential store unreachable)' };
      console.log(formatTable(
        [t({ ja: '設定の項目', en: 'config key' }), t({ ja: '変数名', en: 'variable' }), t({ ja: '取得元', en: 'found in' })],
        statuses.map((s) => [s.path, s.env, t(s.source ? SECRET_SOURCE_TEXT[s.source] : s.problem ? unreachable : SECRET_SOURCE_TEXT.missing)]),
      ));
      console.log('');
      const missing = statuses.filter((s) => !s.source);
      const problem = missing.find((s) => s.problem)?.problem;
      if (problem) printError(problem, console.log);
      if (missing.length === 0) {
        console.log(t({ ja: 'すべての秘密情報が見つかりました（{count} 件）。', en: 'All {count} secrets were found.' }, { count: statuses.length }));
      } else {
        console.log(t(
          { ja: '{missing} 件の秘密情報が見つかりません: {names}', en: '{missing} secrets not found: {names}' },
          { missing: missing.length, names: [...new Set(missing.map((s) => s.env))].join(', ') },
        ));
        process.exitCode = EXIT.critical;
      }
    } catch (error) {
      fail(error);
    }
  });

function wholeDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 0) throw new InvalidArgumentError('0 以上の整数（日数）/ a whole number of days, 0 or more');
  return days;
}

program
  .command('purge')
  .description('保存期間を過ぎた実行のファイル（個人情報を含む）を削除します / delete the files of runs past their retention')
  .option('-c, --config <file>', '設定ファイル / configuration file', DEFAULT_CONFIG)
  .option('--dry-run', '削除せずに対象だけを表示する / list without deleting')
  .option('--older-than <days>', '保存日数（retention.run_artifacts_days の代わり）/ retention days', wholeDays)
  .action((opts: { config: string; dryRun?: boolean; olderThan?: number }) => {
    try {
      const { config } = loadConfig(opts.config);
      const summary = purgeExpired(config, { dryRun: !!opts.dryRun, olderThanDays: opts.olderThan });
      console.log(t(
        summary.dryRun
          ? { ja: '{before} より前に開始した実行のファイル（保存期間 {days} 日）を削除します（確認のみ: 削除しません）。', en: 'Files of runs started before {before} ({days} days): dry run, nothing is deleted.' }
          : { ja: '{before} より前に開始した実行のファイル（保存期間 {days} 日）を削除しました。', en: 'Deleted the files of runs started before {before} ({days} days).' },
        { before: tokyoDateTime(summary.before), days: summary.days },
      ));
      if (summary.runs.length === 0) {
        console.log(t({ ja: '削除するファイルはありません。', en: 'Nothing to delete.' }));
      } else {
        console.log(formatTable(
          [t({ ja: '実行ID', en: 'run' }), t({ ja: '開始', en: 'started' }), t({ ja: '状態', en: 'status' }), t({ ja: 'ファイル数', en: 'files' }), t({ ja: 'バイト数', en: 'bytes' })],
          summary.runs.map((run) => [run.runId, tokyoDateTime(run.startedAt), t(STATUS_TEXT[run.status]), run.files, run.bytes]),
        ));
        console.log(t(
          { ja: '合計: {runs} 件の実行、{files} ファイル、{bytes} バイト', en: 'Total: {runs} runs, {files} files, {bytes} bytes' },
          { runs: summary.runs.length, files: summary.files, bytes: summary.bytes },
        ));
      }
      if (summary.dailyLogs > 0) console.log(t({ ja: '保存期間を過ぎた日次ログ {count} 件を削除しました。', en: 'Removed {count} daily logs past retention.' }, { count: summary.dailyLogs }));
      if (summary.error) printError(summary.error);
      process.exitCode = exitCodeFor(summary.error);
    } catch (error) {
      fail(error);
    }
  });

program
  .command('doctor')
  .description('実行に必要なもの（設定・秘密情報・データベース・ブラウザー・PMH・ディスク・時計）を点検します / check everything a run needs')
  .option('-c, --config <file>', '設定ファイル / configuration file', DEFAULT_CONFIG)
  .action(async (opts: { config: string }) => {
    try {
      const report = await runDoctor(opts.config);
      printDoctorReport(report);
      process.exitCode = doctorExitCode(report);
    } catch (error) {
      fail(error);
    }
  });

const profileCommand = program.command('profile').description('画面プロファイル / the screen profile');

profileCommand
  .command('check')
  .description('PMH の画面をプロファイルどおりに最後の送信の手前までたどり、送信せずに止まります / walk the PMH screen with the profile up to the final submit, without submitting')
  .option('-c, --config <file>', '設定ファイル / configuration file', DEFAULT_CONFIG)
  .option('--headed', 'ブラウザーの画面を表示して実行する（browser.headless: false）/ show the browser window')
  .option('--slow-mo <ms>', '操作ごとの待ち時間（ミリ秒、browser.slow_mo_ms）/ ms between browser actions')
  .action(async (opts: { config: string } & BrowserCommandOptions) => {
    try {
      const browser = browserOverrides(opts);
      const { file, config } = loadConfig(opts.config);
      configureSecrets(config, file);
      checkSecrets(config);
      const check = await withRunLock(config.data_dir, { command: 'pmh-bot profile check' }, () => checkScreenProfile(withBrowserOverrides(config, browser)), {
        ...lockOptionsFor(config, file), releaseOnSignals: true, announce: true,
      });
      printRehearsal(check);
      flushLogs();
      process.exitCode = exitCodeFor(check.error);
    } catch (error) {
      fail(error);
    }
  });

program
  .command('replay <runId>')
  .description('失敗・中断した実行を、止まったところから再実行します（二重送信しません）/ resume a failed or crashed run without sending anything twice')
  .option('-c, --config <file>', '設定ファイル / configuration file', DEFAULT_CONFIG)
  .option('--re-extract', '抽出からやり直す / start again from extraction')
  .option('--confirm-resubmit', 'PMH の履歴にないファイルの再送を許可する / allow resending a file PMH\'s history does not list')
  .option('--dry-run', '何をするかだけを表示する / only show what would be done')
  .action(async (runId: string, opts: { config: string; reExtract?: boolean; confirmResubmit?: boolean; dryRun?: boolean }) => {
    try {
      const { config } = loadConfig(opts.config);
      const request = { config, runId, reExtract: !!opts.reExtract, confirmResubmit: !!opts.confirmResubmit };
      if (opts.dryRun) {
        const ledger = new Ledger(ledgerPath(config));
        const snapshot = new Snapshot(snapshotPath(config));
        try {
          for (const line of formatReplayPlan(planReplay(ledger, snapshot, request))) console.log(line);
        } finally {
          snapshot.close();
          ledger.close();
        }
        return;
      }
      configureSecrets(config, opts.config);
      checkSecrets(config);
      console.log(t({ ja: '実行 {id} を再実行します', en: 'Replaying run {id}' }, { id: runId }));
      const summary = await withRunLock(config.data_dir, { command: 'pmh-bot replay', runId }, () => replayRun(request), {
        ...lockOptionsFor(config, opts.config), releaseOnSignals: true, announce: true,
      });
      printRunSummary(summary);
      process.exitCode = exitCodeFor(summary.error);
    } catch (error) {
      fail(error);
    }
  });

program
  .command('show <runId>')
  .description('1 回の実行の詳細（手順・エラー・成果物・再実行の系譜）/ show one run: steps, errors, artifacts, lineage')
  .option('-c, --config <file>', '設定ファイル / configuration file', existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : EXAMPLE_CONFIG)
  .action((runId: string, opts: { config: string }) => {
    try {
      const { config } = loadConfig(opts.config);
      const path = ledgerPath(config);
      if (!existsSync(path)) throw pmhError('RunNotFound', { runId });
      const ledger = new Ledger(path);
      try {
        const run = ledger.run(runId);
        if (!run) throw pmhError('RunNotFound', { runId });
        for (const line of formatRun(ledger, run, standingsOf(config, ledger, run))) console.log(line);
      } finally {
        ledger.close();
      }
    } catch (error) {
      fail(error);
    }
  });

program
  .command('daemon')
  .description('設定 schedule.cron に従って定期実行します（常駐）/ run on the schedule (stays running)')
  .option('-c, --config <file>', '設定ファイル / configuration file', DEFAULT_CONFIG)
  .action(async (opts: { config: string }) => {
    try {
      // Loaded once: a bad config stops the daemon now, not at the next trigger.
      const { file, config } = loadConfig(opts.config);
      configureSecrets(config, file);
      checkSecrets(config);
      const daemon = startDaemon(config, { configFile: file });
      stopOnSignals(daemon);
      await daemon.ready;
    } catch (error) {
      fail(error);
    }
  });

program
  .command('schedule')
  .description('OS のスケジューラーでの定期実行 / scheduling with the OS scheduler')
  .command('install')
  .description('Windows タスク スケジューラーまたは systemd の定義ファイルを作成します / write the Task Scheduler or systemd files')
  .option('-c, --config <file>', '設定ファイル / configuration file', DEFAULT_CONFIG)
  .option('--windows', 'タスク スケジューラーの XML を作成 / write a Task Scheduler task (XML)')
  .option('--systemd', 'systemd の service と timer を作成 / write a systemd service and timer')
  .option('--out <dir>', '出力先フォルダー / output folder', '.')
  .option('--time <HH:MM>', '実行時刻（日本時間）/ time of day, Japan time')
  .option('--days <days>', '曜日 例 mon-fri, mon,wed,fri, daily / days')
  .option('--user <account>', '実行するアカウント / the account that runs it')
  .option('--logon <type>', 'Windows のログオン方法 password | s4u / Windows logon type', 'password')
  .option('--env-file <file>', 'systemd: 秘密情報のファイル / secrets file (EnvironmentFile=)')
  .option('--node <file>', '実行する node（既定: いま動いているもの）/ the node executable to run (default: this one)')
  .option('--script <file>', '実行する bin/pmh-bot.mjs（既定: このプログラムのもの）/ the bin/pmh-bot.mjs to run (default: this program\'s)')
  .action((opts: { config: string; windows?: boolean; systemd?: boolean; out: string; time?: string; days?: string; user?: string; logon: string; envFile?: string; node?: string; script?: string }) => {
    try {
      if (!!opts.windows === !!opts.systemd) {
        throw pmhError('ScheduleOptionInvalid', { option: '--windows / --systemd', value: '', detail: 'どちらか一方を指定してください / give exactly one' });
      }
      if (opts.logon !== 'password' && opts.logon !== 's4u') {
        throw pmhError('ScheduleOptionInvalid', { option: '--logon', value: opts.logon, detail: 'password または s4u / password or s4u' });
      }
      const { file, config } = loadConfig(opts.config);
      const result = installSchedule({
        config, configFile: file, target: opts.windows ? 'windows' : 'systemd', outDir: opts.out,
        time: opts.time, days: opts.days, user: opts.user, logon: opts.logon, envFile: opts.envFile, node: opts.node, script: opts.script,
      });
      console.log(t({ ja: '定期実行の定義ファイルを作成しました（{when}）:', en: 'Wrote the schedule files ({when}):' }, { when: describeSchedule(result.time) }));
      for (const written of result.files) console.log(`  ${written}`);
      console.log(t(opts.windows
        ? { ja: '管理者のコマンド プロンプトで次を実行して登録します（パスワードを聞かれます）:', en: 'Register it from an administrator command prompt (asks for the password):' }
        : { ja: '次のコマンドで登録します（User= と EnvironmentFile= を確認してから）:', en: 'Register them with (check User= and EnvironmentFile= first):' }));
      for (const command of result.commands) console.log(`  ${command}`);
    } catch (error) {
      fail(error);
    }
  });

program
  .command('report <runId>')
  .description('実行レポート（HTML）を作成し、そのパスを表示します / write the run report (HTML) and print its path')
  .option('-c, --config <file>', '設定ファイル / configuration file', existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : EXAMPLE_CONFIG)
  .action(async (runId: string, opts: { config: string }) => {
    try {
      const { config } = loadConfig(opts.config);
      const path = ledgerPath(config);
      if (!existsSync(path)) throw pmhError('RunNotFound', { runId });
      const ledger = new Ledger(path);
      try {
        const run = ledger.run(runId);
        if (!run) throw pmhError('RunNotFound', { runId });
        console.log(await ensureRunReport(ledger, runId, { lang: program.opts<{ lang: Lang }>().lang, standings: standingsOf(config, ledger, run) }));
      } finally {
        ledger.close();
      }
    } catch (error) {
      fail(error);
    }
  });

const STATUS_TEXT = {
  running: { ja: '実行中', en: 'running' },
  succeeded: { ja: '成功', en: 'succeeded' },
  failed: { ja: '失敗', en: 'failed' },
  held: { ja: '承認待ち', en: 'held' },
} as const;

/** Parses the command line and runs the command; an unexpected throw exits with EXIT.unexpected. */
export async function runProgram(argv: readonly string[] = process.argv): Promise<void> {
  await program.parseAsync(argv).catch((error: unknown) => {
    console.error(error);
    process.exit(EXIT.unexpected);
  });
}
