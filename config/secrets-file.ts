/**
 * The secrets file (config `secrets.file`): KEY=VALUE lines, `#` comments, for a site that
 * cannot set environment variables for the bot's account. It holds passwords, so on POSIX
 * it must be readable by its owner only; the bot refuses to start otherwise. On Windows
 * the file's ACL is not checked: it must live in a folder only the bot's account can read
 * (docs/operator-guide.md).
 */
import { readFileSync, statSync } from 'node:fs';
import { pmhError } from '../core/errors.ts';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Access bits for group and others: any of them set is too open. */
const NOT_OWNER = 0o077;

/** `-rw-r--r--` style text of a mode, with its octal form: operators know both. */
export function describeMode(mode: number): string {
  const bits = mode & 0o777;
  const rwx = ['r', 'w', 'x'];
  let text = '';
  for (let shift = 8; shift >= 0; shift -= 1) text += bits & (1 << shift) ? rwx[(8 - shift) % 3] : '-';
  return `${bits.toString(8).padStart(4, '0')} (${text})`;
}

/** Refuses a secrets file that group or others can access (POSIX only). */
export function checkSecretsFileMode(file: string, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return;
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (error) {
    throw pmhError('SecretsFileUnreadable', { file, detail: (error as NodeJS.ErrnoException).code ?? String(error) });
  }
  if ((mode & NOT_OWNER) !== 0) throw pmhError('SecretsFileTooOpen', { file, mode: describeMode(mode) });
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) return value.slice(1, -1);
  return value;
}

/**
 * Parses KEY=VALUE lines. Blank lines and `#` comments are skipped, `export ` before a key
 * is allowed (the same file can be sourced by a shell), one pair of quotes around a value
 * is removed. A malformed line is an error naming its number, never its content.
 */
export function parseSecretsFile(file: string, text: string): Map<string, string> {
  const values = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim().replace(/^export\s+/, '') : '';
    if (!KEY.test(key)) throw pmhError('SecretsFileSyntax', { file, line: i + 1 });
    values.set(key, unquote(line.slice(eq + 1).trim()));
  });
  return values;
}

/** Checks the file's permissions, then reads it. */
export function readSecretsFile(file: string): Map<string, string> {
  checkSecretsFileMode(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw pmhError('SecretsFileUnreadable', { file, detail: (error as NodeJS.ErrnoException).code ?? String(error) });
  }
  return parseSecretsFile(file, text);
}
