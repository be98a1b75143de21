/**
 * One logged-in browser page on the PMH screen and what can be done on it: log in (with a
 * one-time password when asked), upload a batch of files up to and including the final
 * submit, find an upload in the history, wait for its result, download its error list, log
 * out. Every phase runs the screen profile's steps (profile.ts); nothing here knows a label,
 * a role or a URL of its own.
 *
 * Every wait looks for what was expected *and* for what real screens do instead: the
 * maintenance page, a server error, the login form of an expired session, a dialog nobody
 * expected. Each of those ends the wait at once with the precise failure, instead of a
 * timeout an operator cannot read. A control the profile names that does not come is a
 * profile problem (ScreenProfileMismatch), reported with the profile key and line, what was
 * looked for and what the page offered instead.
 */
import { basename, join } from 'node:path';
import { errors as playwrightErrors, type Locator, type Page } from 'playwright-core';
import { pmhError, PmhBotError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { StepListener, UploadOutcome } from '../delivery.ts';
import { classifyNavigationStatus, classifyScreenFailure } from './classify.ts';
import type { LoginTracing } from './attempt-trace.ts';
import type { Evidence } from './evidence.ts';
import { locatorOf, type Values } from './locate.ts';
import { offeredControls } from './page-offer.ts';
import type { Located, ScreenProfile } from './profile.ts';
import {
  describeStep,
  describeTarget,
  fillPlaceholders,
  type DialogExpectation,
  type Step,
  type Target,
  type TargetScope,
} from './profile-steps.ts';
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

/** Told about every profile step as it is taken (the rehearsal prints and photographs them). */
export interface StepObserver {
  /**
   * `what` is the step with the run's type and mode filled in (never a credential);
   * `control` the control found, as the browser names it (role and name, never its value).
   */
  stepTaken(step: Step, outcome: 'done' | 'skipped' | 'found, not pressed', what: string, control: string | null): Promise<void>;
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
  observer?: StepObserver;
}

interface StepExtras {
  /** The files an `attach` step chooses. */
  files?: string[];
  /** The upload's history row, for targets `within: upload_row`. */
  row?: Locator;
  /** Called when a step's control is there, just before it is used. */
  beforeAction?: (step: Step) => Promise<void>;
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

/**
 * A control's role and accessible name as the browser reads them (the first line of its ARIA
 * snapshot, `textbox "利用者ID"`), without its value: a filled field's snapshot ends with
 * what was typed.
 */
async function controlName(control: Locator): Promise<string | null> {
  const snapshot = await control.ariaSnapshot({ timeout: 2000 }).catch(() => null);
  const first = snapshot?.split('\n')[0]?.replace(/^\s*-\s*/, '') ?? '';
  const named = /^([a-z]+)(?: ("(?:[^"\\]|\\.)*"))?/.exec(first);
  return named ? [named[1], named[2]].filter(Boolean).join(' ') : null;
}

/** Whether a step types the credentials (the trace is paused before it). */
function typesCredentials(step: Step): boolean {
  return /\{(?:user_id|password)\}/.test(JSON.stringify(step.target ?? {}));
}

export class ScreenSession {
  private loggingIn = false;
  /** The dialog the step being run may raise, and how to answer it. */
  private expectedDialog: DialogExpectation | null = null;
  /** Set when something happened that no wait should sit out: a 5xx page, an unexpected dialog. */
  private interruption: PmhBotError | null = null;
  private wakeWaiters: (() => void)[] = [];
  private navigationsInFlight = 0;
  private currentStep = '';
  private currentKey = '';

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
      const expected = this.expectedDialog;
      if (expected && (!expected.type || expected.type === dialog.type()) && dialog.message().includes(expected.text)) {
        this.expectedDialog = null;
        this.options.log.info({ step: this.currentStep, key: this.currentKey, type: dialog.type(), answer: expected.answer }, 'answered a dialog as the profile says');
        void (expected.answer === 'accept' ? dialog.accept() : dialog.dismiss()).catch(() => undefined);
        return;
      }
      void dialog.dismiss().catch(() => undefined);
      const where = this.currentKey ? ` (after ${this.currentKey})` : '';
      this.interrupt(
        pmhError('ScreenChanged', { step: this.currentStep, element: `dialog(${dialog.type()})`, detail: `a dialog the screen profile does not expect${where}: ${dialog.message()}` }),
      );
    });
  }

  private get profile(): ScreenProfile {
    return this.options.profile;
  }

  private get flow() {
    return this.options.profile.flow;
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
    if (error instanceof playwrightErrors.TimeoutError && this.navigationsInFlight > 0) return this.pageNotLoaded(error);
    return classifyScreenFailure(error, step, this.options.account.baseUrl);
  }

  /** The page never finished loading: PMH is slow or down, not changed. */
  private pageNotLoaded(error: unknown): PmhBotError {
    const url = this.page.url() || this.options.account.baseUrl;
    return pmhError('PmhUnreachable', { url, detail: `no answer within ${this.options.timings.actionTimeoutMs / 1000} s` }, error);
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

  private loginForm(): Locator {
    return this.locate(this.flow.login.form.target, {});
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
    const loginForm = this.loggingIn ? null : this.loginForm();
    // One look for all of them first: each look is a traced action with its own DOM
    // snapshot, and on a normal page none of them is there.
    if (!(await this.isShown(anyOfLocators([maintenance, expired, loginForm])))) return;
    if (await this.isShown(maintenance)) throw pmhError('PmhMaintenance', { step: this.currentStep, detail: 'HTTP 200' });
    if ((await this.isShown(expired)) || (await this.isShown(loginForm))) throw new SessionExpired();
  }

  /** Waits for `expected`, or for whatever shows instead (maintenance, expiry, a server error). */
  private async arrive(expected: Locator): Promise<void> {
    const awaited = anyOfLocators([expected, this.maintenanceText(), this.expiredText(), this.loggingIn ? null : this.loginForm()])!;
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

  /**
   * Waits for a control the profile names. One that never comes is a profile problem, said
   * with its key and line and what the page showed instead, unless the page itself never
   * finished loading (PMH slow or down).
   */
  private async arriveAt(expected: Locator, where: { key: string; line: number | null; lookedFor: string }): Promise<void> {
    try {
      await this.arrive(expected);
    } catch (error) {
      throw await this.missing(error, where);
    }
  }

  private async missing(error: unknown, where: { key: string; line: number | null; lookedFor: string }): Promise<unknown> {
    if (!(error instanceof playwrightErrors.TimeoutError)) return error;
    if (this.navigationsInFlight > 0) return this.pageNotLoaded(error);
    return pmhError(
      'ScreenProfileMismatch',
      {
        step: this.currentStep,
        key: where.key,
        file: basename(this.profile.file),
        line: where.line ?? '?',
        lookedFor: where.lookedFor,
        offered: await offeredControls(this.page),
      },
      error,
    );
  }

  private locate(target: Target | Exclude<TargetScope, 'upload_row'>, values: Values, row?: Locator): Locator {
    return locatorOf(this.page, target, values, row);
  }

  private locateAt(located: Located, values: Values = {}): Locator {
    return this.locate(located.target, values);
  }

  /** Whether `locator` shows within `ms` once the page has loaded: how optional and conditional steps decide. */
  private async appears(locator: Locator, ms: number): Promise<boolean> {
    await this.page.waitForLoadState('domcontentloaded').catch(() => undefined);
    return locator.first().waitFor({ state: 'visible', timeout: Math.max(1, ms) }).then(
      () => true,
      () => false,
    );
  }

  /** Runs a phase's steps in order. */
  private async run(steps: readonly Step[], values: Values, extra: StepExtras = {}): Promise<void> {
    for (const step of steps) await this.runStep(step, values, extra);
  }

  private async runStep(step: Step, values: Values, extra: StepExtras): Promise<void> {
    const { log, observer } = this.options;
    this.currentKey = step.key;
    this.expectedDialog = null;
    if (step.when && !(await this.appears(this.locate(step.when, values, extra.row), step.lookMs))) {
      log.info({ step: this.currentStep, key: step.key }, `not shown, step skipped: ${describeStep(step)}`);
      await observer?.stepTaken(step, 'skipped', describeStep(step, values), null);
      return;
    }
    if (step.action === 'goto' || step.action === 'reload') {
      if (step.action === 'goto') await this.page.goto(this.url(step.path!), { waitUntil: 'domcontentloaded' });
      else await this.page.reload({ waitUntil: 'domcontentloaded' });
      await observer?.stepTaken(step, 'done', describeStep(step, values), null);
      return;
    }
    const target = step.target!;
    const control = this.locate(target, values, extra.row).first();
    if (step.optional && !(await this.appears(control, step.lookMs))) {
      log.info({ step: this.currentStep, key: step.key }, `not there, optional step skipped: ${describeStep(step)}`);
      await observer?.stepTaken(step, 'skipped', describeStep(step, values), null);
      return;
    }
    const where = { key: step.key, line: step.line, lookedFor: describeStep(step, values) };
    await this.arriveAt(control, where);
    // Named before the action: a click may take the page (and the control) away.
    const found = observer ? await controlName(control) : null;
    await extra.beforeAction?.(step);
    try {
      switch (step.action) {
        case 'click':
          this.expectedDialog = step.dialog;
          await control.click();
          break;
        case 'check':
          await control.check();
          break;
        case 'uncheck':
          await control.uncheck();
          break;
        case 'fill':
          await control.fill(fillPlaceholders(target.value ?? '', values));
          break;
        case 'select':
          await control.selectOption(
            target.option !== undefined ? { label: fillPlaceholders(target.option, values) } : { value: fillPlaceholders(target.value!, values) },
          );
          break;
        case 'attach':
          await control.setInputFiles(extra.files ?? []);
          break;
        case 'wait_for':
          break;
      }
    } catch (error) {
      // A control that is there but cannot be used as the step says (no such option, not a
      // checkbox, never enabled) is the profile's problem too.
      if (this.interruption) await this.diagnose();
      throw await this.missing(error, where);
    }
    await observer?.stepTaken(step, 'done', describeStep(step, values), found);
  }

  async login(): Promise<void> {
    const { login } = this.flow;
    const { account, trace } = this.options;
    this.loggingIn = true;
    try {
      const values: Values = { user_id: account.userId, password: account.password };
      let paused = false;
      // From the first credential typed to the page after the login, nothing may reach a trace.
      const pause = async (): Promise<void> => {
        if (!paused) await trace?.pause();
        paused = true;
      };
      await this.run(login.steps, values, { beforeAction: async (step) => (typesCredentials(step) ? pause() : undefined) });
      await pause();
      const welcomed = anyOfLocators(login.success.map((s) => this.locateAt(s)))!;
      const refused = this.locateAt(login.refused);
      const otpField = login.otp ? this.locateAt(login.otp.field) : null;
      const success = { key: login.success[0]!.key, line: login.success[0]!.line, lookedFor: login.success.map((s) => describeTarget(s.target)).join(' / ') };
      await this.arriveAt(anyOfLocators([welcomed, refused, otpField])!, success);
      const answer = await this.loginAnswer(welcomed, refused, otpField);
      if (answer === 'code' && login.otp) {
        const key = account.totpKey;
        if (!key) throw pmhError('PmhOtpNotConfigured', {});
        // A code about to expire may be stale by the time PMH checks it.
        if (msLeftInStep() < 3000) await this.page.waitForTimeout(msLeftInStep() + 200);
        await this.run(login.otp.steps, { otp: totp(key) });
        await this.arriveAt(welcomed.or(refused), success);
        await this.loginAnswer(welcomed, refused, null);
      }
      await this.evidence.screenshot(this.page, 'login');
    } finally {
      this.loggingIn = false;
    }
    await trace?.resume();
    await this.run(this.flow.afterLogin, {});
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

  /** The values an upload's steps may use: the type as the form shows it, and the mode's label. */
  private uploadValues(batch: UploadBatch): Values {
    const { certificate_types: types, mode_labels: modes } = this.profile.upload;
    const type = types[batch.certificateTypeId];
    const values: Values = { type_id: batch.certificateTypeId, type_value: type?.value ?? batch.certificateTypeId };
    if (type?.label) values.type_label = type.label;
    if (modes) values.mode_label = modes[batch.mode];
    return values;
  }

  /**
   * Uploads and confirms one batch. `submitting` is called just before the final click:
   * from then on the upload may exist at PMH even if this fails. `acknowledged` gets PMH's
   * upload ID as soon as it is read, before the acknowledgement's screenshot is taken.
   * A rehearsal finds the final submit and stops there: nothing is registered.
   */
  async upload(batch: UploadBatch, on: UploadListener, options: { rehearsal?: boolean } = {}): Promise<void> {
    const { upload, duplicateWarning, receipt } = this.flow;
    const type = batch.certificateTypeId;
    const values = this.uploadValues(batch);
    await this.run(upload.open, values);
    // No screenshot of the filled-in form: the confirmation's screenshot below shows the same
    // file, type and mode as PMH read them, and a form PMH refuses gets its failure screenshot
    // and HTML. Taking it cost about 40 ms of every upload (issue 9, fourth round).
    await this.run(upload.fill, values, { files: batch.paths });
    await this.run(upload.confirm, values);
    await this.evidence.screenshot(this.page, `confirm-${type}`);
    if (duplicateWarning) {
      const warning = this.page.getByText(duplicateWarning.pattern);
      if (await this.isShown(warning)) {
        const earlierId = duplicateWarning.pattern.exec(await warning.first().innerText())?.[1] ?? '?';
        await this.evidence.screenshot(this.page, `duplicate-${type}`);
        throw pmhError('PmhDuplicateUpload', { fileName: basename(batch.paths[0]!), earlierId });
      }
    }
    if (options.rehearsal) {
      const submit = this.locate(upload.submit.target!, values).first();
      this.currentKey = upload.submit.key;
      const what = describeStep(upload.submit, values);
      await this.arriveAt(submit, { key: upload.submit.key, line: upload.submit.line, lookedFor: what });
      await this.options.observer?.stepTaken(upload.submit, 'found, not pressed', what, await controlName(submit));
      return;
    }
    on.submitting();
    await this.runStep(upload.submit, values, {});
    const acknowledgement = this.page.getByText(receipt.pattern).first();
    await this.arriveAt(acknowledgement, { key: receipt.key, line: receipt.line, lookedFor: `text /${receipt.pattern.source}/` });
    const uploadId = receipt.pattern.exec(await acknowledgement.innerText())?.[1];
    if (!uploadId) throw pmhError('ScreenChanged', { step: this.currentStep, element: receipt.pattern.source, detail: 'no upload ID' });
    on.acknowledged(uploadId);
    await this.evidence.screenshot(this.page, `registered-${type}`);
  }

  private historyTable(): Locator {
    return this.locateAt(this.flow.history.table);
  }

  private async openHistory(): Promise<void> {
    await this.run(this.flow.history.open, {});
    await this.arriveTable();
  }

  private async arriveTable(): Promise<void> {
    const { table } = this.flow.history;
    await this.arriveAt(this.historyTable(), { key: table.key, line: table.line, lookedFor: describeTarget(table.target) });
  }

  /** The cell holding an upload ID, in a table or a grid. */
  private uploadIdCell(uploadId: string): Locator {
    const options = { name: uploadId, exact: true };
    return this.page.getByRole('cell', options).or(this.page.getByRole('gridcell', options));
  }

  /** The history rows matching `filter`, each as column heading → cell text. */
  private async historyRows(filter: { uploadId?: string; fileName?: string }): Promise<Record<string, string>[]> {
    const table = this.historyTable();
    const headers = (await table.getByRole('columnheader').allInnerTexts()).map((h) => h.trim());
    const { columns } = this.profile.history;
    const absent = Object.entries(columns).filter(([, heading]) => !headers.includes(heading));
    if (absent.length > 0) {
      const [name, heading] = absent[0]!;
      throw pmhError('ScreenProfileMismatch', {
        step: this.currentStep,
        key: `history.columns.${name}`,
        file: basename(this.profile.file),
        line: this.profile.lineOf(`history.columns.${name}`) ?? '?',
        lookedFor: `column "${heading}" in ${describeTarget(this.flow.history.table.target)}`,
        offered: headers.join(' | ') || '(no column headings)',
      });
    }
    let rows = table.getByRole('row');
    if (filter.uploadId) rows = rows.filter({ has: this.uploadIdCell(filter.uploadId) });
    if (filter.fileName) rows = rows.filter({ hasText: filter.fileName });
    const found: Record<string, string>[] = [];
    for (const row of await rows.all()) {
      const cells = (await row.getByRole('cell').or(row.getByRole('gridcell')).allInnerTexts()).map((c) => c.trim());
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
    await this.openHistory();
    const { columns } = this.profile.history;
    const rows = (await this.historyRows({ fileName })).filter((row) =>
      (row[columns.file_name] ?? '').split(/\s*[\n,、]\s*/).includes(fileName),
    );
    const row = rows[0];
    if (!row?.[columns.id]) return null;
    await this.evidence.screenshot(this.page, `history-${safeName(fileName)}`);
    return { uploadId: row[columns.id]!, status: row[columns.status] ?? '' };
  }

  /** Opens the history, refreshes it once and reads its column headings: the rehearsal's look at where results are read. */
  async rehearseHistory(): Promise<void> {
    await this.openHistory();
    await this.run(this.flow.history.refresh, {});
    await this.arriveTable();
    await this.historyRows({ uploadId: '\u0000' });
  }

  /** Polls the history until PMH has processed the upload, or until `deadline` (epoch ms). */
  async awaitResult(batch: UploadBatch, uploadId: string, deadline: number): Promise<UploadOutcome> {
    const { history } = this.profile;
    const type = batch.certificateTypeId;
    let status = '';
    await this.openHistory();
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
      await this.run(this.flow.history.refresh, {});
      await this.page.waitForLoadState('domcontentloaded');
      await this.arriveTable();
    }
  }

  private async downloadErrorList(uploadId: string): Promise<string> {
    const row = this.historyTable().getByRole('row').filter({ has: this.uploadIdCell(uploadId) });
    await this.run(this.flow.history.openErrorList, {}, { row });
    await this.page.waitForLoadState('domcontentloaded');
    await this.diagnose();
    await this.evidence.screenshot(this.page, `errors-${uploadId}`);
    const { download } = this.flow.errors;
    const control = this.locateAt(download).first();
    this.currentKey = download.key;
    await this.arriveAt(control, { key: download.key, line: download.line, lookedFor: describeTarget(download.target) });
    const [file] = await Promise.all([this.page.waitForEvent('download'), control.click()]);
    const path = join(this.evidence.dir, `pmh-errors-${safeName(uploadId)}.csv`);
    await file.saveAs(path);
    this.evidence.track('error_list', path);
    return path;
  }

  async logout(): Promise<void> {
    await this.run(this.flow.logout, {});
    await this.loginForm().first().waitFor();
  }
}
