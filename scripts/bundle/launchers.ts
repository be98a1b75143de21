/**
 * The command an operator types in the unzipped (or installed) bundle: the bundled node runs
 * the bundled application, found from the launcher's own folder, and its exit code is the
 * launcher's (Task Scheduler and systemd read it; README "Exit codes").
 */
import type { BundleTarget } from './targets.ts';

/** pmh-bot.cmd. %~dp0 is the script's folder with a trailing backslash; CRLF, as cmd.exe expects. */
const WINDOWS = [
  '@echo off',
  'rem pmh-bot: runs the bundled Node.js on the bundled application, from this folder.',
  'rem The exit code is pmh-bot\'s (0 success, 2 business, 3 system, 4 critical, 1 unexpected).',
  'setlocal',
  '"%~dp0node\\node.exe" "%~dp0app\\bin\\pmh-bot.mjs" %*',
  'exit /b %ERRORLEVEL%',
  '',
].join('\r\n');

/** pmh-bot for Linux: POSIX sh; readlink -f so a symlink to it (in /usr/local/bin) works too. */
const LINUX = [
  '#!/bin/sh',
  '# pmh-bot: runs the bundled Node.js on the bundled application, from this script\'s folder.',
  '# The exit code is pmh-bot\'s (0 success, 2 business, 3 system, 4 critical, 1 unexpected).',
  'here=$(dirname -- "$(readlink -f -- "$0")") || exit 1',
  'exec "$here/node/bin/node" "$here/app/bin/pmh-bot.mjs" "$@"',
  '',
].join('\n');

export function launcher(target: BundleTarget): { name: string; text: string; executable: boolean } {
  return target.os === 'win32' ? { name: 'pmh-bot.cmd', text: WINDOWS, executable: false } : { name: 'pmh-bot', text: LINUX, executable: true };
}
