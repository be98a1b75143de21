/**
 * Doctor checks of the machine itself: room on the data folder's drive, the data folder
 * writable and closed to other accounts, the clock against PMH's server, and the time zone.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BrowserConfig } from '../../../config/schema.ts';
import { pmhError } from '../../../core/errors.ts';
import { t } from '../../../core/i18n.ts';
import { routeOf, sendOnce, type HttpAnswer } from '../../../flows/pmh-http.ts';
import { tokyoDate } from '../../../core/clock.ts';
import { checkPrivate } from '../../state/permissions.ts';
import { currentWindowsAccount, icaclsFix, parseIcacls, runIcacls, unexpectedPrincipals } from '../../state/windows-acl.ts';
import type { CheckOutcome, CheckSpec } from './check.ts';

const MB = 1024 * 1024;

/**
 * The least free space a run needs. A run of a large municipality holds every extracted
 * row in its staging store (deleted after shaping), writes the upload files (PMH takes
 * files of up to tens of MB each) and keeps screenshots and PMH's error lists as evidence:
 * a few hundred MB at the peak. Under twice this, the doctor warns.
 */
export const MIN_FREE_BYTES = 500 * MB;

/** PMH's certificates and one-time passwords tolerate little drift; beyond this a run fails. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

function detailOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).slice(0, 300);
}

/** The folder itself, or its nearest existing parent (the data folder may not exist before the first run). */
function nearestExisting(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

async function checkDiskSpace(dataDir: string): Promise<CheckOutcome> {
  const stats = await statfs(nearestExisting(dataDir));
  const free = Number(stats.bavail) * Number(stats.bsize);
  const params = { path: dataDir, free: Math.floor(free / MB), required: Math.floor(MIN_FREE_BYTES / MB) };
  if (free < MIN_FREE_BYTES) throw pmhError('DiskSpaceLow', params);
  if (free < 2 * MIN_FREE_BYTES) {
    return { status: 'warn', detail: t({ ja: '空き {free} MB（必要 {required} MB の 2 倍未満です。早めに空きを作ってください）', en: '{free} MB free (under twice the {required} MB needed; make room soon)' }, params) };
  }
  return { status: 'ok', detail: t({ ja: '空き {free} MB', en: '{free} MB free' }, params) };
}

/** Writes and removes a file; a data folder that does not exist yet is created and removed again. */
async function checkDataDir(dataDir: string): Promise<CheckOutcome> {
  const probe = join(dataDir, `.pmh-bot-doctor-${process.pid}-${randomBytes(4).toString('hex')}`);
  let created: string | undefined;
  try {
    created = mkdirSync(dataDir, { recursive: true });
    writeFileSync(probe, 'pmh-bot doctor\n', { flag: 'wx' });
    rmSync(probe);
  } catch (error) {
    throw pmhError('DataDirNotWritable', { path: dataDir, detail: detailOf(error) }, error);
  } finally {
    rmSync(probe, { force: true });
    // Only what this check created is removed; nothing else was in it.
    if (created) rmSync(created, { recursive: true, force: true });
  }
  return {
    status: 'ok',
    detail: created
      ? t({ ja: '{path}（まだないため、作成できることを確認しました）', en: '{path} (does not exist yet; it can be created)' }, { path: dataDir })
      : dataDir,
  };
}

export interface DataDirAccessOptions {
  /** Whether the folder existed before doctor's own write check could create it. */
  existed: boolean;
  platform?: NodeJS.Platform;
  /** What `icacls <folder>` prints (Windows). */
  icacls?: (path: string) => Promise<string>;
  /** The bot's account, as icacls names it; default: the account running doctor. */
  account?: string;
}

/** POSIX: the folder is 0700 (a run makes it so again). */
function checkPosixAccess(dataDir: string, existed: boolean): CheckOutcome {
  if (!existed) {
    return { status: 'ok', detail: t({ ja: '{path}（まだありません。最初の実行で作成し、ボットのアカウントだけが読めるようにします: 700）', en: '{path} (does not exist yet; the first run creates it readable by the bot\'s account only: 700)' }, { path: dataDir }) };
  }
  const check = checkPrivate(dataDir);
  if (check.private) return { status: 'ok', detail: t({ ja: '{path}: {mode}（ボットのアカウントだけ）', en: '{path}: {mode} (the bot\'s account only)' }, { path: dataDir, mode: check.mode ?? '' }) };
  return {
    status: 'warn',
    detail: t({ ja: '{path}: {mode}（所有者以外にも権限があります。次の実行で 700 に直します）', en: '{path}: {mode} (others have access; the next run sets it to 700)' }, { path: dataDir, mode: check.mode ?? '' }),
    error: pmhError('PathNotPrivate', { path: dataDir, mode: check.mode ?? '' }),
  };
}

/**
 * Windows: the folder's access entries, from icacls. A folder the bot creates itself
 * inherits its parent's entries (C:\ProgramData lets every user read), so a missing one
 * is only a warning that the installer has not set it up.
 */
async function checkWindowsAccess(dataDir: string, options: DataDirAccessOptions): Promise<CheckOutcome> {
  const account = options.account ?? currentWindowsAccount();
  const fix = icaclsFix(dataDir, account);
  if (!options.existed) {
    return {
      status: 'warn',
      detail: t({
        ja: '{path} はまだありません。ボットが作ると上のフォルダーのアクセス許可を引き継ぐため、install.ps1 で作成するか、作成後に管理者のコマンド プロンプトで次を実行してください: {fix}',
        en: '{path} does not exist yet. Made by the bot, it would inherit its parent\'s access; create it with install.ps1, or once it exists run from an administrator command prompt: {fix}',
      }, { path: dataDir, fix }),
    };
  }
  let output: string;
  try {
    output = await (options.icacls ?? runIcacls)(dataDir);
  } catch (error) {
    return { status: 'warn', detail: t({ ja: 'icacls でアクセス許可を読めないため確認できません（{detail}）', en: 'not checked: icacls could not read the access entries ({detail})' }, { detail: detailOf(error) }) };
  }
  const entries = parseIcacls(output, dataDir);
  if (entries.length === 0) {
    return { status: 'warn', detail: t({ ja: 'icacls の出力にアクセス許可が見つからないため確認できません', en: 'not checked: no access entry found in what icacls printed' }) };
  }
  const others = unexpectedPrincipals(entries, account);
  if (others.length === 0) {
    return { status: 'ok', detail: t({ ja: '{path}: ボットのアカウント（{account}）・Administrators・SYSTEM だけ', en: '{path}: the bot\'s account ({account}), Administrators and SYSTEM only' }, { path: dataDir, account }) };
  }
  const principals = others.map((other) => other.principal).join(', ');
  return {
    status: 'warn',
    detail: t({ ja: '{path}: 他のアカウントにも権限があります: {principals}', en: '{path}: other accounts have access too: {principals}' }, { path: dataDir, principals }),
    error: pmhError('DataDirAclTooOpen', {
      path: dataDir, account, principals,
      fix: icaclsFix(dataDir, account, others.filter((other) => other.explicit).map((other) => other.principal)),
    }),
  };
}

/** Who can open the data folder besides the bot: a warning naming them, with the fix. */
export async function checkDataDirAccess(dataDir: string, options: DataDirAccessOptions): Promise<CheckOutcome> {
  return (options.platform ?? process.platform) === 'win32' ? checkWindowsAccess(dataDir, options) : checkPosixAccess(dataDir, options.existed);
}

/**
 * The local clock against the Date header of PMH's server, reached as the bot reaches it
 * (browser.proxy, browser.ca_bundle); unreachable PMH only warns (its own check fails).
 */
async function checkClock(url: string, browser: BrowserConfig): Promise<CheckOutcome> {
  let response: HttpAnswer;
  const sent = Date.now();
  try {
    response = await sendOnce(routeOf(browser), url, { method: 'GET', timeoutMs: 15_000, headOnly: true });
  } catch (error) {
    return { status: 'warn', detail: t({ ja: 'PMH に接続できないため確認できません（{detail}）', en: 'not checked: PMH cannot be reached ({detail})' }, { detail: detailOf(error) }) };
  }
  const received = Date.now();
  const header = response.headers.date;
  const server = header ? Date.parse(header) : Number.NaN;
  if (Number.isNaN(server)) {
    return { status: 'warn', detail: t({ ja: 'PMH の応答に時刻（Date）がないため確認できません', en: 'not checked: PMH\'s answer has no Date header' }) };
  }
  // The header truncates to whole seconds (the server's time lies in [server, server + 1 s));
  // the request's midpoint is the best local counterpart.
  const offset = Math.round(((sent + received) / 2 - (server + 500)) / 1000);
  const signed = offset > 0 ? `+${offset}` : String(offset);
  if (Math.abs(offset) > MAX_CLOCK_SKEW_SECONDS) throw pmhError('ClockSkew', { offset: signed, limit: MAX_CLOCK_SKEW_SECONDS });
  return { status: 'ok', detail: t({ ja: 'PMH サーバーとの差 {offset} 秒', en: '{offset} s from PMH\'s server' }, { offset: signed }) };
}

function localDate(at: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/** The bot always dates in Asia/Tokyo; a terminal on another date only deserves a warning. */
async function checkTimeZone(): Promise<CheckOutcome> {
  const now = new Date();
  const params = { tokyo: tokyoDate(now), local: localDate(now), zone: Intl.DateTimeFormat().resolvedOptions().timeZone };
  if (params.tokyo !== params.local) {
    return {
      status: 'warn',
      detail: t({
        ja: 'この端末の日付 {local}（{zone}）は日本時間の日付 {tokyo} と違います。ボットは常に日本時間で処理しますが、端末のタイムゾーンを Asia/Tokyo にすると記録と照合しやすくなります',
        en: 'this machine\'s date {local} ({zone}) differs from the date in Japan {tokyo}. The bot always uses Asia/Tokyo; setting the machine to it makes records easier to compare',
      }, params),
    };
  }
  return { status: 'ok', detail: t({ ja: '日本時間 {tokyo}（端末のタイムゾーン {zone}）', en: '{tokyo} in Japan (machine time zone {zone})' }, params) };
}

export function systemChecks(dataDir: string, pmhUrl: string, browser: BrowserConfig): CheckSpec[] {
  // Seen now: the write check, running alongside, creates a missing folder for a moment.
  const existed = existsSync(dataDir);
  return [
    { id: 'disk', label: { ja: 'ディスクの空き容量', en: 'free disk space' }, seconds: 20, run: () => checkDiskSpace(dataDir) },
    { id: 'data-dir', label: { ja: 'データフォルダーへの書き込み', en: 'data folder writable' }, seconds: 20, run: () => checkDataDir(dataDir) },
    { id: 'data-dir-access', label: { ja: 'データフォルダーのアクセス許可', en: 'data folder access' }, seconds: 20, run: () => checkDataDirAccess(dataDir, { existed }) },
    { id: 'clock', label: { ja: '時計（PMH サーバーとの差）', en: 'clock (against PMH\'s server)' }, seconds: 30, run: () => checkClock(pmhUrl, browser) },
    { id: 'timezone', label: { ja: 'タイムゾーン', en: 'time zone' }, seconds: 5, run: () => checkTimeZone() },
  ];
}
