/**
 * `pmh-bot schedule install`: the Task Scheduler XML and the systemd units it writes, read
 * back as the OS would read them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../config/load.ts';
import type { BotConfig } from '../../config/schema.ts';
import { PmhBotError } from '../../core/errors.ts';
import { longestRunHours } from '../../bot/state/run-lock.ts';
import {
  BIN_PATH, installSchedule, onCalendar, parseDaysOption, parseTimeOption, resolveScheduleTime, simpleScheduleOf,
} from '../../bot/ops/schedule-install.ts';

const EXAMPLE_CONFIG = resolve(import.meta.dirname, '../../config/pmh-bot.example.yaml');

function rejectsWith(code: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof PmhBotError, String(error));
    assert.equal(error.code, code);
    return true;
  };
}

/** The text of one element, or null; the XML is flat enough that a regex reads it. */
function element(xml: string, name: string): string | null {
  return new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(xml)?.[1] ?? null;
}

/** Every start tag is closed in order: the file is well-formed as far as tags go. */
function assertBalanced(xml: string): void {
  const stack: string[] = [];
  for (const match of xml.matchAll(/<(\/?)([A-Za-z][\w.-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, [], 'unclosed elements');
}

function unescapeXml(value: string): string {
  return value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** [section] key=value lines, comments dropped. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(current && eq > 0, `not a key=value line in a section: ${line}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

function value(unit: Map<string, Map<string, string[]>>, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.[0];
}

describe('schedule install', () => {
  let config: BotConfig;
  let configFile: string;
  let out: string;

  before(() => {
    ({ config, file: configFile } = loadConfig(EXAMPLE_CONFIG));
    out = mkdtempSync(join(tmpdir(), 'pmh-bot-schedule-'));
  });

  after(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('reads a time and days from a simple cron rule, and nothing from a rule that is not a fixed daily time', () => {
    assert.deepEqual(simpleScheduleOf('30 6 * * 1-5'), { hour: 6, minute: 30, days: [1, 2, 3, 4, 5] });
    assert.deepEqual(simpleScheduleOf('0 30 6 * * 1-5'), { hour: 6, minute: 30, days: [1, 2, 3, 4, 5] });
    assert.deepEqual(simpleScheduleOf('0 7 * * *'), { hour: 7, minute: 0, days: [1, 2, 3, 4, 5, 6, 0] });
    assert.deepEqual(simpleScheduleOf('15 5 * * sat,sun'), { hour: 5, minute: 15, days: [6, 0] });
    assert.equal(simpleScheduleOf('*/5 * * * *'), null);
    assert.equal(simpleScheduleOf('30 6,18 * * *'), null);
    assert.equal(simpleScheduleOf('30 6 1 * *'), null);
    assert.equal(simpleScheduleOf('15 30 6 * * *'), null);
  });

  it('parses --time and --days and refuses what it cannot schedule', () => {
    assert.deepEqual(parseTimeOption('06:30'), { hour: 6, minute: 30 });
    assert.deepEqual(parseTimeOption('7:05'), { hour: 7, minute: 5 });
    assert.throws(() => parseTimeOption('24:00'), rejectsWith('ScheduleOptionInvalid'));
    assert.throws(() => parseTimeOption('0630'), rejectsWith('ScheduleOptionInvalid'));
    assert.deepEqual(parseDaysOption('mon-fri'), [1, 2, 3, 4, 5]);
    assert.deepEqual(parseDaysOption('fri,mon,wed'), [1, 3, 5]);
    assert.deepEqual(parseDaysOption('sat-sun'), [6, 0]);
    assert.deepEqual(parseDaysOption('daily'), [1, 2, 3, 4, 5, 6, 0]);
    assert.throws(() => parseDaysOption('fri-mon'), rejectsWith('ScheduleOptionInvalid'));
    assert.throws(() => parseDaysOption('monday'), rejectsWith('ScheduleOptionInvalid'));
  });

  it('needs --time and --days when schedule.cron is not a fixed daily time', () => {
    const every5 = { ...config, schedule: { ...config.schedule, cron: '*/5 * * * *' } };
    assert.throws(() => resolveScheduleTime(every5, {}), rejectsWith('ScheduleNotSimple'));
    assert.throws(() => resolveScheduleTime(every5, { time: '06:30' }), rejectsWith('ScheduleNotSimple'));
    assert.deepEqual(resolveScheduleTime(every5, { time: '06:30', days: 'mon-fri' }), { hour: 6, minute: 30, days: [1, 2, 3, 4, 5] });
    assert.deepEqual(resolveScheduleTime(config, { days: 'daily' }), { hour: 6, minute: 30, days: [1, 2, 3, 4, 5, 6, 0] });
  });

  it('writes a Task Scheduler task in UTF-16 with a BOM that runs pmh-bot run once a weekday at 06:30 Japan time', () => {
    const dir = join(out, 'windows');
    // A folder name with characters XML must escape.
    const oddConfig = join(out, '市 & 町', 'pmh-bot.yaml');
    const result = installSchedule({ config, configFile: oddConfig, target: 'windows', outDir: dir });
    assert.equal(result.files.length, 1);
    const bytes = readFileSync(result.files[0]!);
    assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xfe], 'UTF-16 LE byte order mark');
    const xml = bytes.subarray(2).toString('utf16le');
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-16"\?>\r\n/);
    assert.ok(!xml.includes('\n') || xml.split('\n').every((line, i, all) => i === all.length - 1 || line.endsWith('\r')), 'CRLF line ends');
    assertBalanced(xml);
    assert.match(xml, /<Task version="1\.2" xmlns="http:\/\/schemas\.microsoft\.com\/windows\/2004\/02\/mit\/task">/);

    assert.equal(element(xml, 'StartWhenAvailable'), 'true');
    assert.equal(element(xml, 'MultipleInstancesPolicy'), 'IgnoreNew');
    assert.equal(element(xml, 'RunLevel'), 'LeastPrivilege');
    assert.equal(element(xml, 'LogonType'), 'Password');
    assert.equal(element(xml, 'ExecutionTimeLimit'), `PT${longestRunHours(config)}H`);
    const trigger = /<CalendarTrigger>([\s\S]*?)<\/CalendarTrigger>/.exec(xml)?.[1] ?? '';
    assert.match(element(trigger, 'StartBoundary') ?? '', /^\d{4}-\d{2}-\d{2}T06:30:00\+09:00$/);
    const days = [...(/<DaysOfWeek>([\s\S]*?)<\/DaysOfWeek>/.exec(trigger)?.[1] ?? '').matchAll(/<(\w+) \/>/g)].map((m) => m[1]);
    assert.deepEqual(days, ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']);
    assert.equal(element(trigger, 'WeeksInterval'), '1');

    assert.equal(unescapeXml(element(xml, 'Command') ?? ''), process.execPath);
    assert.equal(unescapeXml(element(xml, 'Arguments') ?? ''), `"${BIN_PATH}" run -c "${oddConfig}"`);
    assert.equal(unescapeXml(element(xml, 'WorkingDirectory') ?? ''), dirname(oddConfig));
    assert.ok(xml.includes('市 &amp; 町'), 'the & in the path is escaped');

    assert.equal(result.commands[0], `schtasks /Create /XML "${result.files[0]}" /TN pmh-bot /RU "<実行するアカウント 例 DOMAIN\\pmhbot>" /RP *`);
  });

  it('writes an every-day S4U task when asked', () => {
    const result = installSchedule({ config, configFile, target: 'windows', outDir: join(out, 'windows-s4u'), days: 'daily', time: '05:10', logon: 's4u', user: 'CITY\\pmhbot' });
    const xml = readFileSync(result.files[0]!).subarray(2).toString('utf16le');
    assertBalanced(xml);
    assert.equal(element(xml, 'LogonType'), 'S4U');
    assert.equal(element(xml, 'DaysInterval'), '1');
    assert.ok(!xml.includes('<ScheduleByWeek>'));
    assert.match(element(xml, 'StartBoundary') ?? '', /T05:10:00\+09:00$/);
    assert.match(result.commands[0]!, /\/RU "CITY\\pmhbot" \/NP$/);
  });

  it('writes a oneshot service and a persistent timer for systemd that systemd accepts', (t) => {
    const dir = join(out, 'systemd');
    const result = installSchedule({ config, configFile, target: 'systemd', outDir: dir, days: 'mon,wed,fri', time: '06:45' });
    const [serviceFile, timerFile] = result.files;
    const service = parseUnit(readFileSync(serviceFile!, 'utf8'));
    const timer = parseUnit(readFileSync(timerFile!, 'utf8'));

    assert.equal(value(service, 'Service', 'Type'), 'oneshot');
    assert.equal(value(service, 'Service', 'ExecStart'), `"${process.execPath}" "${BIN_PATH}" "run" "-c" "${resolve(configFile)}"`);
    assert.equal(value(service, 'Service', 'WorkingDirectory'), dirname(resolve(configFile)));
    assert.equal(value(service, 'Service', 'User'), 'pmh-bot');
    assert.equal(value(service, 'Service', 'EnvironmentFile'), '/etc/pmh-bot/pmh-bot.env');
    assert.equal(value(service, 'Service', 'SuccessExitStatus'), undefined, 'exit codes 2-4 stay failures');
    assert.equal(value(service, 'Service', 'TimeoutStartSec'), `${longestRunHours(config)}h`);
    assert.equal(value(timer, 'Timer', 'OnCalendar'), 'Mon,Wed,Fri *-*-* 06:45:00 Asia/Tokyo');
    assert.equal(value(timer, 'Timer', 'Persistent'), 'true');
    assert.equal(value(timer, 'Timer', 'Unit'), 'pmh-bot.service');
    assert.equal(value(timer, 'Install', 'WantedBy'), 'timers.target');
    assert.equal(onCalendar({ hour: 6, minute: 30, days: [1, 2, 3, 4, 5] }), 'Mon..Fri *-*-* 06:30:00 Asia/Tokyo');
    assert.equal(onCalendar({ hour: 6, minute: 30, days: [1, 2, 3, 4, 5, 6, 0] }), '*-*-* 06:30:00 Asia/Tokyo');
    assert.ok(result.commands.includes('sudo systemctl enable --now pmh-bot.timer'));

    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      t.diagnostic(`systemd-analyze is not installed (${probe.error.message}): the units were not verified by systemd`);
      t.skip('systemd-analyze not installed');
      return;
    }
    const verify = spawnSync('systemd-analyze', ['verify', serviceFile!, timerFile!], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    assert.doesNotMatch(verify.stderr, /Failed|Unknown|ignoring|not executable/i, verify.stderr);
    for (const days of [[1, 3, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6, 0], [6, 0]] as const) {
      const spec = onCalendar({ hour: 6, minute: 30, days: [...days] });
      const calendar = spawnSync('systemd-analyze', ['calendar', spec], { encoding: 'utf8' });
      assert.equal(calendar.status, 0, `${spec}: ${calendar.stderr}`);
      assert.match(calendar.stdout, /Next elapse:/);
    }
  });

  it('is reachable from the command line, and refuses to guess between Windows and systemd', () => {
    const bin = resolve(import.meta.dirname, '../../bin/pmh-bot.mjs');
    const dir = join(out, 'cli');
    const ok = spawnSync(process.execPath, [bin, 'schedule', 'install', '--systemd', '-c', EXAMPLE_CONFIG, '--out', dir], {
      encoding: 'utf8', env: { ...process.env, PMH_BOT_LANG: 'ja' },
    });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /平日 06:30（日本時間）/);
    assert.match(ok.stdout, /systemctl enable --now pmh-bot\.timer/);
    assert.ok(readFileSync(join(dir, 'pmh-bot.timer'), 'utf8').includes('OnCalendar=Mon..Fri *-*-* 06:30:00 Asia/Tokyo'));
    const neither = spawnSync(process.execPath, [bin, 'schedule', 'install', '-c', EXAMPLE_CONFIG, '--out', dir], {
      encoding: 'utf8', env: { ...process.env, PMH_BOT_LANG: 'ja' },
    });
    assert.equal(neither.status, 4);
    assert.match(neither.stderr, /ScheduleOptionInvalid/);
    assert.match(neither.stderr, /--windows か --systemd/);
  });

  it('runs the node and pmh-bot.mjs it is told to, as install.ps1 names them under the current junction', () => {
    // install.ps1 passes current\node\node.exe and current\app\bin\pmh-bot.mjs, so the task
    // follows the junction through an upgrade or a rollback. POSIX paths stand in for them here.
    const bin = resolve(import.meta.dirname, '../../bin/pmh-bot.mjs');
    const dir = join(out, 'cli-current');
    const current = join(out, 'pmh-bot', 'current');
    const node = join(current, 'node', 'node.exe');
    const script = join(current, 'app', 'bin', 'pmh-bot.mjs');
    const ran = spawnSync(process.execPath, [
      bin, 'schedule', 'install', '--windows', '-c', EXAMPLE_CONFIG, '--out', dir, '--user', 'PC01\\pmhbot', '--node', node, '--script', script,
    ], { encoding: 'utf8', env: { ...process.env, PMH_BOT_LANG: 'ja' } });
    assert.equal(ran.status, 0, ran.stderr);
    const xml = readFileSync(join(dir, 'pmh-bot-task.xml')).subarray(2).toString('utf16le');
    assert.equal(unescapeXml(element(xml, 'Command') ?? ''), node);
    assert.equal(unescapeXml(element(xml, 'Arguments') ?? ''), `"${script}" run -c "${EXAMPLE_CONFIG}"`);
    assert.match(ran.stdout, /schtasks \/Create \/XML ".*pmh-bot-task\.xml" \/TN pmh-bot \/RU "PC01\\pmhbot" \/RP \*/);
  });
});
