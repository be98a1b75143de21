/**
 * The command line: `pmh-bot run`, `pmh-bot demo`, `pmh-bot runs`.
 * Operators read its output: everything it prints is in Japanese (or English with --lang en).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig } from '../config/load.ts';
import { checkSecrets } from '../config/secrets.ts';
import { asPmhBotError } from '../core/errors.ts';
import { setLang, t, type Lang } from '../core/i18n.ts';
import { tokyoDateTime } from './clock.ts';
import { formatTable } from './text-table.ts';
import { cliText } from './cli-text.ts';
import { runDemo } from './demo.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { Ledger } from './ledger.ts';
import { printError, printRunSummary } from './report-console.ts';
import { approveRun, ledgerPath, runCycle } from './run.ts';

const DEFAULT_CONFIG = process.env.PMH_BOT_CONFIG ?? 'pmh-bot.yaml';
const EXAMPLE_CONFIG = resolve(import.meta.dirname, '../config/pmh-bot.example.yaml');

function fail(error: unknown): never {
  const pmh = asPmhBotError(error);
  printError(pmh);
  process.exit(exitCodeFor(pmh));
}

const program = new Command()
  .name('pmh-bot')
  .description('PMH 医療費助成 受給者情報の自動アップロード / PMH medical-subsidy upload bot')
  .addOption(new Option('--lang <lang>', '表示言語 / display language').choices(['ja', 'en']).default(process.env.PMH_BOT_LANG ?? 'ja'))
  .hook('preAction', (command) => setLang(command.opts<{ lang: Lang }>().lang));

program
  .command('run')
  .description('1 回分の処理（抽出・検証・アップロード）を実行します / run one cycle')
  .option('-c, --config <file>', '設定ファイル / configuration file', DEFAULT_CONFIG)
  .action(async (opts: { config: string }) => {
    try {
      const { file, config } = loadConfig(opts.config);
      checkSecrets(config);
      console.log(t(cliText.runStarted, { file }));
      const summary = await runCycle({ config, trigger: 'manual' });
      printRunSummary(summary);
      process.exitCode = exitCodeFor(summary.error);
    } catch (error) {
      fail(error);
    }
  });

program
  .command('demo')
  .description('デモ用データと PMH シミュレーターで 1 回分を実行します / run the embedded demo end to end')
  .option('-c, --config <file>', '設定ファイル / configuration file', EXAMPLE_CONFIG)
  .option('-n, --recipients <count>', '受給者数 / number of recipients', (v) => Number.parseInt(v, 10), 2000)
  .option('--keep-sim', 'シミュレーターを起動したままにする / keep the simulator running')
  .action(async (opts: { config: string; recipients: number; keepSim?: boolean }) => {
    try {
      const demo = await runDemo({ configPath: opts.config, recipients: opts.recipients, keepSimulator: !!opts.keepSim });
      printRunSummary(demo.summary);
      process.exitCode = exitCodeFor(demo.summary.error);
      if (opts.keepSim) {
        console.log(t(cliText.demoSimHistory, { url: demo.historyUrl, user: demo.userId, env: demo.passwordEnv }));
        console.log(t(cliText.demoKeepSim));
      } else {
        console.log(t(cliText.demoHowToKeepSim));
      }
    } catch (error) {
      fail(error);
    }
  });

program
  .command('approve <runId>')
  .description('変更件数の上限で止まった実行を承認し、アップロードを続けます / approve a run held by the mass-change guard')
  .option('-c, --config <file>', '設定ファイル / configuration file', DEFAULT_CONFIG)
  .action(async (runId: string, opts: { config: string }) => {
    try {
      const { config } = loadConfig(opts.config);
      checkSecrets(config);
      console.log(t(cliText.approving, { id: runId }));
      const summary = await approveRun(config, runId);
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
          t({ ja: 'エラー', en: 'rejected' }), t({ ja: 'エラーコード', en: 'error' }),
        ];
        const rows = runs.map((run) => [
          run.id, run.trigger, t(STATUS_TEXT[run.status]), tokyoDateTime(run.started_at),
          run.ended_at ? Math.round((Date.parse(run.ended_at) - Date.parse(run.started_at)) / 1000) : '-',
          run.extracted, run.quarantined, run.uploaded, run.accepted ?? '-', run.rejected ?? '-', run.error_code ?? '',
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

const STATUS_TEXT = {
  running: { ja: '実行中', en: 'running' },
  succeeded: { ja: '成功', en: 'succeeded' },
  failed: { ja: '失敗', en: 'failed' },
  held: { ja: '承認待ち', en: 'held' },
} as const;

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error);
  process.exit(EXIT.unexpected);
});
