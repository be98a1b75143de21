/**
 * A run settles what came before it. A terminal that reboots mid-run (a Windows update, a
 * power cut) leaves files PMH holds or may hold whose answer was never recorded, or answers
 * recorded but never applied to the snapshot. A differential computed on top of that would
 * send those records again. So before a run extracts anything, every such earlier delivery
 * is finished as a replay would finish it — results fetched, answers applied — and the
 * earlier run is recorded as finished (its own outcome), not left crashed. Where the
 * outcome cannot be known (a submission that may or may not have reached PMH and that
 * PMH's history does not show), the new run stops before extraction and names the one
 * command that settles it; it never guesses.
 */
import type { BotConfig } from '../../config/schema.ts';
import { asPmhBotError, pmhError, type PmhBotError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { ScreenProfile } from '../../flows/screen/profile.ts';
import { Ledger, type RunRow } from '../state/ledger.ts';
import { ledgerPath, snapshotPath } from '../state/paths.ts';
import { Snapshot } from '../state/snapshot.ts';
import { catchUp } from './catch-up.ts';
import { earlierFilesContext } from './context.ts';
import { finish } from './finish.ts';
import { ANSWERED, closeCrashedSteps, isCrashed, latestKnown, mayBeAtPmh, originOf, recordCrash } from './lineage.ts';
import { layoutOf, runLogger } from './settings.ts';

/** An earlier delivery to finish: the run that last worked on the files (head) and the run that wrote them (origin). */
export interface Unsettled {
  headId: string;
  originId: string;
  /** at-pmh: PMH holds or may hold a file whose answer is unrecorded; not-applied: answered, not in the snapshot. */
  reason: 'at-pmh' | 'not-applied';
}

export interface SettledRun {
  runId: string;
  reason: Unsettled['reason'];
  status: string;
  errorCode: string | null;
}

/** Answers that mean the delivery is over (PMH said what it thinks), though the operator has work to do. */
const ANSWERED_ERRORS = new Set(['RecordsRejected', 'UploadRefused']);

function newer(a: RunRow, b: RunRow): RunRow {
  return a.started_at > b.started_at || (a.started_at === b.started_at && a.id > b.id) ? a : b;
}

/** Every earlier delivery that is not settled, oldest first. A run still alive elsewhere is left alone. */
export function findUnsettled(ledger: Ledger, snapshot: Snapshot, currentRunId: string): Unsettled[] {
  const found = new Map<string, { head: RunRow; origin: RunRow; reason: Unsettled['reason'] }>();
  const note = (head: RunRow, origin: RunRow, reason: Unsettled['reason']): void => {
    const known = found.get(origin.id);
    found.set(origin.id, { head: known ? newer(known.head, head) : head, origin, reason: known?.reason === 'at-pmh' ? 'at-pmh' : reason });
  };
  const settleable = (run: RunRow | undefined): run is RunRow =>
    !!run && run.id !== currentRunId && run.status !== 'held' && (run.status !== 'running' || isCrashed(run));
  for (const runId of ledger.runsWithUploadStatus(['submitting', 'registered'])) {
    const run = ledger.run(runId);
    if (!settleable(run)) continue;
    const origin = originOf(ledger, run);
    if (!origin) continue;
    const open = ledger.uploads(runId).some((upload) => mayBeAtPmh(ledger, latestKnown(ledger, upload)));
    if (open) note(run, origin, 'at-pmh');
  }
  for (const { runId, type } of snapshot.pendingTypes()) {
    const origin = ledger.run(runId);
    if (!settleable(origin)) continue;
    const files = ledger.uploads(runId).filter((upload) => upload.certificateTypeId === type);
    if (files.length === 0) continue;
    const known = files.map((upload) => latestKnown(ledger, upload));
    if (!known.every((k) => ANSWERED.has(k.status) && k.status !== 'refused')) continue;
    // The run that recorded the last answer is the one whose story ends here.
    let head = origin;
    for (const k of known) {
      const recorder = k.runId ? ledger.run(k.runId) : undefined;
      if (recorder && settleable(recorder)) head = newer(head, recorder);
    }
    note(head, origin, 'not-applied');
  }
  return [...found.values()]
    .sort((a, b) => (a.origin.started_at < b.origin.started_at ? -1 : 1))
    .map(({ head, origin, reason }) => ({ headId: head.id, originId: origin.id, reason }));
}

/** Finishes one earlier delivery in the earlier run's own record; returns how it ended. */
async function settleOne(config: BotConfig, profile: ScreenProfile, item: Unsettled, byRunId: string): Promise<{ settled: SettledRun; error: PmhBotError | null }> {
  const ledger = new Ledger(ledgerPath(config));
  const snapshot = new Snapshot(snapshotPath(config));
  const head = ledger.run(item.headId)!;
  const origin = ledger.run(item.originId)!;
  if (isCrashed(head)) closeCrashedSteps(ledger, head);
  const log = runLogger(config, head.run_dir, { runId: head.id, settledBy: byRunId });
  const ctx = earlierFilesContext({ id: head.id, dir: head.run_dir, config, ledger, snapshot, log, layout: layoutOf(config), profile, carried: head, mode: origin.mode });
  ctx.snapshotRun = origin.id;
  ledger.resumeRun(head.id);
  ledger.noteStep(head.id, 'settle', { by: byRunId, origin: origin.id, reason: item.reason });
  log.warn({ by: byRunId, origin: origin.id, reason: item.reason }, 'finishing this run\'s delivery before a new run extracts');
  let error: PmhBotError | null = null;
  try {
    await catchUp(ctx, origin, ledger.uploads(head.id), {
      confirmResubmit: false,
      refuse: (detail) => {
        throw pmhError('EarlierRunUnsettled', { runId: head.id, detail, command: `pmh-bot show ${head.id}` });
      },
    });
  } catch (caught) {
    error = asPmhBotError(caught);
  }
  const summary = await finish(ctx, error);
  return { settled: { runId: head.id, reason: item.reason, status: summary.status, errorCode: error?.code ?? null }, error };
}

/**
 * Settles every earlier delivery, oldest first. PMH's refusals and rejections settle a run
 * (they are its answer); anything else stops the new run: an uncertain submission as a
 * business error naming the command, an outage as itself (a later run can succeed).
 */
export async function settleEarlierRuns(config: BotConfig, profile: ScreenProfile, byRunId: string, unsettled: readonly Unsettled[], log: Logger): Promise<SettledRun[]> {
  const settled: SettledRun[] = [];
  for (const item of unsettled) {
    const { settled: one, error } = await settleOne(config, profile, item, byRunId);
    settled.push(one);
    log.info({ run: one.runId, status: one.status, code: one.errorCode }, 'an earlier run\'s delivery was settled');
    if (!error || ANSWERED_ERRORS.has(error.code)) continue;
    // Already says which run and what to do (a file it would have to send is gone or changed).
    if (error.kind !== 'business' || error.code === 'EarlierRunUnsettled') throw error;
    const described = error.describeIn('ja');
    const command = error.code === 'ResubmitNeedsConfirmation' ? `pmh-bot replay ${one.runId} --confirm-resubmit` : `pmh-bot show ${one.runId}`;
    throw pmhError('EarlierRunUnsettled', { runId: one.runId, detail: described.message, command }, error);
  }
  return settled;
}

/**
 * Runs that stopped without recording their end and left nothing to settle (killed while
 * extracting or shaping, or in full mode) are recorded as crashed, so no run stays
 * "running" in the ledger for ever; `pmh-bot replay` can still resume them.
 */
export function closeCrashedRuns(ledger: Ledger, currentRunId: string): string[] {
  const closed: string[] = [];
  for (const run of ledger.runningRuns()) {
    if (run.id === currentRunId || !isCrashed(run)) continue;
    recordCrash(ledger, run);
    closed.push(run.id);
  }
  return closed;
}
