/**
 * The rehearsal (`pmh-bot profile check`): walks the configured screen with the profile as
 * a run would — log in, every step after login, open and fill the upload form with a real
 * file, confirm — finds the final submit and stops there without pressing it; then opens
 * the history and refreshes it once, and logs out. Every step is recorded with the control
 * it found (its role and accessible name as the browser reads them) and a screenshot.
 * Nothing is registered at PMH. No retry: a rehearsal shows the screen as it is.
 */
import type { BrowserConfig } from '../../config/schema.ts';
import { asPmhBotError, type PmhBotError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { contextOptions, launchBrowser } from '../browser.ts';
import type { ChannelSettings } from '../delivery.ts';
import { screenAccountOf, screenTimingsOf } from './account.ts';
import { Evidence } from './evidence.ts';
import type { ScreenProfile } from './profile.ts';
import type { Step } from './profile-steps.ts';
import { ScreenSession, type UploadBatch } from './screen-session.ts';

export interface RehearsedStep {
  /** The flow's step: login, upload:<type>, history, logout. */
  phase: string;
  key: string;
  line: number | null;
  what: string;
  outcome: 'done' | 'skipped' | 'found, not pressed';
  /** The control found, as the browser names it: `button "送信する"`; null for navigation and skipped steps. */
  control: string | null;
  screenshot: string | null;
}

export interface RehearsalResult {
  steps: RehearsedStep[];
  /** The final submit that was found and not pressed; null when the walk stopped before it. */
  submit: RehearsedStep | null;
  error: PmhBotError | null;
  evidenceDir: string;
}

export interface RehearsalOptions {
  pmh: ChannelSettings<'screen'>;
  browser: BrowserConfig;
  profile: ScreenProfile;
  batch: UploadBatch;
  evidenceDir: string;
  log: Logger;
}

export async function rehearseScreen(options: RehearsalOptions): Promise<RehearsalResult> {
  const { pmh, profile, log } = options;
  const evidence = new Evidence(options.evidenceDir);
  const steps: RehearsedStep[] = [];
  let phase = '';
  let submit: RehearsedStep | null = null;
  let error: PmhBotError | null = null;
  const browser = await launchBrowser(options.browser);
  try {
    const context = await browser.newContext(contextOptions(options.browser));
    const timings = screenTimingsOf(pmh);
    context.setDefaultTimeout(timings.actionTimeoutMs);
    const page = await context.newPage();
    const session = new ScreenSession(page, {
      account: screenAccountOf(pmh),
      timings,
      profile,
      evidence,
      log,
      runId: 'profile-check',
      steps: { started: () => undefined, succeeded: () => undefined, failed: () => undefined },
      observer: {
        stepTaken: async (step: Step, outcome, what, control) => {
          const screenshot = await evidence.screenshot(page, `${phase}-${step.key}`).catch(() => null);
          const taken: RehearsedStep = {
            phase,
            key: step.key,
            line: step.line,
            what,
            outcome,
            control,
            screenshot,
          };
          steps.push(taken);
          if (outcome === 'found, not pressed') submit = taken;
        },
      },
    });
    const walk = async (name: string, body: () => Promise<void>) => {
      phase = name;
      await session.step(name, body);
    };
    try {
      await walk('login', () => session.login());
      await walk(`upload:${options.batch.certificateTypeId}`, () =>
        session.upload(options.batch, { submitting: () => undefined, acknowledged: () => undefined }, { rehearsal: true }),
      );
      await walk('history', () => session.rehearseHistory());
      await walk('logout', () => session.logout());
    } catch (caught) {
      error = asPmhBotError(caught);
    } finally {
      await context.close().catch(() => undefined);
    }
  } finally {
    await browser.close().catch(() => undefined);
  }
  return { steps, submit, error, evidenceDir: options.evidenceDir };
}
