/**
 * `pmh-bot schedule install`: writes the OS scheduler's own files for the daily run —
 * a Windows Task Scheduler task (XML) or a systemd service and timer — so the operator
 * registers them with the OS's tools. Nothing is registered by the bot itself: that needs
 * administrator rights the bot's account must not have.
 *
 * Either way each run is a fresh `pmh-bot run` process (no daemon), started even when the
 * machine was off at the time (StartWhenAvailable / Persistent), never twice at once
 * (IgnoreNew / oneshot, and the run lock behind both).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import cronParser from 'cron-parser';
import type { BotConfig } from '../../config/schema.ts';
import { pmhError } from '../../core/errors.ts';
import { tokyoDate } from '../../core/clock.ts';
import { longestRunHours } from '../state/run-lock.ts';
import { appFile } from '../../core/app-root.ts';

export const BIN_PATH = appFile('bin', 'pmh-bot.mjs');
export const TASK_NAME = 'pmh-bot';

/** 0 = Sunday … 6 = Saturday, as cron counts. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export interface ScheduleTime {
  hour: number;
  minute: number;
  /** Sorted Monday first; all seven for every day. */
  days: Weekday[];
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const WINDOWS_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const SYSTEMD_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const JA_DAYS = ['日', '月', '火', '水', '木', '金', '土'] as const;
/** Monday first, the order operators read a week in. */
const WEEK: Weekday[] = [1, 2, 3, 4, 5, 6, 0];

function sortWeek(days: Iterable<Weekday>): Weekday[] {
  const set = new Set(days);
  return WEEK.filter((d) => set.has(d));
}

function invalid(option: string, value: string, detail: string): never {
  throw pmhError('ScheduleOptionInvalid', { option, value, detail });
}

/** `--time 06:30`. */
export function parseTimeOption(value: string): { hour: number; minute: number } {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  const hour = Number(match?.[1]);
  const minute = Number(match?.[2]);
  if (!match || hour > 23 || minute > 59) invalid('--time', value, '時:分（24 時間制、例 06:30）で指定してください / HH:MM, 24-hour');
  return { hour, minute };
}

/** `--days mon-fri`, `mon,wed,fri`, `daily`. */
export function parseDaysOption(value: string): Weekday[] {
  const spec = value.trim().toLowerCase();
  if (spec === 'daily' || spec === '*' || spec === 'every-day') return sortWeek(WEEK);
  const isoOf = (name: string): number => {
    const index = DAY_NAMES.indexOf(name as (typeof DAY_NAMES)[number]);
    if (index < 0) invalid('--days', value, `曜日「${name}」は mon,tue,wed,thu,fri,sat,sun のいずれかです / unknown day`);
    return index === 0 ? 7 : index;
  };
  const days = new Set<Weekday>();
  for (const part of spec.split(',')) {
    const [from, to, extra] = part.split('-').map((s) => s.trim());
    if (!from || extra !== undefined) invalid('--days', value, '例 mon-fri、mon,wed,fri / e.g. mon-fri');
    const start = isoOf(from);
    const end = to === undefined ? start : isoOf(to);
    if (end < start) invalid('--days', value, '範囲は月曜から日曜の順に書きます（例 mon-fri）/ ranges run Monday to Sunday');
    for (let iso = start; iso <= end; iso += 1) days.add((iso % 7) as Weekday);
  }
  return sortWeek(days);
}

/** The time and days of a cron rule that fires once a day at a fixed time, or null. */
export function simpleScheduleOf(cron: string): ScheduleTime | null {
  let fields: cronParser.CronExpression['fields'];
  try {
    fields = cronParser.parseExpression(cron, { tz: 'Asia/Tokyo' }).fields;
  } catch {
    return null;
  }
  const { second, minute, hour, dayOfMonth, month, dayOfWeek } = fields;
  if (second.length !== 1 || second[0] !== 0 || minute.length !== 1 || hour.length !== 1) return null;
  if (dayOfMonth.length !== 31 || month.length !== 12) return null;
  return { hour: hour[0]!, minute: minute[0]!, days: sortWeek(dayOfWeek.map((d) => (d % 7) as Weekday)) };
}

/** The time from the flags, else from schedule.cron; a cron that is not a plain daily time needs both flags. */
export function resolveScheduleTime(config: BotConfig, flags: { time?: string; days?: string }): ScheduleTime {
  const fromCron = simpleScheduleOf(config.schedule.cron);
  if ((!flags.time || !flags.days) && !fromCron) throw pmhError('ScheduleNotSimple', { cron: config.schedule.cron });
  const time = flags.time ? parseTimeOption(flags.time) : fromCron!;
  const days = flags.days ? parseDaysOption(flags.days) : fromCron!.days;
  return { hour: time.hour, minute: time.minute, days };
}

function hhmm(time: ScheduleTime): string {
  return `${String(time.hour).padStart(2, '0')}:${String(time.minute).padStart(2, '0')}`;
}

