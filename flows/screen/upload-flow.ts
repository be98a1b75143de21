/**
 * Delivering files through the PMH municipal screen, unattended: log in, upload each
 * batch, confirm, wait until PMH has processed it, read the counts, keep the error list,
 * log out. The flow knows nothing of SQL or of the record layout: it moves files and
 * reads results.
 *
 * This is the one layer that retries. A system failure (network, 5xx, maintenance,
 * timeout, browser crash) ends the attempt; the next attempt starts from a fresh browser
 * context after an exponential backoff, and resumes where the last one stopped: an upload
 * PMH acknowledged is never uploaded again (its result is awaited), and an upload that
 * may have reached PMH (the failure came after the final click) is looked up in PMH's
 * history before anything is sent. Business and critical failures are never retried.
 */
import { basename } from 'node:path';
import type { Browser } from 'playwright-core';
import type { BrowserConfig } from '../../config/schema.ts';
import { pmhError, PmhBotError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { contextOptions, launchBrowser } from '../browser.ts';
import { withRetry, type CircuitBreaker, type RetryPolicy } from '../retry.ts';
import { AttemptTrace } from './attempt-trace.ts';
import type { Evidence } from './evidence.ts';
import type { ScreenProfile } from './profile.ts';
import {
  ScreenSession,
  type ScreenAccount,
  type ScreenTimings,
  type StepListener,
  type UploadBatch,
  type UploadOutcome,
} from './screen-session.ts';

export type { ScreenAccount, ScreenTimings, StepListener, UploadBatch, UploadOutcome } from './screen-session.ts';

export interface ScreenDeliveryOptions {
  runId: string;
  account: ScreenAccount;
  timings: ScreenTimings;
  browser: BrowserConfig;
  profile: ScreenProfile;
  batches: UploadBatch[];
  /** Uploads already acknowledged by PMH (a replay): batch index → PMH upload ID. Only their results are awaited. */
  known?: Map<number, string>;
  /**
   * Batches an earlier run may have submitted without reading PMH's acknowledgement (a
   * replay): batch index → what to do when PMH's history does not list them. 'upload'
   * sends them; 'stop' refuses (the operator must confirm a resubmission).
   */
  lookUpFirst?: Map<number, 'upload' | 'stop'>;
  retry: RetryPolicy;
  breaker?: CircuitBreaker;
  /** Keep the Playwright trace of a successful attempt too (a failed attempt's is always kept). */
  keepTrace: boolean;
  /** Where screenshots, HTML, traces and error lists go; the caller reads it even after a failure. */
  evidence: Evidence;
  log: Logger;
  steps: StepListener;
  /** Called just before the final click that registers a batch: from then on it may exist at PMH. */
  onSubmitting?: (batch: UploadBatch) => void;
  /** Called the moment PMH acknowledges a batch (or it is found in PMH's history), before its result is known. */
  onRegistered?: (batch: UploadBatch, uploadId: string) => void;
  /** Called with each batch's result as soon as it is read, before the next batch is uploaded. */
  onOutcome?: (batch: UploadBatch, outcome: UploadOutcome) => Promise<void> | void;
  /** Called before waiting to retry. */
  onRetry?: (attempt: number, error: PmhBotError, delayMs: number) => void;
}

interface BatchState {
  batch: UploadBatch;
  uploadId: string | null;
  /** The final click was made without an acknowledgement being read: look in the history first. */
  maybeRegistered: boolean;
  /** What to do when the history does not list a batch that may have been submitted. */
  ifNotInHistory: 'upload' | 'stop';
  /** Epoch ms after which waiting for the result stops; absolute across attempts. */
  deadline: number | null;
  outcome: UploadOutcome | null;
}

export async function runScreenUploads(options: ScreenDeliveryOptions): Promise<UploadOutcome[]> {
  const states: BatchState[] = options.batches.map((batch, i) => {
    const known = options.known?.get(i) ?? null;
    const lookUp = options.lookUpFirst?.get(i);
    return {
      batch,
      uploadId: known,
      maybeRegistered: lookUp !== undefined,
      ifNotInHistory: lookUp ?? 'upload',
      deadline: known ? Date.now() + options.timings.resultTimeoutMs : null,
      outcome: null,
    };
  });
  let browser: Browser | null = null;
  const loop = {
    policy: options.retry,
    breaker: options.breaker,
    log: options.log,
    what: 'delivery attempt',
    onRetry: options.onRetry,
    // The next attempt starts from a fresh browser context; a browser that died is started again.
    beforeWait: async () => {
      if (browser && !browser.isConnected()) {
        await browser.close().catch(() => undefined);
        browser = null;
      }
    },
  };
  // A control the profile names that is not there is retried once from a fresh context (a
  // slow render), then reported as the profile problem it is: never counted by the breaker.
  let freshAfterMissing = false;
  try {
    return await withRetry(loop, async (attempt) => {
      for (;;) {
        browser ??= await launchBrowser(options.browser, (message) =>
          options.log.warn({ attempt, detail: message }, 'dropped a browser event about an object already gone (the browser is closing)'),
        );
        try {
          await runAttempt(browser, attempt, states, options);
          return states.map((state) => state.outcome!);
        } catch (error) {
          if (!isProfileMismatch(error) || freshAfterMissing) throw error;
          freshAfterMissing = true;
          options.log.warn({ attempt, code: error.code }, 'the screen did not match the profile: trying once more from a fresh browser context');
        }
      }
    });
  } finally {
    await (browser as Browser | null)?.close().catch(() => undefined);
  }
}

/** A screen that does not match the profile (a control missing, a dialog not expected). */
function isProfileMismatch(error: unknown): error is PmhBotError {
  return error instanceof PmhBotError && (error.code === 'ScreenProfileMismatch' || error.code === 'ScreenChanged');
}

async function runAttempt(browser: Browser, attempt: number, states: BatchState[], options: ScreenDeliveryOptions): Promise<void> {
  const context = await browser.newContext(contextOptions(options.browser));
  context.setDefaultTimeout(options.timings.actionTimeoutMs);
  const trace = new AttemptTrace(context, options.evidence, attempt, options.log);
  await trace.resume();
  let succeeded = false;
  try {
    const page = await context.newPage();
    const session = new ScreenSession(page, { ...options, trace });
    await session.step('login', () => session.login());
    for (const state of states) {
      if (state.outcome) continue;
      const type = state.batch.certificateTypeId;
      if (!state.uploadId) await session.step(`upload:${type}`, () => uploadOnce(session, state, options));
      const uploadId = state.uploadId!;
      const deadline = state.deadline!;
      state.outcome = await session.step(`result:${type}`, () => session.awaitResult(state.batch, uploadId, deadline));
      await options.onOutcome?.(state.batch, state.outcome);
    }
    try {
      await session.step('logout', () => session.logout());
    } catch (error) {
      // Everything was delivered; a failed logout only leaves a session to expire.
      options.log.warn({ err: error }, 'logout failed after delivery');
    }
    succeeded = true;
  } finally {
    await trace.finish(succeeded, options.keepTrace);
    await context.close().catch(() => undefined);
  }
}

/**
 * Uploads a batch unless the history shows that an earlier, unacknowledged try reached PMH,
 * and records its upload ID the moment it is known.
 */
async function uploadOnce(session: ScreenSession, state: BatchState, options: ScreenDeliveryOptions): Promise<void> {
  const { log } = options;
  if (state.uploadId) return; // acknowledged before a login again within the step
  if (state.maybeRegistered) {
    const fileName = basename(state.batch.paths[0]!);
    const found = await session.findInHistory(fileName);
    if (found) {
      log.warn({ uploadId: found.uploadId, file: fileName }, 'the earlier try had reached PMH: not uploading again');
      registered(state, found.uploadId, options);
      return;
    }
    if (state.ifNotInHistory === 'stop') throw pmhError('ResubmitNeedsConfirmation', { fileName, runId: options.runId });
    log.info({ file: fileName }, 'not in PMH\'s history: the earlier try did not reach PMH');
  }
  await session.upload(state.batch, {
    submitting: () => {
      state.maybeRegistered = true;
      state.ifNotInHistory = 'upload';
      options.onSubmitting?.(state.batch);
    },
    // Recorded before the acknowledgement's screenshot: if that fails, the upload is still known.
    acknowledged: (uploadId) => registered(state, uploadId, options),
  });
}

function registered(state: BatchState, uploadId: string, options: ScreenDeliveryOptions): void {
  state.uploadId = uploadId;
  state.maybeRegistered = false;
  state.deadline = Date.now() + options.timings.resultTimeoutMs;
  options.log.info({ uploadId, certificateTypeId: state.batch.certificateTypeId, files: state.batch.paths.map((p) => basename(p)) }, 'PMH acknowledged the upload');
  options.onRegistered?.(state.batch, uploadId);
}
