/** The production command line's entry point (bin/pmh-bot.mjs loads it for every command but `demo`). */
import { program, runProgram } from './program.ts';

program.addHelpText('after', '\n  demo: デモ用データと PMH シミュレーターで 1 回分を実行します / run the embedded demo (pmh-bot demo --help)');
await runProgram();
