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
import { errorCatalog, type ErrorCode, type ErrorParamsOf } from './error-catalog.ts';
import { fillAny, lang, type Bilingual, type FillValue } from './i18n.ts';

export type ErrorKind = 'business' | 'system' | 'critical';

/** The values an error was raised with, as read back (reports, tests, the ledger). */
export type ErrorParams = Readonly<Record<string, FillValue>>;

/**
 * A code with the values its texts need, as one tuple per code so that the pair is
 * checked together: `new BusinessError('RunNotFound', { runId })`.
 */
export type ErrorArguments<Code extends ErrorCode = ErrorCode> = {
  [C in Code]: [code: C, params: ErrorParamsOf<C>, options?: { cause?: unknown }];
}[Code];

export abstract class PmhBotError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: ErrorCode;
  readonly params: ErrorParams;

  constructor(...[code, params, options]: ErrorArguments) {
    super(fillAny(errorCatalog[code].message.en, params), options);
    this.code = code;
    this.params = params;
    this.name = code;
  }

  /** Title, message and hint in the current language, for an operator. */
  describe(): { title: string; message: string; hint: string } {
    return this.describeIn(lang());
  }

  /** The same in a fixed language (the ledger stores Japanese, the operator's language). */
  describeIn(language: keyof Bilingual): { title: string; message: string; hint: string } {
    // The params were checked against this code's texts when the error was made.
    const entry = errorCatalog[this.code];
    return {
      title: fillAny(entry.title[language], this.params),
      message: fillAny(entry.message[language], this.params),
      hint: fillAny(entry.hint[language], this.params),
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

/**
 * Creates the error of the class the catalog assigns to the code. `params` must hold
 * exactly the `{name}` placeholders of the code's title, message and hint (in either
 * language): a missing or misspelt one does not compile.
 */
export function pmhError<Code extends ErrorCode>(code: Code, params: NoInfer<ErrorParamsOf<Code>>, cause?: unknown): PmhBotError {
  const options = cause === undefined ? undefined : { cause };
  // The pair was checked against Code in this signature; TypeScript cannot see that a
  // generic pair is one member of the union, hence the assertion.
  const args = [code, params, options] as ErrorArguments;
  switch (errorCatalog[code].kind) {
    case 'business':
      return new BusinessError(...args);
    case 'system':
      return new SystemError(...args);
    case 'critical':
      return new CriticalError(...args);
  }
}

/** Any thrown value as a PmhBotError; unknown failures count as system errors. */
export function asPmhBotError(error: unknown): PmhBotError {
  if (error instanceof PmhBotError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return pmhError('UnexpectedFailure', { detail }, error);
}
