#!/usr/bin/env node
// The pmh-bot command. The TypeScript sources run as they are through tsx's loader
// (see README, "Development"): no build step, so what runs is what was reviewed.
// `pmh-bot demo` has its own entry point: the production commands never load the
// simulator or the demo data (demo/ lies outside the production path).
import { register } from 'tsx/esm/api';

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

register();
await import(commandOf(process.argv.slice(2)) === 'demo' ? '../demo/main.ts' : '../bot/cli/main.ts');
