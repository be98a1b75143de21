/**
 * Choosing and starting the browser. The RPA terminal uses what is installed: Edge or
 * Chrome on Windows (by channel), a system Chromium on Linux. Playwright's own browser
 * downloads are never needed.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type LaunchOptions } from 'playwright-core';
import { configSchema, type BrowserConfig } from '../config/schema.ts';
import { readSecret } from '../config/secrets.ts';
import { pmhError } from '../core/errors.ts';
import { t } from '../core/i18n.ts';
import { readCaBundle, spkiListFlag } from './tls-trust.ts';

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

/**
 * How to launch: the browser chosen, the quiet flags, the LGWAN proxy (its password read
 * from the environment and registered for scrubbing) and the public keys of
 * browser.ca_bundle. Fails with a critical error when the bundle or a secret is missing.
 */
export function launchOptions(config: BrowserConfig): LaunchOptions {
  const choice = chooseBrowser(config);
  const args = [...CHROMIUM_ARGS];
  // Chromium refuses to run as root with its sandbox; RPA accounts are never root.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  if (config.ca_bundle) args.push(spkiListFlag(readCaBundle(config.ca_bundle)));
  const options: LaunchOptions = { headless: config.headless, slowMo: config.slow_mo_ms, args, ...choice };
  if (config.proxy) {
    const { server, bypass, username, password_env } = config.proxy;
    // Set at launch, the proxy and its credentials apply to every context of the browser.
    options.proxy = {
      server,
      ...(bypass ? { bypass } : {}),
      ...(username ? { username, password: password_env ? readSecret(password_env, 'browser.proxy.password_env') : '' } : {}),
    };
  }
  return options;
}

export { checkBrowserConfig } from './browser-check.ts';

/**
 * As the browser dies, Playwright's client can receive a message naming an object it has
 * already let go of ("Object with guid response@… was not bound in the connection"): an
 * event, or the answer to a command (a navigation's response). It throws that from a
 * setImmediate callback where nothing can catch it, so the whole bot would stop instead of
 * the attempt failing as BrowserFailed and being retried; and the command's caller would
 * never get an answer. It was seen in about one run in three of the test that kills the
 * browser while the flow polls for PMH's result (playwright-core 1.65).
 *
 * So for such a message only: an event is dropped (and reported to `onDropped`), and a
 * command's caller gets the error as its command's failure, as it would for a closed
 * browser. Any other error is thrown as before. Returns whether the guard is in place:
 * false if a Playwright release changed the internals it wraps, which
 * test/e2e/browser-network.test.ts checks on a real browser.
 */
const DEAD_OBJECT =
  /^(Object with guid \S+ was not bound in the connection|Cannot find object to "[^"]+": \S+|Cannot find parent object \S+ to create \S+)$/;

interface ClientConnection {
  dispatch?: (message: { id?: number }) => void;
  _callbacks?: Map<number, { reject(error: Error): void }>;
}

/** Guarded connections, with whom to tell of a dropped event (the latest launch's caller). */
const guardedConnections = new WeakMap<object, { onDropped?: (message: string) => void }>();

export function tolerateDeadObjects(browser: Browser, onDropped?: (message: string) => void): boolean {
  const connection = (browser as unknown as { _connection?: ClientConnection })._connection;
  const callbacks = connection?._callbacks;
  if (!connection || typeof connection.dispatch !== 'function' || !(callbacks instanceof Map)) return false;
  const known = guardedConnections.get(connection);
  if (known) {
    known.onDropped = onDropped;
    return true;
  }
  const listener = { onDropped };
  guardedConnections.set(connection, listener);
  const dispatch = connection.dispatch.bind(connection);
  connection.dispatch = (message) => {
    // Taken first: dispatch() forgets the command before it reads the answer.
    const waiting = message.id === undefined ? undefined : callbacks.get(message.id);
    try {
      dispatch(message);
    } catch (error) {
      if (!(error instanceof Error) || !DEAD_OBJECT.test(error.message)) throw error;
      if (message.id === undefined) {
        try {
          listener.onDropped?.(error.message);
        } catch {
          // Telling of it must not become the uncaught exception this guard prevents.
        }
        return;
      }
      if (!waiting) throw error;
      waiting.reject(error);
    }
  };
  return true;
}

export async function launchBrowser(config: BrowserConfig, onDroppedEvent?: (message: string) => void): Promise<Browser> {
  const options = launchOptions(config);
  try {
    const browser = await chromium.launch(options);
    tolerateDeadObjects(browser, onDroppedEvent);
    return browser;
  } catch (error) {
    const detail = (error as Error).message.split('\n')[0] ?? String(error);
    const choice = options.executablePath ? { executablePath: options.executablePath } : { channel: options.channel };
    throw pmhError('BrowserNotFound', { detail: `${JSON.stringify(choice)}: ${detail}` }, error);
  }
}

/** Options of every context the flow opens: Japanese locale and time, downloads, certificate errors. */
export function contextOptions(config: BrowserConfig): BrowserContextOptions {
  return {
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    acceptDownloads: true,
    ignoreHTTPSErrors: config.ignore_https_errors ?? false,
  };
}

/** What an operator may change for one run on the command line (`--headed`, `--slow-mo <ms>`). */
export interface BrowserCommandOptions {
  headed?: boolean;
  slowMo?: string;
}

/** The command line's browser options as config values; a bad value is a critical error. */
export function browserOverrides(options: BrowserCommandOptions): Partial<BrowserConfig> {
  const overrides: Partial<BrowserConfig> = {};
  if (options.headed) overrides.headless = false;
  if (options.slowMo !== undefined) {
    const slowMo = configSchema.shape.browser.unwrap().shape.slow_mo_ms.safeParse(/^\d+$/.test(options.slowMo) ? Number(options.slowMo) : NaN);
    if (!slowMo.success) {
      throw pmhError('BrowserOptionInvalid', { option: '--slow-mo', value: options.slowMo, detail: t({ ja: '0〜5000 の整数（ミリ秒）で指定してください', en: 'give an integer from 0 to 5000 (milliseconds)' }) });
    }
    overrides.slow_mo_ms = slowMo.data;
  }
  return overrides;
}

/** The config with the command line's browser options applied over `browser:`. */
export function withBrowserOverrides<T extends { browser: BrowserConfig }>(config: T, overrides: Partial<BrowserConfig>): T {
  return { ...config, browser: { ...config.browser, ...overrides } };
}
