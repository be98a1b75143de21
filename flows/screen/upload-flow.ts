/**
 * Delivering files through the PMH municipal screen: log in, upload each file, confirm,
 * wait until PMH has processed it, read the counts, keep the error list, log out.
 * The flow knows nothing of SQL or of the record layout: it moves files and reads results.
 * It does not retry: a failure is classified and handed up to the one layer that retries.
 */
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { BrowserConfig } from '../../config/schema.ts';
import { pmhError, type PmhBotError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { launchBrowser } from '../browser.ts';
import { classifyScreenFailure } from './classify.ts';
import type { Evidence } from './evidence.ts';
import type { ScreenProfile } from './profile.ts';

export interface ScreenAccount {
  baseUrl: string;
  userId: string;
  password: string;
}

export interface ScreenTimings {
  pollIntervalMs: number;
  resultTimeoutMs: number;
  actionTimeoutMs: number;
}

export interface UploadFile {
  path: string;
  certificateTypeId: string;
  mode: 'full' | 'diff';
}

export interface UploadOutcome {
  certificateTypeId: string;
  fileName: string;
  /** PMH's 受付番号 */
  uploadId: string;
  status: string;
  /** PMH refused the file as a whole. */
  refused: boolean;
  total: number | null;
  accepted: number | null;
  rejected: number | null;
  /** PMH's error list, downloaded, when it has one. */
  errorListPath: string | null;
  resultScreenshot: string;
}

export interface StepListener {
  started(step: string): void;
  succeeded(step: string, detail?: Record<string, unknown>): void;
  failed(step: string, error: PmhBotError): void;
}

export interface ScreenDeliveryOptions {
  account: ScreenAccount;
  timings: ScreenTimings;
  browser: BrowserConfig;
  profile: ScreenProfile;
  files: UploadFile[];
  /** Where screenshots, HTML and error lists go; the caller reads it even after a failure. */
  evidence: Evidence;
  log: Logger;
  steps: StepListener;
  /** Called the moment PMH acknowledges a file, before its result is known. */
  onRegistered?: (file: UploadFile, uploadId: string) => void;
  /** Called with each file's result as soon as it is read, before the next file is uploaded. */
  onOutcome?: (file: UploadFile, outcome: UploadOutcome) => Promise<void> | void;
}


function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exact(text: string): RegExp {
  return new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`);
}

class ScreenSession {
  constructor(
    private readonly page: Page,
    private readonly options: ScreenDeliveryOptions,
    private readonly evidence: Evidence,
  ) {}

  private get profile(): ScreenProfile {
    return this.options.profile;
  }

  private url(path: string): string {
    return new URL(path, this.options.account.baseUrl).toString();
  }

  /** Runs one step: records it, keeps evidence on failure, classifies what went wrong. */
  async step<T>(name: string, body: () => Promise<T>): Promise<T> {
    this.options.steps.started(name);
    try {
      const result = await body();
      this.options.steps.succeeded(name);
      return result;
    } catch (error) {
      const classified = classifyScreenFailure(error, name, this.options.account.baseUrl);
      await this.evidence.failure(this.page, name);
      this.options.steps.failed(name, classified);
      throw classified;
    }
  }

  async open(path: string): Promise<void> {
    const response = await this.page.goto(this.url(path), { waitUntil: 'domcontentloaded' });
    if (response && response.status() >= 500) {
      throw pmhError('PmhUnreachable', { url: this.url(path), detail: `HTTP ${response.status()}` });
    }
  }

  async login(): Promise<void> {
    const { login } = this.profile;
    await this.open(this.profile.paths.login);
    await this.page.getByLabel(login.userIdLabel, { exact: true }).fill(this.options.account.userId);
    await this.page.getByLabel(login.passwordLabel, { exact: true }).fill(this.options.account.password);
    await this.page.getByRole('button', { name: login.submitButton, exact: true }).click();
    const welcomed = this.page.getByRole('heading', { name: login.successHeading, exact: true });
    const refused = this.page.getByRole('alert');
    await welcomed.or(refused).first().waitFor();
    if (await refused.isVisible()) {
      const said = (await refused.innerText()).trim();
      await this.evidence.screenshot(this.page, 'login-refused');
      throw pmhError('LoginFailed', { detail: said });
    }
    await this.evidence.screenshot(this.page, 'login');
  }

  async upload(file: UploadFile): Promise<string> {
    const { upload, confirm, registered } = this.profile;
    await this.open(this.profile.paths.upload);
    await this.page.getByLabel(upload.certificateTypeLabel, { exact: true }).selectOption(file.certificateTypeId);
    await this.page.getByRole('radio', { name: upload.modeLabels[file.mode], exact: true }).check();
    await this.page.getByLabel(upload.fileLabel, { exact: true }).setInputFiles(file.path);
    await this.evidence.screenshot(this.page, `upload-${file.certificateTypeId}`);
    await this.page.getByRole('button', { name: upload.nextButton, exact: true }).click();

    await this.page.getByRole('heading', { name: confirm.heading, exact: true }).waitFor();
    await this.evidence.screenshot(this.page, `confirm-${file.certificateTypeId}`);
    await this.page.getByRole('button', { name: confirm.submitButton, exact: true }).click();

    const pattern = new RegExp(registered.pattern);
    const acknowledgement = this.page.getByText(pattern).first();
    await acknowledgement.waitFor();
    const uploadId = pattern.exec(await acknowledgement.innerText())?.[1];
    if (!uploadId) throw pmhError('ScreenChanged', { step: 'upload', element: registered.pattern, detail: 'no upload ID' });
    await this.evidence.screenshot(this.page, `registered-${file.certificateTypeId}`);
    return uploadId;
  }

  /** Reads the history row of one upload: column name → cell text. */
  private async historyRow(uploadId: string): Promise<Record<string, string> | null> {
    const table = this.page.getByRole('table', { name: this.profile.history.tableCaption });
    const headers = (await table.getByRole('columnheader').allInnerTexts()).map((h) => h.trim());
    const row = table.getByRole('row').filter({ has: this.page.getByRole('cell', { name: uploadId, exact: true }) });
    if ((await row.count()) === 0) return null;
    const cells = (await row.first().getByRole('cell').allInnerTexts()).map((c) => c.trim());
    return Object.fromEntries(headers.map((header, i) => [header, cells[i] ?? '']));
  }

  async awaitResult(file: UploadFile, uploadId: string): Promise<UploadOutcome> {
    const { history } = this.profile;
    const deadline = Date.now() + this.options.timings.resultTimeoutMs;
    let status = '';
    await this.open(this.profile.paths.history);
    for (;;) {
      const row = await this.historyRow(uploadId);
      status = row?.[history.columns.status] ?? '';
      const done = history.doneStatuses.includes(status);
      const refused = history.refusedStatuses.includes(status);
      if (row && (done || refused)) {
        const count = (column: string): number | null => {
          const text = (row[column] ?? '').replace(/[,件\s]/g, '');
          return /^\d+$/.test(text) ? Number(text) : null;
        };
        const resultScreenshot = await this.evidence.screenshot(this.page, `result-${file.certificateTypeId}`);
        const outcome: UploadOutcome = {
          certificateTypeId: file.certificateTypeId,
          fileName: basename(file.path),
          uploadId,
          status,
          refused,
          total: count(history.columns.total),
          accepted: count(history.columns.accepted),
          rejected: count(history.columns.rejected),
          errorListPath: null,
          resultScreenshot,
        };
        if (refused || (outcome.rejected ?? 0) > 0) outcome.errorListPath = await this.downloadErrorList(uploadId);
        return outcome;
      }
      if (Date.now() + this.options.timings.pollIntervalMs > deadline) {
        await this.evidence.screenshot(this.page, `result-timeout-${file.certificateTypeId}`);
        throw pmhError('ResultTimeout', {
          uploadId,
          seconds: Math.round(this.options.timings.resultTimeoutMs / 1000),
          status: status || '?',
        });
      }
      await this.page.waitForTimeout(this.options.timings.pollIntervalMs);
      await this.page.getByRole('link', { name: history.refreshLink, exact: true }).click();
      await this.page.waitForLoadState('domcontentloaded');
    }
  }

  private async downloadErrorList(uploadId: string): Promise<string | null> {
    const table = this.page.getByRole('table', { name: this.profile.history.tableCaption });
    const row = table.getByRole('row').filter({ has: this.page.getByRole('cell', { name: uploadId, exact: true }) });
    await row.getByRole('link', { name: this.profile.history.errorListLink, exact: true }).click();
    await this.evidence.screenshot(this.page, `errors-${uploadId}`);
    const link = this.page.getByRole('link', { name: this.profile.errors.downloadLink, exact: true });
    if ((await link.count()) === 0) return null;
    const [download] = await Promise.all([this.page.waitForEvent('download'), link.click()]);
    const path = join(this.evidence.dir, `pmh-errors-${uploadId.replace(/[^A-Za-z0-9_-]/g, '_')}.csv`);
    await download.saveAs(path);
    this.evidence.track('error_list', path);
    return path;
  }

  async logout(): Promise<void> {
    await this.page.getByRole('button', { name: this.profile.logoutButton, exact: true }).first().click();
    await this.page.getByLabel(this.profile.login.userIdLabel, { exact: true }).waitFor();
  }
}

export async function deliverViaScreen(options: ScreenDeliveryOptions): Promise<UploadOutcome[]> {
  const { evidence } = options;
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser(options.browser);
    const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', acceptDownloads: true });
    context.setDefaultTimeout(options.timings.actionTimeoutMs);
    const page = await context.newPage();
    const session = new ScreenSession(page, options, evidence);
    const outcomes: UploadOutcome[] = [];

    await session.step('login', () => session.login());
    for (const file of options.files) {
      const uploadId = await session.step(`upload:${file.certificateTypeId}`, () => session.upload(file));
      options.log.info({ uploadId, certificateTypeId: file.certificateTypeId, file: basename(file.path) }, 'PMH acknowledged the upload');
      options.onRegistered?.(file, uploadId);
      const outcome = await session.step(`result:${file.certificateTypeId}`, () => session.awaitResult(file, uploadId));
      outcomes.push(outcome);
      await options.onOutcome?.(file, outcome);
    }
    try {
      await session.step('logout', () => session.logout());
    } catch (error) {
      // Everything was delivered; a failed logout only leaves a session to expire.
      options.log.warn({ err: error }, 'logout failed after delivery');
    }
    return outcomes;
  } finally {
    await browser?.close().catch(() => undefined);
  }
}
