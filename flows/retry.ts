/**
 * The one layer that retries: system failures of a delivery channel are retried with
 * exponential backoff up to a cap, and a circuit breaker stops calling PMH after too many
 * consecutive failures (across runs: its state is kept by the caller, in the ledger).
 * Business and critical errors are never retried.
 */
import { pmhError, type PmhBotError } from '../core/errors.ts';

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
}

/**
 * The wait after failed attempt `attempt` (1-based): exponential, capped, with "equal
 * jitter" (half fixed, half random) so that terminals of many municipalities restarting
 * after the same outage do not all come back at the same second.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** Whether another attempt could help. ResultTimeout is final: its deadline is absolute. */
export function isRetryable(error: PmhBotError): boolean {
  return error.kind === 'system' && error.code !== 'ResultTimeout' && error.code !== 'PmhCircuitOpen';
}

const JST = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'short', timeStyle: 'medium' });

export interface BreakerState {
  consecutiveFailures: number;
  /** ISO time the breaker opened; null while closed. */
  openedAt: string | null;
}

export interface BreakerStore {
  load(): BreakerState;
  save(state: BreakerState): void;
}

export interface BreakerSettings {
  /** Consecutive failed attempts that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker refuses calls before letting one attempt through. */
  cooldownMs: number;
}

/**
 * Closed → (threshold consecutive failures) → open → (cool-down over) → one trial attempt:
 * success closes it, failure opens it again for another cool-down.
 */
export class CircuitBreaker {
  constructor(
    private readonly store: BreakerStore,
    private readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws PmhCircuitOpen while the breaker is open and cooling down. */
  assertClosed(): void {
    const state = this.store.load();
    if (!state.openedAt) return;
    const until = Date.parse(state.openedAt) + this.settings.cooldownMs;
    if (this.now() < until) {
      throw pmhError('PmhCircuitOpen', { failures: state.consecutiveFailures, until: JST.format(new Date(until)) });
    }
  }

  recordSuccess(): void {
    this.store.save({ consecutiveFailures: 0, openedAt: null });
  }

  recordFailure(): BreakerState {
    const state = this.store.load();
    const failures = state.consecutiveFailures + 1;
    const trialFailed = state.openedAt !== null;
    const next: BreakerState = {
      consecutiveFailures: failures,
      openedAt: trialFailed || failures >= this.settings.failureThreshold ? new Date(this.now()).toISOString() : null,
    };
    this.store.save(next);
    return next;
  }
}

/** A breaker store kept in memory: for a single process (tests, the demo). */
export function memoryBreakerStore(): BreakerStore {
  let state: BreakerState = { consecutiveFailures: 0, openedAt: null };
  return { load: () => ({ ...state }), save: (next) => (state = { ...next }) };
}
