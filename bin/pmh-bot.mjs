#!/usr/bin/env node
// The pmh-bot command. The TypeScript sources run as they are through tsx's loader
// (see README, "Development"): no build step, so what runs is what was reviewed.
// `pmh-bot demo` has its own entry point: the production commands never load the
// simulator or the demo data (demo/ lies outside the production path).
import { register } from 'tsx/esm/api';

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
