/**
 * What a Playwright failure means for the run. Unknown failures on the screen are system
 * errors (retryable); a business error is only ever raised on purpose by the flow.
 */
import { errors as playwrightErrors } from 'playwright-core';
import { PmhBotError, pmhError } from '../../core/errors.ts';

export function classifyScreenFailure(error: unknown, step: string, url: string): PmhBotError {
  if (error instanceof PmhBotError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0] ?? message;
  if (/net::ERR_|ECONNREFUSED|ENOTFOUND|ERR_CONNECTION/i.test(message)) {
    return pmhError('PmhUnreachable', { url, detail: firstLine }, error);
  }
  if (error instanceof playwrightErrors.TimeoutError) {
    const element = /(getBy\w+\([^)]*\)|locator\([^)]*\))/.exec(message)?.[1] ?? '?';
    return pmhError('ScreenChanged', { step, element, detail: firstLine }, error);
  }
  if (/Target (page, context or browser )?(has been )?closed|Browser closed|crash/i.test(message)) {
    return pmhError('BrowserFailed', { step, detail: firstLine }, error);
  }
  return pmhError('BrowserFailed', { step, detail: firstLine }, error);
}
