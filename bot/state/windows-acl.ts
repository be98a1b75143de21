/**
 * Who may open the data folder on Windows, read back from `icacls`. The installer
 * (scripts/windows/install.ps1) leaves the folder to the bot's account, Administrators and
 * SYSTEM; anything else found there (BUILTIN\Users inherited from C:\ProgramData, a folder
 * made by hand) could read the personal data the bot keeps, and doctor says so by name.
 *
 * icacls prints one access entry per line, the first on the folder's own line:
 *
 *     C:\ProgramData\pmh-bot\data NT AUTHORITY\SYSTEM:(OI)(CI)(F)
 *                                 BUILTIN\Users:(I)(OI)(CI)(RX)
 *
 *     1 個のファイルが正常に処理されました。0 個のファイルを処理できませんでした
 *
 * Well-known principals keep their English names on a Japanese Windows; an account that
 * no longer resolves is printed as its SID. The last line is in the system's language and
 * is not read.
 */
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';

export interface AclEntry {
  /** As icacls prints it: `BUILTIN\Users`, `PC01\pmhbot`, `CREATOR OWNER`, or a SID. */
  principal: string;
  /** The rights: `F`, `RX`, `M`, or a list such as `WD,AD,WEA,A`. */
  rights: string;
  /** Inherited from the parent folder (I): `/inheritance:r` drops it. */
  inherited: boolean;
  /** A deny entry takes access away; it never gives any. */
  deny: boolean;
}

/** Inheritance and entry-type flags, as opposed to the rights themselves. */
const FLAGS = new Set(['I', 'OI', 'CI', 'IO', 'NP', 'DENY']);

/** `<principal>:(flag)(flag)(rights)` at the end of a line. */
const ENTRY = /^(.*):((?:\([^()]*\))+)$/;

/** Administrators and SYSTEM by name and by SID, and CREATOR OWNER (stands for whoever creates a file: the bot). */
const ALWAYS_ALLOWED = new Set([
  'builtin\\administrators', 's-1-5-32-544',
  'nt authority\\system', 's-1-5-18',
  'creator owner', 's-1-3-0',
]);

/** The Administrators and SYSTEM SIDs, as icacls takes them whatever the system's language. */
const ADMINISTRATORS_SID = '*S-1-5-32-544';
const SYSTEM_SID = '*S-1-5-18';

/** The entries icacls printed for `path` (what it printed as the path is removed from the first). */
export function parseIcacls(output: string, path: string): AclEntry[] {
  const lines = output.split(/\r?\n/).map((line) => line.trimEnd());
  const entries: AclEntry[] = [];
  let first = true;
  for (const [index, line] of lines.entries()) {
    const match = ENTRY.exec(line);
    if (!match) continue;
    let principal = match[1]!;
    if (first) {
      principal = principal.slice(firstPrincipalColumn(principal, path, lines.slice(index + 1)));
      first = false;
    }
    principal = principal.trim();
    if (!principal) continue;
    const groups = [...match[2]!.matchAll(/\(([^()]*)\)/g)].map((group) => group[1]!);
    entries.push({
      principal,
      rights: groups.filter((group) => !FLAGS.has(group)).join(','),
      inherited: groups.includes('I'),
      deny: groups.includes('DENY'),
    });
  }
  return entries;
}

/**
 * Where the first entry starts on the folder's line: after the path as given, or else (icacls
 * wrote the path another way) at the column the following entries are indented to.
 */
function firstPrincipalColumn(line: string, path: string, rest: string[]): number {
  if (line.toLowerCase().startsWith(`${path.toLowerCase()} `)) return path.length + 1;
  const next = rest.find((candidate) => ENTRY.test(candidate) && /^\s/.test(candidate));
  if (next) return next.length - next.trimStart().length;
  return Math.min(path.length + 1, line.length);
}

/** `PC01\pmhbot` and `pmhbot` are the same account when one side names no domain. */
function sameAccount(principal: string, account: string): boolean {
  const a = principal.toLowerCase();
  const b = account.toLowerCase();
  if (a === b) return true;
  const name = (value: string): string => value.slice(value.lastIndexOf('\\') + 1);
  return (!a.includes('\\') || !b.includes('\\')) && name(a) === name(b);
}

/**
 * The principals that have some access and are none of the bot's account, Administrators,
 * SYSTEM or CREATOR OWNER, in the order icacls lists them; with each, whether an entry of
 * it is explicit (set on the folder itself, so `/inheritance:r` alone does not remove it).
 */
export function unexpectedPrincipals(entries: AclEntry[], account: string): Array<{ principal: string; explicit: boolean }> {
  const found = new Map<string, { principal: string; explicit: boolean }>();
  for (const entry of entries) {
    if (entry.deny) continue;
    // An integrity label is not an access entry.
    if (entry.principal.toLowerCase().startsWith('mandatory label\\')) continue;
    if (ALWAYS_ALLOWED.has(entry.principal.toLowerCase()) || sameAccount(entry.principal, account)) continue;
    const key = entry.principal.toLowerCase();
    const seen = found.get(key);
    found.set(key, { principal: seen?.principal ?? entry.principal, explicit: (seen?.explicit ?? false) || !entry.inherited });
  }
  return [...found.values()];
}

function principalArgument(principal: string): string {
  // A SID icacls could not name is given back as *SID.
  return /^S-1-[\d-]+$/i.test(principal) ? principal.toUpperCase().replace(/^S/, '*S') : `"${principal}"`;
}

/**
 * The commands (for an administrator command prompt) that leave `path` to the bot's account,
 * Administrators and SYSTEM, inherited by everything inside: what install.ps1 sets.
 */
export function icaclsFix(path: string, account: string, explicit: string[] = []): string {
  const grant = `icacls "${path}" /inheritance:r /grant:r "${account}:(OI)(CI)F" "${ADMINISTRATORS_SID}:(OI)(CI)F" "${SYSTEM_SID}:(OI)(CI)F"`;
  if (explicit.length === 0) return grant;
  return `${grant} && icacls "${path}" /remove:g ${explicit.map(principalArgument).join(' ')}`;
}

/**
 * icacls writes in the console's code page when its output is a pipe (932 on a Japanese
 * Windows); UTF-16 (with a BOM) and UTF-8 are taken as such.
 */
export function decodeConsoleOutput(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return iconv.decode(bytes, 'cp932');
  }
}

/** The account this process runs as, as icacls names it: `DOMAIN\user` (the machine's name for a local account). */
export function currentWindowsAccount(): string {
  const user = userInfo().username;
  const domain = process.env.USERDOMAIN;
  return domain ? `${domain}\\${user}` : user;
}

const execFileAsync = promisify(execFile);

/** Runs the system's own icacls on `path` (no shell) and returns what it printed. */
export async function runIcacls(path: string): Promise<string> {
  const icacls = join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'icacls.exe');
  const { stdout } = await execFileAsync(icacls, [path], { encoding: 'buffer', windowsHide: true, timeout: 15_000 });
  return decodeConsoleOutput(stdout);
}
