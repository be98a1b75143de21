/**
 * Exit codes of `pmh-bot run`, for Windows Task Scheduler and systemd. Documented in the
 * README; never renumber them.
 */
import type { PmhBotError } from './errors.ts';

export const EXIT = {
  ok: 0,
  unexpected: 1,
  /** Bad data or PMH refused something: an operator must act; retrying does not help. */
  business: 2,
  /** Network, timeout, PMH down, browser crash: replaying later can succeed. */
  system: 3,
  /** Bad config, missing secret, another run in progress: fix the setup first. */
  critical: 4,
} as const;

export function exitCodeFor(error: PmhBotError | null): number {
  if (!error) return EXIT.ok;
  return EXIT[error.kind];
}
