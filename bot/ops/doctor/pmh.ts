/**
 * Doctor checks of the way to PMH: the browser starts, and PMH's login page opens IN that
 * browser (so its proxy and certificate settings are what is tested) and shows the login
 * form. The browser is started once and shared by both checks.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { BotConfig, BrowserConfig } from '../../../config/schema.ts';
import { pmhError } from '../../../core/errors.ts';
import { t } from '../../../core/i18n.ts';
import { contextOptions, launchBrowser } from '../../../flows/browser.ts';
import { RouteFailure, routeOf, sendOnce } from '../../../flows/pmh-http.ts';
import { classifyNavigationStatus, classifyScreenFailure } from '../../../flows/screen/classify.ts';
import { locatorOf } from '../../../flows/screen/locate.ts';
import { loadScreenProfile } from '../../../flows/screen/profile.ts';
import { describeTarget, type Target } from '../../../flows/screen/profile-steps.ts';
import { screenProfileOf } from '../../pipeline/settings.ts';
import type { CheckOutcome, CheckSpec } from './check.ts';

export interface LoginTarget {
  url: string;
  /** How the profile recognises the login form. */
  form: Target;
}

/**
 * Where PMH's login page is and how its user-id field is labelled, from the screen
 * profile a run uses (pmh.screen_profile, or the bundled one), unless a path is given.
 */
export function loginTarget(config: BotConfig, profilePath?: string): LoginTarget {
  const profile = profilePath ? loadScreenProfile(profilePath) : screenProfileOf(config);
  return { url: new URL(profile.flow.loginPath, config.pmh.url).toString(), form: profile.flow.login.form.target };
}

/** What a failed request along the route means for the operator: the proxy, a certificate, or PMH. */
function routeError(error: unknown, url: string): never {
  if (!(error instanceof RouteFailure)) throw error;
  if (error.kind === 'proxy') throw pmhError('PmhProxyFailed', { url, detail: error.message });
  if (error.kind === 'certificate') throw pmhError('PmhCertificateError', { url, detail: error.message });
  throw classifyScreenFailure(new Error(error.message), 'login', url);
}

/** Without a browser, plain HTTP (along the browser's proxy and trust) still tells whether PMH answers at all. */
async function checkOverHttp(url: string, browser: BrowserConfig): Promise<CheckOutcome> {
  let status: number;
  try {
    status = (await sendOnce(routeOf(browser), url, { method: 'GET', timeoutMs: 15_000, headOnly: true })).status;
  } catch (error) {
    routeError(error, url);
  }
  if (status >= 500) throw pmhError('PmhUnreachable', { url, detail: `HTTP ${status}` });
  return {
    status: 'warn',
    detail: t({ ja: 'ブラウザーが起動しないため画面は確認していません（HTTP {status} で応答あり）', en: 'screen not checked: the browser does not start (HTTP {status} answered)' }, { status }),
  };
}

async function checkLoginPage(browser: Browser, config: BotConfig, target: LoginTarget): Promise<CheckOutcome> {
  const actionSeconds = config.pmh.action_timeout_seconds;
  // The flow's own context options: certificate handling is tested as a run would meet it.
  const context = await browser.newContext(contextOptions(config.browser));
  try {
    context.setDefaultTimeout(actionSeconds * 1000);
    context.setDefaultNavigationTimeout(actionSeconds * 1000);
    const page = await context.newPage();
    const response = await page.goto(target.url, { waitUntil: 'domcontentloaded' });
    const byProxy = response ? classifyNavigationStatus(response.status(), target.url) : null;
    if (byProxy) throw byProxy;
    if (response && response.status() >= 500) throw pmhError('PmhUnreachable', { url: target.url, detail: `HTTP ${response.status()}` });
    await locatorOf(page, target.form).first().waitFor();
    const form = describeTarget(target.form);
    return { status: 'ok', detail: t({ ja: '{url}（ログイン画面の {form} を確認）', en: '{url} (login form\'s {form} found)' }, { url: target.url, form }) };
  } catch (error) {
    throw classifyScreenFailure(error, 'login', target.url);
  } finally {
    await context.close().catch(() => undefined);
  }
}

export interface PmhChecks {
  checks: CheckSpec[];
  /** Closes the browser the checks started, whenever it finishes starting. */
  close(): Promise<void>;
}

/**
 * The API answers at all (any status below 500: authentication is the run's business, not
 * the preflight's), reached as a run reaches it: through browser.proxy, trusting browser.ca_bundle.
 */
async function checkApiReachable(url: string, browser: BrowserConfig): Promise<CheckOutcome> {
  let status: number;
  try {
    status = (await sendOnce(routeOf(browser), url, { method: 'OPTIONS', timeoutMs: 15_000, headOnly: true })).status;
  } catch (error) {
    if (error instanceof RouteFailure && error.kind === 'network') throw pmhError('PmhUnreachable', { url, detail: error.message });
    routeError(error, url);
  }
  if (status >= 500) throw pmhError('PmhUnreachable', { url, detail: `HTTP ${status}` });
  return { status: 'ok', detail: `HTTP ${status}` };
}

/** The drop folder exists and the bot can write (and remove) a file there. */
async function checkDropFolder(path: string): Promise<CheckOutcome> {
  const probe = join(path, `.pmh-bot-doctor-${process.pid}`);
  try {
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw pmhError('DropFolderUnavailable', {
      folder: path,
      fileName: '(doctor)',
      detail: (error as NodeJS.ErrnoException).code ?? String(error),
      // The hint's `pmh-bot replay {runId}`: doctor runs outside any run, so it names the
      // run to replay (the one that failed on this folder) instead of an ID.
      runId: t({ ja: '<失敗した実行の ID>', en: '<ID of the failed run>' }),
    });
  }
  return { status: 'ok', detail: path };
}

export function pmhChecks(config: BotConfig, profilePath?: string): PmhChecks {
  const { transport, api, folder } = config.pmh;
  if (transport === 'api' && api) {
    return {
      checks: [{ id: 'pmh', label: { ja: 'PMH 登録 API', en: 'PMH registration API' }, seconds: 30, run: () => checkApiReachable(api.url, config.browser) }],
      close: async () => undefined,
    };
  }
  if (transport === 'folder' && folder) {
    return {
      checks: [{ id: 'pmh', label: { ja: '連携フォルダー', en: 'drop folder' }, seconds: 30, run: () => checkDropFolder(folder.path) }],
      close: async () => undefined,
    };
  }
  let launching: Promise<Browser> | undefined;
  const browser = (): Promise<Browser> => (launching ??= launchBrowser(config.browser));
  const actionSeconds = config.pmh.action_timeout_seconds;
  return {
    checks: [
      {
        id: 'browser',
        label: { ja: 'ブラウザーの起動', en: 'browser starts' },
        seconds: 90,
        run: async () => {
          const started = await browser();
          return { status: 'ok', detail: `${started.browserType().name()} ${started.version()}` };
        },
      },
      {
        id: 'pmh',
        label: { ja: 'PMH ログイン画面', en: 'PMH login page' },
        seconds: 90 + 2 * actionSeconds,
        run: async () => {
          const target = loginTarget(config, profilePath);
          let started: Browser;
          try {
            started = await browser();
          } catch {
            // The browser check reports why; here PMH is still asked over plain HTTP.
            return checkOverHttp(target.url, config.browser);
          }
          return checkLoginPage(started, config, target);
        },
      },
    ],
    async close() {
      const started = await launching?.catch(() => undefined);
      await started?.close().catch(() => undefined);
    },
  };
}
