/**
 * Choosing and starting the browser. The RPA terminal uses what is installed: Edge or
 * Chrome on Windows (by channel), a system Chromium on Linux. Playwright's own browser
 * downloads are never needed.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';
import type { BrowserConfig } from '../config/schema.ts';
import { pmhError } from '../core/errors.ts';

/** Flags that keep Chromium quiet on a closed network and runnable as a service account. */
export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const KNOWN_EXECUTABLES: Record<NodeJS.Platform | string, string[]> = {
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/usr/bin/microsoft-edge'],
  darwin: ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge', '/Applications/Chromium.app/Contents/MacOS/Chromium'],
  win32: [
    'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
    'C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe',
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  ],
};

export type BrowserChoice = { executablePath: string } | { channel: 'chrome' | 'msedge' };

/** What to launch, from the config; PMH_BOT_BROWSER overrides for one process. */
export function chooseBrowser(config: BrowserConfig): BrowserChoice {
  const override = process.env.PMH_BOT_BROWSER;
  if (override) return { executablePath: override };
  if (config.executable_path) return { executablePath: config.executable_path };
  if (config.channel === 'chrome' || config.channel === 'msedge') return { channel: config.channel };
  const candidates = KNOWN_EXECUTABLES[process.platform] ?? [];
  const found = candidates.find((path) => existsSync(path) && (config.channel === 'auto' || /chromium/i.test(path)));
  if (found) return { executablePath: found };
  // A Chromium fetched by Playwright's own installer (the fallback of scripts/ensure-browser.ts).
  const downloaded = playwrightChromium();
  if (downloaded) return { executablePath: downloaded };
  if (config.channel === 'auto' && process.platform === 'win32') return { channel: 'msedge' };
  throw pmhError('BrowserNotFound', { detail: `${config.channel}: ${candidates.join(', ') || process.platform}` });
}

function playwrightChromium(): string | null {
  try {
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export async function launchBrowser(config: BrowserConfig): Promise<Browser> {
  const choice = chooseBrowser(config);
  const args = [...CHROMIUM_ARGS];
  // Chromium refuses to run as root with its sandbox; RPA accounts are never root.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const options: LaunchOptions = { headless: config.headless, slowMo: config.slow_mo_ms, args, ...choice };
  try {
    return await chromium.launch(options);
  } catch (error) {
    const detail = (error as Error).message.split('\n')[0] ?? String(error);
    throw pmhError('BrowserNotFound', { detail: `${JSON.stringify(choice)}: ${detail}` }, error);
  }
}
