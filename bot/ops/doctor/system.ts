/**
 * Doctor checks of the machine itself: room on the data folder's drive, the data folder
 * writable, the clock against PMH's server, and the time zone.
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
  return [
    { id: 'disk', label: { ja: 'ディスクの空き容量', en: 'free disk space' }, seconds: 20, run: () => checkDiskSpace(dataDir) },
    { id: 'data-dir', label: { ja: 'データフォルダーへの書き込み', en: 'data folder writable' }, seconds: 20, run: () => checkDataDir(dataDir) },
    { id: 'clock', label: { ja: '時計（PMH サーバーとの差）', en: 'clock (against PMH\'s server)' }, seconds: 30, run: () => checkClock(pmhUrl, browser) },
    { id: 'timezone', label: { ja: 'タイムゾーン', en: 'time zone' }, seconds: 5, run: () => checkTimeZone() },
  ];
}
