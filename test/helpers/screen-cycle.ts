/**
 * What the screen-flow tests share: a one-program config with fast retries, the
 * simulator's faults and counters, and the assertions an operator's view of a run needs.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BotConfig } from '../../config/schema.ts';
import { Ledger } from '../../bot/state/ledger.ts';
import type { RunSummary } from '../../bot/pipeline/context.ts';
import { simJson, type DemoEnv } from './demo-env.ts';
import { zipEntries } from './zip-entries.ts';

export interface SimStats {
  logins: number;
  failedLogins: number;
  otpFailures: number;
  uploadPosts: number;
  registrations: number;
}

export interface SimUpload {
  id: string;
  fileName: string;
  files?: { fileName: string }[];
  status: string;
  accepted: number | null;
  rejected: number | null;
}

export const FAST_RETRY = { max_attempts: 3, initial_delay_seconds: 0.2, max_delay_seconds: 1, multiplier: 2 };

export async function setFaults(env: DemoEnv, faults: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${env.simulator.url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  assert.equal(response.status, 200, await response.text());
}

export const stats = (env: DemoEnv) => simJson<SimStats>(env.simulator, '/__sim/stats');
export const uploads = (env: DemoEnv) => simJson<SimUpload[]>(env.simulator, '/__sim/uploads');

/** One program (a few hundred records), fast retries, short action timeouts. */
export function configOf(env: DemoEnv, pmh: Partial<BotConfig['pmh']> = {}, rest: Partial<BotConfig> = {}): BotConfig {
  return {
    ...env.config,
    programs: env.config.programs.slice(0, 1),
    validation: { max_invalid_ratio: 0.5 },
    pmh: {
      ...env.config.pmh,
      retry: FAST_RETRY,
      circuit_breaker: { failure_threshold: 50, cooldown_minutes: 30 },
      action_timeout_seconds: 5,
      ...pmh,
    } as BotConfig['pmh'],
    ...rest,
  };
}

export function evidenceOf(summary: RunSummary): string[] {
  const dir = join(summary.runDir, 'evidence');
  return existsSync(dir) ? readdirSync(dir) : [];
}

export function stepsOf(summary: RunSummary): { name: string; status: string; error_code: string | null }[] {
  const ledger = new Ledger(summary.ledgerPath);
  try {
    return ledger.steps(summary.runId);
  } finally {
    ledger.close();
  }
}

export function expectedRows(env: DemoEnv): number {
  return env.data.expectedUploads[env.config.programs[0]!.code]!;
}

export function assertSucceeded(summary: RunSummary, env: DemoEnv): void {
  assert.equal(summary.error?.code ?? null, null, summary.error?.describeIn('ja').message);
  assert.equal(summary.status, 'succeeded');
  assert.equal(summary.counts.accepted, expectedRows(env));
}

export function assertFailed(summary: RunSummary, code: string, kind: 'business' | 'system' | 'critical'): void {
  assert.equal(summary.status, 'failed');
  assert.equal(summary.error?.code, code, summary.error?.message);
  assert.equal(summary.error?.kind, kind);
  const ja = summary.error!.describeIn('ja');
  assert.match(ja.message + ja.hint, /[ぁ-んァ-ン一-龥]/, 'the operator reads Japanese');
}

/** Everything a Playwright trace file holds, as one text. */
export function traceText(path: string): string {
  return [...zipEntries(path).values()].map((data) => data.toString('utf8')).join('\n');
}

export function retryWaits(summary: RunSummary): number {
  return stepsOf(summary).filter((s) => s.name === 'screen:retry-wait').length;
}