/** 平日 06:30 / 毎日 06:30 / 月・水・金 06:30, for descriptions. */
export function describeSchedule(time: ScheduleTime): string {
  const weekdays = WEEK.slice(0, 5);
  const days =
    time.days.length === 7 ? '毎日'
    : time.days.length === 5 && weekdays.every((d) => time.days.includes(d)) ? '平日'
    : time.days.map((d) => JA_DAYS[d]).join('・');
  return `${days} ${hhmm(time)}（日本時間）`;
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export interface InstallTarget {
  /** The node executable the task runs. */
  node: string;
  /** bin/pmh-bot.mjs. */
  script: string;
  /** The config file (absolute). */
  config: string;
  /** The working directory: the config file's folder. */
  workDir: string;
  time: ScheduleTime;
  /** ExecutionTimeLimit / TimeoutStartSec: the longest a run may last. */
  limitHours: number;
}

export type WindowsLogon = 'password' | 's4u';

/** The Task Scheduler task, as `schtasks /Create /XML` takes it (text; see encodeTaskXml). */
export function taskSchedulerXml(target: InstallTarget, logon: WindowsLogon = 'password'): string {
  const { time } = target;
  const start = `${tokyoDate()}T${hhmm(time)}:00+09:00`;
  const schedule = time.days.length === 7
    ? ['      <ScheduleByDay>', '        <DaysInterval>1</DaysInterval>', '      </ScheduleByDay>']
    : [
        '      <ScheduleByWeek>',
        '        <DaysOfWeek>',
        ...time.days.map((d) => `          <${WINDOWS_DAYS[d]} />`),
        '        </DaysOfWeek>',
        '        <WeeksInterval>1</WeeksInterval>',
        '      </ScheduleByWeek>',
      ];
  const args = `"${target.script}" run -c "${target.config}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    `    <Description>${xmlEscape(`pmh-bot: PMH 医療費助成 受給者情報の日次アップロード（${describeSchedule(time)}）。pmh-bot schedule install で作成。`)}</Description>`,
    `    <URI>\\${TASK_NAME}</URI>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <CalendarTrigger>',
    // With the +09:00 offset the time is Japan time whatever the terminal's zone.
    `      <StartBoundary>${start}</StartBoundary>`,
    '      <Enabled>true</Enabled>',
    ...schedule,
    '    </CalendarTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    // Password: runs whether or not the user is logged on, with network access (the
    // databases); S4U: no stored password, local resources only. The user is given to schtasks (/RU).
    `      <LogonType>${logon === 's4u' ? 'S4U' : 'Password'}</LogonType>`,
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <AllowHardTerminate>true</AllowHardTerminate>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    '    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>',
    '    <IdleSettings>',
    '      <StopOnIdleEnd>false</StopOnIdleEnd>',
    '      <RestartOnIdle>false</RestartOnIdle>',
    '    </IdleSettings>',
    '    <AllowStartOnDemand>true</AllowStartOnDemand>',
    '    <Enabled>true</Enabled>',
    '    <Hidden>false</Hidden>',
    '    <RunOnlyIfIdle>false</RunOnlyIfIdle>',
    '    <WakeToRun>false</WakeToRun>',
    `    <ExecutionTimeLimit>PT${target.limitHours}H</ExecutionTimeLimit>`,
    '    <Priority>7</Priority>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xmlEscape(target.node)}</Command>`,
    `      <Arguments>${xmlEscape(args)}</Arguments>`,
    `      <WorkingDirectory>${xmlEscape(target.workDir)}</WorkingDirectory>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** UTF-16 LE with a BOM, as Task Scheduler exports its tasks. */
export function encodeTaskXml(xml: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
}

/** One argument of ExecStart: quoted, with systemd's specifier (%) and variable ($) characters escaped. */
function systemdArg(value: string): string {
  const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}

function systemdPath(value: string): string {
  return value.replace(/%/g, '%%');
}

/** Mon..Fri, Mon,Wed,Fri, or nothing for every day. */
export function systemdDays(days: Weekday[]): string {
  if (days.length === 7) return '';
  const order = days.map((d) => WEEK.indexOf(d));
  const contiguous = order.every((o, i) => i === 0 || o === order[i - 1]! + 1);
  if (contiguous && days.length > 2) return `${SYSTEMD_DAYS[days[0]!]}..${SYSTEMD_DAYS[days[days.length - 1]!]}`;
  return days.map((d) => SYSTEMD_DAYS[d]).join(',');
}

export function onCalendar(time: ScheduleTime): string {
  const days = systemdDays(time.days);
  return `${days ? `${days} ` : ''}*-*-* ${hhmm(time)}:00 Asia/Tokyo`;
}

export interface SystemdOptions {
  /** The account the service runs as (User=). */
  user: string;
  /** The file with the secrets as KEY=VALUE (EnvironmentFile=). */
  envFile: string;
}

export function systemdUnits(target: InstallTarget, options: SystemdOptions): { service: string; timer: string } {
  const service = [
    '# pmh-bot: PMH 医療費助成 受給者情報の日次アップロード（pmh-bot schedule install で作成）',
    '# pmh-bot daily upload (written by pmh-bot schedule install)',
    '[Unit]',
    'Description=pmh-bot: PMH 医療費助成 受給者情報の日次アップロード / PMH daily upload',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    '# 実行するアカウント（root にしないこと）。変更してください。',
    '# The account that runs the bot (never root). Change it.',
    `User=${options.user}`,
    `WorkingDirectory=${systemdPath(target.workDir)}`,
    '# 秘密情報（PMH_PASSWORD=... など KEY=VALUE）を書いたファイル。所有者 root、chmod 600。',
    '# Secrets as KEY=VALUE lines (PMH_PASSWORD=...); owned by root, chmod 600.',
    `EnvironmentFile=${systemdPath(options.envFile)}`,
    `ExecStart=${[target.node, target.script, 'run', '-c', target.config].map(systemdArg).join(' ')}`,
    '# 終了コード 0 以外（2 業務エラー、3 システムエラー、4 設定の誤り）はすべて失敗として記録します（SuccessExitStatus は指定しない）。',
    '# Every exit code but 0 (2 business, 3 system, 4 critical) is a failure: no SuccessExitStatus=.',
    `TimeoutStartSec=${target.limitHours}h`,
    '# 作成するファイル（個人情報を含む）は所有者だけが読めるように / files written are readable by the owner only',
    'UMask=0077',
    '',
  ].join('\n');
  const timer = [
    '# pmh-bot の定期実行（pmh-bot schedule install で作成）/ pmh-bot schedule (written by pmh-bot schedule install)',
    '[Unit]',
    `Description=pmh-bot 定期実行 ${describeSchedule(target.time)} / pmh-bot schedule`,
    '',
    '[Timer]',
    `OnCalendar=${onCalendar(target.time)}`,
    '# 電源が切れていて実行できなかった回は、起動後に 1 回実行します / a run missed while off runs once at boot',
    'Persistent=true',
    'Unit=pmh-bot.service',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { service, timer };
}

export interface InstallOptions {
  config: BotConfig;
  /** The config file, as given. */
  configFile: string;
  target: 'windows' | 'systemd';
  outDir: string;
  time?: string;
  days?: string;
  /** The node executable; default: the one running now. */
  node?: string;
  /**
   * The pmh-bot.mjs the task runs; default: this program's. An installed bundle names the
   * one under its `current` junction, so an upgrade or a rollback needs no new task (this
   * program's own path is the version folder the junction pointed to when it started).
   */
  script?: string;
  /** Windows: Password (default) or S4U. */
  logon?: WindowsLogon;
  /** The account: schtasks /RU, systemd User=. */
  user?: string;
  /** systemd: EnvironmentFile=. */
  envFile?: string;
}

export interface InstallResult {
  files: string[];
  time: ScheduleTime;
  /** What the operator runs next, in order. */
  commands: string[];
}

/** Writes the scheduler files into outDir and says how to register them. */
export function installSchedule(options: InstallOptions): InstallResult {
  const time = resolveScheduleTime(options.config, { time: options.time, days: options.days });
  const configPath = resolve(options.configFile);
  const target: InstallTarget = {
    node: options.node ? resolve(options.node) : process.execPath,
    script: options.script ? resolve(options.script) : BIN_PATH,
    config: configPath,
    workDir: dirname(configPath),
    time,
    limitHours: longestRunHours(options.config),
  };
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  if (options.target === 'windows') {
    const file = join(outDir, 'pmh-bot-task.xml');
    const logon = options.logon ?? 'password';
    writeFileSync(file, encodeTaskXml(taskSchedulerXml(target, logon)));
    const user = options.user ?? '<実行するアカウント 例 DOMAIN\\pmhbot>';
    const credentials = logon === 's4u' ? `/RU "${user}" /NP` : `/RU "${user}" /RP *`;
    return {
      files: [file],
      time,
      commands: [`schtasks /Create /XML "${file}" /TN ${TASK_NAME} ${credentials}`, `schtasks /Query /TN ${TASK_NAME} /V /FO LIST`],
    };
  }
  const units = systemdUnits(target, { user: options.user ?? 'pmh-bot', envFile: options.envFile ?? '/etc/pmh-bot/pmh-bot.env' });
  const serviceFile = join(outDir, 'pmh-bot.service');
  const timerFile = join(outDir, 'pmh-bot.timer');
  writeFileSync(serviceFile, units.service);
  writeFileSync(timerFile, units.timer);
  return {
    files: [serviceFile, timerFile],
    time,
    commands: [
      `sudo install -m 644 "${serviceFile}" "${timerFile}" /etc/systemd/system/`,
      'sudo systemctl daemon-reload',
      'sudo systemctl enable --now pmh-bot.timer',
      'systemctl list-timers pmh-bot.timer',
    ],
  };
}
