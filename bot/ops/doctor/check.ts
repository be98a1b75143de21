/**
 * One doctor check: what it is called, how long it may take, and what it found. A check
 * never throws past `runCheck`: whatever goes wrong becomes its own failed line, so one
 * failing check never hides the others.
 */
import { asPmhBotError, pmhError, type PmhBotError } from '../../../core/errors.ts';
import { t, type Bilingual } from '../../../core/i18n.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  id: string;
  label: Bilingual;
  status: CheckStatus;
  /** Set when the check failed: the catalog error with its message and hint. */
  error?: PmhBotError;
  /** What was found, for the operator (in the current language). */
  detail?: string;
}

export interface CheckOutcome {
  status: CheckStatus;
  detail?: string;
  error?: PmhBotError;
}

export interface CheckSpec {
  id: string;
  label: Bilingual;
  /** The check's own deadline; its target's timeouts (connect, action) fit inside it. */
  seconds: number;
  run(): Promise<CheckOutcome>;
}

/** Runs one check within its deadline; a throw or a timeout is the check's failure. */
export async function runCheck(spec: CheckSpec): Promise<DoctorCheck> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(pmhError('DoctorCheckTimeout', { check: t(spec.label), seconds: spec.seconds })), spec.seconds * 1000);
  });
  try {
    const outcome = await Promise.race([spec.run(), deadline]);
    return { id: spec.id, label: spec.label, ...outcome };
  } catch (error) {
    return { id: spec.id, label: spec.label, status: 'fail', error: asPmhBotError(error) };
  } finally {
    clearTimeout(timer);
  }
}
