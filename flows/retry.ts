/**
 * The one layer that retries: system failures of a delivery channel are retried with
 * exponential backoff up to a cap, and a circuit breaker stops calling PMH after too many
 * consecutive failures (across runs: its state is kept by the caller, in the ledger).
 * Business and critical errors are never retried.
 */
import type { BotConfig } from '../config/schema.ts';
import { asPmhBotError, pmhError, type PmhBotError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';

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

/** The retry policy `pmh.retry` sets, for every channel. */
export function retryPolicyOf(pmh: BotConfig['pmh']): RetryPolicy {
  return {
    maxAttempts: pmh.retry.max_attempts,
    initialDelayMs: pmh.retry.initial_delay_seconds * 1000,
    maxDelayMs: pmh.retry.max_delay_seconds * 1000,
    multiplier: pmh.retry.multiplier,
  };
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

/** The breaker `pmh.circuit_breaker` sets, over the given store: one PMH, one breaker, whatever the channel. */
export function circuitBreakerOf(pmh: BotConfig['pmh'], store: BreakerStore): CircuitBreaker {
  const settings = pmh.circuit_breaker;
  return new CircuitBreaker(store, { failureThreshold: settings.failure_threshold, cooldownMs: settings.cooldown_minutes * 60_000 });
}

/** A failure that says how long PMH asked us to wait (HTTP Retry-After). */
export type PacedFailure = PmhBotError & { retryAfterMs?: number | null };

export interface RetryLoop {
  policy: RetryPolicy;
  breaker?: CircuitBreaker;
  log: Logger;
  /** Names the operation in the log ("delivery attempt", "API request"). */
  what: string;
  /** After a failed attempt that will be retried, before the wait: drop what the failure broke. */
  beforeWait?: (failure: PmhBotError) => Promise<void>;
  /** Called before waiting to retry. */
  onRetry?: (attempt: number, error: PmhBotError, delayMs: number) => void;
}

/**
 * Runs `attempt` until it succeeds, a failure is not retryable, the attempts run out or the
 * breaker opens. The wait grows exponentially, never shorter than PMH's Retry-After and
 * never longer than the policy's longest wait.
 */
export async function withRetry<T>(loop: RetryLoop, attempt: (number: number) => Promise<T>): Promise<T> {
  for (let number = 1; ; number += 1) {
    loop.breaker?.assertClosed();
    try {
      const result = await attempt(number);
      loop.breaker?.recordSuccess();
      return result;
    } catch (error) {
      const failure: PacedFailure = asPmhBotError(error);
      if (!isRetryable(failure)) throw failure;
      const breaker = loop.breaker?.recordFailure();
      if (number >= loop.policy.maxAttempts || breaker?.openedAt) {
        loop.log.error({ attempt: number, code: failure.code, breakerOpen: !!breaker?.openedAt }, `${loop.what} failed: no more attempts`);
        throw failure;
      }
      await loop.beforeWait?.(failure);
      const asked = failure.retryAfterMs ?? 0;
      const delayMs = Math.min(loop.policy.maxDelayMs, Math.max(backoffDelay(loop.policy, number), asked));
      loop.log.warn({ attempt: number, code: failure.code, delayMs, retryAfterMs: failure.retryAfterMs ?? null }, `${loop.what} failed: retrying`);
      loop.onRetry?.(number, failure, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** A breaker store kept in memory: for a single process (tests, the demo). */
export function memoryBreakerStore(): BreakerStore {
  let state: BreakerState = { consecutiveFailures: 0, openedAt: null };
  return { load: () => ({ ...state }), save: (next) => (state = { ...next }) };
}
