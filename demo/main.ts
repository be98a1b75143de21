/**
 * `pmh-bot demo`: the production command line plus the demo command. Only this entry point
 * loads the simulator and the demo data generator; bin/pmh-bot.mjs comes here for `demo` alone.
 */
import { loadConfig } from '../config/load.ts';
import { configureSecrets } from '../config/secrets.ts';
import { exitCodeFor } from '../core/exit-codes.ts';
import { t } from '../core/i18n.ts';
import { browserOverrides, type BrowserCommandOptions } from '../flows/browser.ts';
import { cliText } from '../bot/cli/cli-text.ts';
import { printRunSummary } from '../bot/cli/print-run.ts';
import { EXAMPLE_CONFIG, fail, program, runProgram } from '../bot/cli/program.ts';
import { runDemo } from './demo.ts';

program
  .command('demo')
  .description('デモ用データと PMH シミュレーターで 1 回分を実行します / run the embedded demo end to end')
  .option('-c, --config <file>', '設定ファイル / configuration file', EXAMPLE_CONFIG)
  .option('-n, --recipients <count>', '受給者数 / number of recipients', (v) => Number.parseInt(v, 10), 2000)
  .option('--keep-sim', 'シミュレーターを起動したままにする / keep the simulator running')
  .option('--headed', 'ブラウザーの画面を表示して実行する（browser.headless: false）/ show the browser window')
  .option('--slow-mo <ms>', '操作ごとの待ち時間（ミリ秒、browser.slow_mo_ms）/ ms between browser actions')
  .action(async (opts: { config: string; recipients: number; keepSim?: boolean } & BrowserCommandOptions) => {
    try {
      const browser = browserOverrides(opts);
      const loaded = loadConfig(opts.config);
      configureSecrets(loaded.config, loaded.file);
      const demo = await runDemo({ configPath: opts.config, recipients: opts.recipients, keepSimulator: !!opts.keepSim, browser });
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

await runProgram();
