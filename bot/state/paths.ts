/** Where a run's state lives under the data directory: the ledger, the snapshot, each run's folder. */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BotConfig } from '../../config/schema.ts';
import { tokyoStamp } from '../../core/clock.ts';
import { restrictDir } from './permissions.ts';

/** Run folders hold personal data: only the bot's account may read them (a no-op on Windows, where ACLs are set at install). */
export function makeRunDir(config: BotConfig, runId: string): string {
  const runDir = join(config.data_dir, 'runs', runId);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  restrictDir(config.data_dir);
  restrictDir(join(config.data_dir, 'runs'));
  restrictDir(runDir);
  return runDir;
}

export function ledgerPath(config: BotConfig): string {
  return join(config.data_dir, 'ledger.sqlite');
}

export function snapshotPath(config: BotConfig): string {
  return join(config.data_dir, 'snapshot.sqlite');
}

export function newRunId(): string {
  return `${tokyoStamp()}-${randomBytes(2).toString('hex')}`;
}
