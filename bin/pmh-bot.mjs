#!/usr/bin/env node
// The pmh-bot command. It runs the compiled JavaScript in build/ (`npm run build`; the
// offline bundle ships it built): no TypeScript loader, no extra executable at run time.
// Developers run the sources with `npm run dev -- <command>`.
// `pmh-bot demo` has its own entry point: the production commands never load the
// simulator or the demo data (demo/ lies outside the production path).
import { existsSync } from 'node:fs';

// The ledger, the snapshot and SQLite sources use node:sqlite, built into Node.js 24 and later:
// on an older Node.js, say so instead of failing on a missing module.
if (Number(process.versions.node.split('.')[0]) < 24) {
  process.stderr.write(
    `pmh-bot には Node.js 24 以上が必要です（この PC の Node.js は ${process.version}）。Node.js 24 LTS をインストールしてください。\n` +
      `pmh-bot needs Node.js 24 or later (this is ${process.version}): install Node.js 24 LTS.\n`,
  );
  process.exit(4);
}

/** The command named on the line: the first word that is neither an option nor an option's value. */
function commandOf(args) {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--lang') i += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return null;
}

const entry = new URL(commandOf(process.argv.slice(2)) === 'demo' ? '../build/demo/main.js' : '../build/bot/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('pmh-bot はビルドされていません。npm run build を実行してください。/ pmh-bot is not built: run npm run build.');
  process.exit(1);
}
await import(entry.href);
