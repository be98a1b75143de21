/**
 * One logged-in browser page on the PMH screen and what can be done on it: log in (with a
 * one-time password when asked), upload a batch of files and confirm (confirmation page,
 * in-page modal or the browser's own dialog), find an upload in the history, wait for its
 * result, download its error list, log out.
 *
 * Every wait looks for what was expected *and* for what real screens do instead: the
 * maintenance page, a server error, the login form of an expired session, a dialog nobody
 * expected. Each of those ends the wait at once with the precise failure, instead of a
 * timeout an operator cannot read.
 */
import { basename, join } from 'node:path';
import { errors as playwrightErrors, type Locator, type Page } from 'playwright-core';
import { pmhError, PmhBotError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { StepListener, UploadOutcome } from '../delivery.ts';
import { classifyNavigationStatus, classifyScreenFailure } from './classify.ts';
import type { LoginTracing } from './attempt-trace.ts';
import type { Evidence } from './evidence.ts';
import { describeAction, runProfileActions } from './profile-actions.ts';
import type { ScreenProfile } from './profile.ts';
import { msLeftInStep, totp } from './totp.ts';

export interface ScreenAccount {
  baseUrl: string;
  userId: string;
  password: string;
  /** The decoded TOTP secret, when PMH asks for a second factor. */
  totpKey?: Buffer | null;
}

export interface ScreenTimings {
  pollIntervalMs: number;
  resultTimeoutMs: number;
  actionTimeoutMs: number;
}

export type { StepListener, UploadOutcome } from '../delivery.ts';

/** One PMH upload: one file, or several parts of one certificate type sent together. */
export interface UploadBatch {
  certificateTypeId: string;
  mode: 'full' | 'diff';
  paths: string[];
}

/** What `ScreenSession.upload` reports as it goes. */
export interface UploadListener {
  /** Just before the final click: from then on the upload may exist at PMH. */
  submitting(): void;
  /** PMH's acknowledgement was read: its upload ID. */
  acknowledged(uploadId: string): void;
}

export interface SessionOptions {
  account: ScreenAccount;
  timings: ScreenTimings;
  profile: ScreenProfile;
  evidence: Evidence;
  log: Logger;
  steps: StepListener;
  /** Named in messages that tell the operator what to run next. */
  runId: string;
  /** Told around every login, so that no trace records the password. */
  trace?: LoginTracing;
}

/** The session ended under us (PMH showed its login form again). Handled by `step`. */
class SessionExpired extends Error {}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function anyOf(texts: readonly string[]): RegExp | null {
  return texts.length ? new RegExp(texts.map(escapeRegExp).join('|')) : null;
}

/** A locator for whichever of `locators` shows first; null when none is given. */
function anyOfLocators(locators: (Locator | null)[]): Locator | null {
  return locators.reduce<Locator | null>((all, one) => (one ? (all ? all.or(one) : one) : all), null);
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

export class ScreenSession {
  private loggingIn = false;
  private expectingNativeConfirm = false;
  /** Set when something happened that no wait should sit out: a 5xx page, an unexpected dialog. */
  private interruption: PmhBotError | null = null;
  private wakeWaiters: (() => void)[] = [];
  private navigationsInFlight = 0;
  private currentStep = '';

  constructor(
    readonly page: Page,
    private readonly options: SessionOptions,
  ) {
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) this.navigationsInFlight += 1;
    });
    const settled = (request: { isNavigationRequest(): boolean; frame(): unknown }) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
        this.navigationsInFlight = Math.max(0, this.navigationsInFlight - 1);
      }
    };
    page.on('requestfailed', settled);
    page.on('response', (response) => {
      const request = response.request();
      settled(request);
      if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
      // A proxy asking for credentials answers with a page of its own, not an error.
      const refused = classifyNavigationStatus(response.status(), response.url());
      if (refused) {
        this.interrupt(refused);
        return;
      }
      if (response.status() >= 500) {
        this.interrupt(pmhError('PmhServerError', { step: this.currentStep, status: response.status(), url: response.url() }));
      } else if (this.interruption?.code === 'PmhServerError') {
        this.interruption = null;
      }
    });
    page.on('dialog', (dialog) => {
      const expected = this.options.profile.confirm.native_dialog_text;
      if (this.expectingNativeConfirm && dialog.type() === 'confirm' && expected && dialog.message().includes(expected)) {
        this.expectingNativeConfirm = false;
        this.options.log.info({ step: this.currentStep }, 'accepted the confirmation dialog');
        void dialog.accept().catch(() => undefined);
        return;
      }
      void dialog.dismiss().catch(() => undefined);
      this.interrupt(
        pmhError('ScreenChanged', { step: this.currentStep, element: `dialog(${dialog.type()})`, detail: `unexpected dialog: ${dialog.message()}` }),
      );
    });
  }

  private get profile(): ScreenProfile {
    return this.options.profile;
  }

  private get evidence(): Evidence {
    return this.options.evidence;
  }

  private interrupt(error: PmhBotError): void {
    this.interruption = error;
    for (const wake of this.wakeWaiters.splice(0)) wake();
  }

  private url(path: string): string {
    return new URL(path, this.options.account.baseUrl).toString();
  }

  /**
   * Runs one step: records it, logs in again once if the session expired, keeps evidence
   * on failure and classifies what went wrong.
   */
  async step<T>(name: string, body: () => Promise<T>): Promise<T> {
    const { steps, log } = this.options;
    steps.started(name);
    let loggedInAgain = false;
    for (;;) {
      this.currentStep = name;
      try {
        const result = await body();
        steps.succeeded(name);
        return result;
      } catch (error) {
        let failure: unknown = error;
        if (error instanceof SessionExpired && !loggedInAgain && name !== 'login') {
          loggedInAgain = true;
          log.warn({ step: name }, 'the PMH session expired: logging in again once');
          await this.evidence.screenshot(this.page, `${name}-session-expired`).catch(() => undefined);
          try {
            await this.login();
            this.currentStep = name;
            continue;
          } catch (loginError) {
            failure = loginError;
          }
        }
        const classified = this.classify(failure, name);
        await this.evidence.failure(this.page, name);
        steps.failed(name, classified);
        throw classified;
      }
    }
  }

  private classify(error: unknown, step: string): PmhBotError {
    if (error instanceof SessionExpired) return pmhError('PmhSessionExpired', { step });
    if (error instanceof PmhBotError) return error;
    if (error instanceof playwrightErrors.TimeoutError && this.navigationsInFlight > 0) {
      // The page never finished loading: PMH is slow or down, not changed.
      return pmhError('PmhUnreachable', { url: this.page.url() || this.options.account.baseUrl, detail: `no answer within ${this.options.timings.actionTimeoutMs / 1000} s` }, error);
    }
    return classifyScreenFailure(error, step, this.options.account.baseUrl);
  }

  private async isShown(locator: Locator | null): Promise<boolean> {
    if (!locator) return false;
    return locator.first().isVisible().catch(() => false);
  }

  private maintenanceText(): Locator | null {
    const pattern = anyOf(this.profile.maintenance_texts);
    return pattern ? this.page.getByText(pattern) : null;
  }

  private expiredText(): Locator | null {
    const pattern = anyOf(this.profile.login.session_expired_texts);
    return pattern ? this.page.getByText(pattern) : null;
  }

  private loginField(): Locator {
    return this.page.getByLabel(this.profile.login.user_id_label, { exact: true });
  }

  /** Throws the precise failure if the page is not the one the flow is on. */
  private async diagnose(): Promise<void> {
    const maintenance = this.maintenanceText();
    if (this.interruption?.code === 'PmhServerError') {
      await this.page.waitForLoadState('domcontentloaded').catch(() => undefined);
      if (await this.isShown(maintenance)) throw pmhError('PmhMaintenance', { step: this.currentStep, detail: this.interruption.params.status ?? '' });
      throw this.interruption;
    }
    if (this.interruption) throw this.interruption;
    // While logging in, the login page may show the expiry notice beside its form (the reason
    // the bot is there): login() tells a session that ends at once by what it did not reach.
    const expired = this.loggingIn ? null : this.expiredText();
    const loginForm = this.loggingIn ? null : this.loginField();
    // One look for all of them first: each look is a traced action with its own DOM
    // snapshot, and on a normal page none of them is there.
    if (!(await this.isShown(anyOfLocators([maintenance, expired, loginForm])))) return;
    if (await this.isShown(maintenance)) throw pmhError('PmhMaintenance', { step: this.currentStep, detail: 'HTTP 200' });
    if ((await this.isShown(expired)) || (await this.isShown(loginForm))) throw new SessionExpired();
  }

  /** Waits for `expected`, or for whatever shows instead (maintenance, expiry, a server error). */
  private async arrive(expected: Locator): Promise<void> {
    const awaited = anyOfLocators([expected, this.maintenanceText(), this.expiredText(), this.loggingIn ? null : this.loginField()])!;
    if (!this.interruption) {
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
        this.wakeWaiters.push(resolve);
      });
      const shown = awaited.first().waitFor();
      try {
        await Promise.race([shown, woken]);
      } catch (error) {
        await this.diagnose();
        throw error;
      } finally {
        shown.catch(() => undefined);
        this.wakeWaiters = this.wakeWaiters.filter((w) => w !== wake);
      }
    }
    await this.diagnose();
  }

  /** Goes to a page of PMH's and waits for `expected` on it (or for what shows instead). */
  private async open(path: string, expected: Locator): Promise<void> {
    await this.page.goto(this.url(path), { waitUntil: 'domcontentloaded' });
    await this.arrive(expected);
  }

  async login(): Promise<void> {
    const { login } = this.profile;
    this.loggingIn = true;
    try {
      await this.open(this.profile.paths.login, this.loginField());
      // From here to the page after the login, nothing typed or sent may reach a trace.
      await this.options.trace?.pause();
      await this.loginField().fill(this.options.account.userId);
      await this.page.getByLabel(login.password_label, { exact: true }).fill(this.options.account.password);
      await this.page.getByRole('button', { name: login.submit_button, exact: true }).click();
      const welcomed = this.page.getByRole('heading', { name: login.success_heading, exact: true });
      const refused = this.page.getByRole('alert');
      const otpField = login.otp ? this.page.getByLabel(login.otp.field_label, { exact: true }) : null;
      await this.arrive(otpField ? welcomed.or(refused).or(otpField) : welcomed.or(refused));
      const answer = await this.loginAnswer(welcomed, refused, otpField);
      if (answer === 'code' && login.otp && otpField) {
        const key = this.options.account.totpKey;
        if (!key) throw pmhError('PmhOtpNotConfigured', {});
        // A code about to expire may be stale by the time PMH checks it.
        if (msLeftInStep() < 3000) await this.page.waitForTimeout(msLeftInStep() + 200);
        await otpField.fill(totp(key));
        await this.page.getByRole('button', { name: login.otp.submit_button, exact: true }).click();
        await this.arrive(welcomed.or(refused));
        await this.loginAnswer(welcomed, refused, null);
      }
      await this.evidence.screenshot(this.page, 'login');
    } finally {
      this.loggingIn = false;
    }
    await this.options.trace?.resume();
    if (this.profile.extra_steps.after_login.length) {
      this.options.log.info({ actions: this.profile.extra_steps.after_login.map(describeAction) }, 'extra steps after login');
      await runProfileActions(this.page, this.profile.extra_steps.after_login);
    }
  }

  /**
   * What PMH answered to a login form: welcomed, or asking for the one-time code; a refusal
   * throws LoginFailed. Anything else is what arrive() also stops on, PMH's expiry notice: the
   * new session ended at once, said as such and never taken for a login.
   */
  private async loginAnswer(welcomed: Locator, refused: Locator, otpField: Locator | null): Promise<'welcomed' | 'code'> {
    if (await this.isShown(welcomed)) return 'welcomed';
    if (await this.isShown(refused)) await this.refused(refused);
    if (otpField && (await this.isShown(otpField))) return 'code';
    throw new SessionExpired();
  }

  private async refused(alert: Locator): Promise<never> {
    const said = (await alert.first().innerText()).trim();
    await this.evidence.screenshot(this.page, 'login-refused');
    throw pmhError('LoginFailed', { detail: said });
  }

  /**
   * Uploads and confirms one batch. `submitting` is called just before the final click:
   * from then on the upload may exist at PMH even if this fails. `acknowledged` gets PMH's
   * upload ID as soon as it is read, before the acknowledgement's screenshot is taken.
   */
  async upload(batch: UploadBatch, on: UploadListener): Promise<void> {
    const { upload, confirm, registered } = this.profile;
    const type = batch.certificateTypeId;
    const fileField = this.page.getByLabel(upload.file_label, { exact: true });
    await this.open(this.profile.paths.upload, fileField);
    await this.page.getByLabel(upload.certificate_type_label, { exact: true }).selectOption(type);
    await this.page.getByRole('radio', { name: upload.mode_labels[batch.mode], exact: true }).check();
    await fileField.setInputFiles(batch.paths);
    await runProfileActions(this.page, this.profile.extra_steps.before_upload_submit);
    // No screenshot of the filled-in form: the confirmation's screenshot below shows the same
    // file, type and mode as PMH read them, and a form PMH refuses gets its failure screenshot
    // and HTML. Taking it cost about 40 ms of every upload (issue 9, fourth round).
    await this.page.getByRole('button', { name: upload.next_button, exact: true }).click();

    const scope = confirm.style === 'modal' ? this.page.getByRole('dialog') : this.page;
    await this.arrive(scope.getByRole('heading', { name: confirm.heading, exact: true }));
    await this.evidence.screenshot(this.page, `confirm-${type}`);
    if (confirm.duplicate_warning) {
      const pattern = new RegExp(confirm.duplicate_warning);
      const warning = this.page.getByText(pattern);
      if (await this.isShown(warning)) {
        const earlierId = pattern.exec(await warning.first().innerText())?.[1] ?? '?';
        await this.evidence.screenshot(this.page, `duplicate-${type}`);
        throw pmhError('PmhDuplicateUpload', { fileName: basename(batch.paths[0]!), earlierId });
      }
    }
    await runProfileActions(this.page, this.profile.extra_steps.before_confirm);
    on.submitting();
    this.expectingNativeConfirm = confirm.style === 'native';
    try {
      await scope.getByRole('button', { name: confirm.submit_button, exact: true }).click();
      const pattern = new RegExp(registered.pattern);
      const acknowledgement = this.page.getByText(pattern).first();
      await this.arrive(acknowledgement);
      const uploadId = pattern.exec(await acknowledgement.innerText())?.[1];
      if (!uploadId) throw pmhError('ScreenChanged', { step: this.currentStep, element: registered.pattern, detail: 'no upload ID' });
      on.acknowledged(uploadId);
      await this.evidence.screenshot(this.page, `registered-${type}`);
    } finally {
      this.expectingNativeConfirm = false;
    }
  }

  private historyTable(): Locator {
    return this.page.getByRole('table', { name: this.profile.history.table_caption });
  }

  /** The history rows matching `filter`, each as column heading → cell text. */
  private async historyRows(filter: { uploadId?: string; fileName?: string }): Promise<Record<string, string>[]> {
    const table = this.historyTable();
    const headers = (await table.getByRole('columnheader').allInnerTexts()).map((h) => h.trim());
    let rows = table.getByRole('row');
    if (filter.uploadId) rows = rows.filter({ has: this.page.getByRole('cell', { name: filter.uploadId, exact: true }) });
    if (filter.fileName) rows = rows.filter({ hasText: filter.fileName });
    const found: Record<string, string>[] = [];
    for (const row of await rows.all()) {
      const cells = (await row.getByRole('cell').allInnerTexts()).map((c) => c.trim());
      if (cells.length === 0) continue;
      found.push(Object.fromEntries(headers.map((header, i) => [header, cells[i] ?? ''])));
    }
    return found;
  }

  /**
   * PMH's upload history entry of a file, by name (the bot's file names are unique per
   * run): how the flow, and a replay, tell whether an upload already reached PMH.
   */
  async findInHistory(fileName: string): Promise<{ uploadId: string; status: string } | null> {
    await this.open(this.profile.paths.history, this.historyTable());
    const { columns } = this.profile.history;
    const rows = (await this.historyRows({ fileName })).filter((row) =>
      (row[columns.file_name] ?? '').split(/\s*[\n,、]\s*/).includes(fileName),
    );
    const row = rows[0];
    if (!row?.[columns.id]) return null;
    await this.evidence.screenshot(this.page, `history-${safeName(fileName)}`);
    return { uploadId: row[columns.id]!, status: row[columns.status] ?? '' };
  }

  /** Polls the history until PMH has processed the upload, or until `deadline` (epoch ms). */
  async awaitResult(batch: UploadBatch, uploadId: string, deadline: number): Promise<UploadOutcome> {
    const { history } = this.profile;
    const type = batch.certificateTypeId;
    let status = '';
    await this.open(this.profile.paths.history, this.historyTable());
    for (;;) {
      const row = (await this.historyRows({ uploadId }))[0];
      status = row?.[history.columns.status] ?? '';
      const done = history.done_statuses.includes(status);
      const refused = history.refused_statuses.includes(status);
      if (row && (done || refused)) {
        const count = (column: string): number | null => {
          const text = (row[column] ?? '').replace(/[,件\s]/g, '');
          return /^\d+$/.test(text) ? Number(text) : null;
        };
        const resultScreenshot = await this.evidence.screenshot(this.page, `result-${type}`);
        const fileNames = batch.paths.map((p) => basename(p));
        const outcome: UploadOutcome = {
          certificateTypeId: type,
          fileName: fileNames[0]!,
          fileNames,
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
        await this.evidence.screenshot(this.page, `result-timeout-${type}`);
        throw pmhError('ResultTimeout', {
          uploadId,
          seconds: Math.round(this.options.timings.resultTimeoutMs / 1000),
          status: status || '?',
          runId: this.options.runId,
        });
      }
      await this.page.waitForTimeout(this.options.timings.pollIntervalMs);
      await this.page.getByRole('link', { name: history.refresh_link, exact: true }).click();
      await this.page.waitForLoadState('domcontentloaded');
      await this.arrive(this.historyTable());
    }
  }

  private async downloadErrorList(uploadId: string): Promise<string | null> {
    const row = this.historyTable().getByRole('row').filter({ has: this.page.getByRole('cell', { name: uploadId, exact: true }) });
    await row.getByRole('link', { name: this.profile.history.error_list_link, exact: true }).click();
    await this.page.waitForLoadState('domcontentloaded');
    await this.diagnose();
    await this.evidence.screenshot(this.page, `errors-${uploadId}`);
    const link = this.page.getByRole('link', { name: this.profile.errors.download_link, exact: true });
    if ((await link.count()) === 0) return null;
    const [download] = await Promise.all([this.page.waitForEvent('download'), link.click()]);
    const path = join(this.evidence.dir, `pmh-errors-${safeName(uploadId)}.csv`);
    await download.saveAs(path);
    this.evidence.track('error_list', path);
    return path;
  }

  async logout(): Promise<void> {
    await this.page.getByRole('button', { name: this.profile.logout_button, exact: true }).first().click();
    await this.loginField().waitFor();
  }
}
