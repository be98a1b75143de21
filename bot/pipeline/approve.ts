/** `pmh-bot approve <run>`: delivering what a held run wrote, once an operator has looked. */
import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { BotConfig } from '../../config/schema.ts';
import { tokyoDate } from '../../core/clock.ts';
import { asPmhBotError, pmhError, type PmhBotError } from '../../core/errors.ts';
import type { ScreenProfile } from '../../flows/screen/profile.ts';
import { Ledger } from '../state/ledger.ts';
import { ledgerPath, snapshotPath } from '../state/paths.ts';
import { Snapshot } from '../state/snapshot.ts';
import { RunContext, type RunSummary } from './context.ts';
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
  const ctx = new RunContext(
    runId, run.run_dir, run.base_date ?? tokyoDate(), { ...config, pmh: { ...config.pmh, mode: run.mode ?? config.pmh.mode } },
    ledger, snapshot, log, layoutOf(config), profile ?? screenProfileOf(config),
  );
  Object.assign(ctx.counts, { extracted: run.extracted, quarantined: run.quarantined, uploaded: run.uploaded, deleted: run.deleted });
  const programOf = new Map(config.programs.map((p) => [p.certificate_type_id, p.code]));
  ctx.files = ledger.uploads(runId).map((u) => ({
    path: u.path!, keysPath: u.keysPath!, rows: u.rows, sha256: u.sha256, bytes: statSync(u.path!).size,
    fileName: u.fileName, certificateTypeId: u.certificateTypeId, programCode: programOf.get(u.certificateTypeId) ?? u.certificateTypeId,
  }));
  ledger.resumeRun(runId);
  ledger.startStep(runId, 'approve');
  ledger.endStep(runId, 'approve', 'succeeded', { detail: { by: userInfo().username, at: new Date().toISOString() } });
  log.info({ by: userInfo().username }, 'run approved by an operator');
  let error: PmhBotError | null = null;
  try {
    await deliverStep(ctx);
  } catch (caught) {
    error = asPmhBotError(caught);
  }
  return await finish(ctx, error);
}
