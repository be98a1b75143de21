/** `pmh-bot approve <run>`: delivering what a held run wrote, once an operator has looked. */
import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { BotConfig } from '../../config/schema.ts';
import { asPmhBotError, pmhError, type PmhBotError } from '../../core/errors.ts';
import type { ScreenProfile } from '../../flows/screen/profile.ts';
import { Ledger } from '../state/ledger.ts';
import { ledgerPath, snapshotPath } from '../state/paths.ts';
import { Snapshot } from '../state/snapshot.ts';
import { earlierFilesContext, programFileOf, type RunSummary } from './context.ts';
import { deliverStep } from './deliver.ts';
import { finish } from './finish.ts';
import { layoutOf, runLogger, screenProfileOf } from './settings.ts';

/**
 * `pmh-bot approve <run>`: an operator has checked a run the mass-change guard held, and
 * lets it go on. The files it wrote are delivered as they are; nothing is extracted again.
 * A run computed against an older snapshot is refused: it would undo what came after it.
 */
export async function approveRun(config: BotConfig, runId: string, profile?: ScreenProfile): Promise<RunSummary> {
  const ledger = new Ledger(ledgerPath(config));
  const run = ledger.run(runId);
  if (!run) {
    ledger.close();
    throw pmhError('RunNotFound', { runId });
  }
  const snapshot = new Snapshot(snapshotPath(config));
  const refuse = (detail: string): never => {
    snapshot.close();
    ledger.close();
    throw pmhError('RunNotApprovable', { runId, status: run.status, detail });
  };
  if (run.status !== 'held') refuse('');
  if (run.snapshot_generation !== snapshot.generation()) {
    refuse('この実行の後に PMH への登録が進んだため、差分が古くなっています。');
  }
  const log = runLogger(config, run.run_dir, { runId });
  const ctx = earlierFilesContext({
    id: runId, dir: run.run_dir, config, ledger, snapshot, log, layout: layoutOf(config), profile: profile ?? screenProfileOf(config), carried: run, mode: run.mode,
  });
  ctx.files = ledger.uploads(runId).map((u) => programFileOf(config, u, statSync(u.path!).size));
  ledger.resumeRun(runId);
  ledger.noteStep(runId, 'approve', { by: userInfo().username, at: new Date().toISOString() });
  log.info({ by: userInfo().username }, 'run approved by an operator');
  let error: PmhBotError | null = null;
  try {
    await deliverStep(ctx);
  } catch (caught) {
    error = asPmhBotError(caught);
  }
  return await finish(ctx, error);
}
