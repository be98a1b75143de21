/**
 * Makes sure this machine has a browser the bot can drive, and Japanese fonts so that
 * evidence screenshots are legible. Uses what is installed first (Edge, Chrome, Chromium);
 * on Debian/Ubuntu installs Debian's chromium; elsewhere falls back to Playwright's own
 * installer. Run by `npm run demo` and by CI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseBrowser } from '../flows/browser.ts';

function say(ja: string, en: string): void {
  console.log(process.env.PMH_BOT_LANG === 'en' ? en : ja);
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function run(command: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot || !hasCommand('sudo') ? [command, args] : ['sudo', [command, ...args]];
  execFileSync(cmd, argv, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function browserFound(): string | null {
  try {
    const choice = chooseBrowser({ channel: 'auto', headless: true, slow_mo_ms: 0 });
    return 'executablePath' in choice ? choice.executablePath : `channel ${choice.channel}`;
  } catch {
    return null;
  }
}

function japaneseFontsPresent(): boolean {
  if (!hasCommand('fc-list')) return false;
  const out = spawnSync('fc-list', [':lang=ja'], { encoding: 'utf8' });
  return out.status === 0 && out.stdout.trim() !== '';
}

const debian = process.platform === 'linux' && existsSync('/etc/debian_version') && hasCommand('apt-get');
const aptPackages: string[] = [];

let browser = browserFound();
if (browser) {
  say(`ブラウザー: ${browser}`, `Browser: ${browser}`);
} else if (debian) {
  aptPackages.push('chromium');
}
if (process.platform === 'linux' && debian && !japaneseFontsPresent()) aptPackages.push('fonts-ipafont-gothic');

if (aptPackages.length) {
  say(`インストールします: ${aptPackages.join(' ')}（apt-get）`, `Installing ${aptPackages.join(' ')} (apt-get)`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...aptPackages]);
}

browser = browserFound();
if (!browser) {
  say('インストール済みのブラウザーがないため、Playwright のインストーラーで Chromium を取得します。',
    'No installed browser: fetching Chromium with Playwright\'s installer.');
  execFileSync(process.execPath, [playwrightCli(), 'install', 'chromium'], { stdio: 'inherit' });
  browser = browserFound();
}
if (!browser) {
  say('ブラウザーを用意できませんでした。Edge・Chrome・Chromium のいずれかをインストールし、設定 browser.executable_path に指定してください。',
    'Could not provide a browser. Install Edge, Chrome or Chromium and set browser.executable_path.');
  process.exit(1);
}
say(`使用するブラウザー: ${browser}`, `Browser to use: ${browser}`);

function playwrightCli(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('playwright-core/package.json'))), 'cli.js');
}
