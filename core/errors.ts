/**
 * The error taxonomy. An error's *class* decides what happens next:
 * - BusinessError: the data or PMH's answer is wrong (bad record, rejected file, bad
 *   credentials). Never retried; the operator must act.
 * - SystemError: the world failed (network, timeout, 5xx, browser crash). Retried with
 *   backoff by the one layer that owns retries.
 * - CriticalError: the run cannot go on safely (bad config, missing secret, lost lock).
 *   Stops the run at once.
 * Every error carries a permanent code from the catalog, a message with the values
 * involved, and a hint telling the operator what to do (see core/error-catalog.ts).
 */
import { errorCatalog, type ErrorCode } from './error-catalog.ts';
import { t, fill, type Bilingual } from './i18n.ts';

export type ErrorKind = 'business' | 'system' | 'critical';

export type ErrorParams = Record<string, string | number>;

export abstract class PmhBotError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: ErrorCode;
  readonly params: ErrorParams;

  constructor(code: ErrorCode, params: ErrorParams = {}, options?: { cause?: unknown }) {
    super(fill(errorCatalog[code].message.en, params), options);
    this.code = code;
    this.params = params;
    this.name = code;
  }

  /** Title, message and hint in the current language, for an operator. */
  describe(): { title: string; message: string; hint: string } {
    const entry = errorCatalog[this.code];
    return {
      title: t(entry.title, this.params),
      message: t(entry.message, this.params),
      hint: t(entry.hint, this.params),
    };
  }

  /** The same in a fixed language (the ledger stores Japanese, the operator's language). */
  describeIn(language: keyof Bilingual): { title: string; message: string; hint: string } {
    const entry = errorCatalog[this.code];
    return {
      title: fill(entry.title[language], this.params),
      message: fill(entry.message[language], this.params),
      hint: fill(entry.hint[language], this.params),
    };
  }
}

export class BusinessError extends PmhBotError {
  readonly kind = 'business' as const;
}

export class SystemError extends PmhBotError {
  readonly kind = 'system' as const;
}

export class CriticalError extends PmhBotError {
  readonly kind = 'critical' as const;
}

/** Creates the error of the class the catalog assigns to the code. */
export function pmhError(code: ErrorCode, params: ErrorParams = {}, cause?: unknown): PmhBotError {
  const options = cause === undefined ? undefined : { cause };
  switch (errorCatalog[code].kind) {
    case 'business':
      return new BusinessError(code, params, options);
    case 'system':
      return new SystemError(code, params, options);
    case 'critical':
      return new CriticalError(code, params, options);
  }
}

/** Any thrown value as a PmhBotError; unknown failures count as system errors. */
export function asPmhBotError(error: unknown): PmhBotError {
  if (error instanceof PmhBotError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return pmhError('UnexpectedFailure', { detail }, error);
}
