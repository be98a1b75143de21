/**
 * `pmh-bot replay <run>`: a new run, linked to the failed (or crashed) one, that resumes
 * from the first step that did not succeed — without ever sending PMH the same data twice
 * and without losing any.
 *
 * - The parent wrote its files: they are delivered as they are (checked against their
 *   recorded SHA-256), nothing is extracted again. For each file, what is known decides:
 *   PMH answered → nothing to do; PMH acknowledged it → only its result is awaited; the
 *   final click may have been made without an acknowledgement → PMH's upload history is
 *   consulted, and if the file is not there the replay stops and asks for
 *   `--confirm-resubmit`; never submitted → uploaded. When a later run has advanced
 *   PMH's state since the files were computed, nothing is sent: PMH's answer for what it
 *   holds is still fetched and recorded (see catch-up.ts).
 * - The parent wrote no file (it stopped during extraction or shaping), or `--re-extract`:
 *   a whole new cycle, which like every run first settles what earlier runs left at PMH.
 */
import type { BotConfig } from '../../config/schema.ts';
import { asPmhBotError, pmhError, type PmhBotError } from '../../core/errors.ts';
import type { ScreenProfile } from '../../flows/screen/profile.ts';
import { Ledger, type RunRow } from '../state/ledger.ts';
import { ledgerPath, makeRunDir, newRunId, snapshotPath } from '../state/paths.ts';
import { Snapshot } from '../state/snapshot.ts';
import { catchUp, catchUpPlan } from './catch-up.ts';
import { earlierFilesContext, type RunSummary } from './context.ts';
import { finish } from './finish.ts';
import { isCrashed, originOf, recordCrash, type FileAction } from './lineage.ts';
import { runCycle } from './run.ts';
import { layoutOf, runLogger, screenProfileOf } from './settings.ts';

export type { FileAction } from './lineage.ts';

export interface ReplayOptions {
  config: BotConfig;
  runId: string;
  reExtract?: boolean;
  confirmResubmit?: boolean;
  profile?: ScreenProfile;
}

export interface ReplayPlan {
  parent: RunRow;
  /** The run whose files are delivered (the parent, or the run the parent itself replayed). */
  originRunId: string | null;
  kind: 'deliver' | 're-extract';
  /** Why the plan is what it is, in the operator's words. */
  reason: 'files' | 'no-files' | 'asked';
  files: { fileName: string; certificateTypeId: string; rows: number; action: FileAction; pmhUploadId: string | null; status: string }[];
  /** The parent was found still 'running' with no live process. */
  crashed: boolean;
  /** A later run advanced PMH's state since the files were computed: nothing of them is sent. */
  stale: boolean;
}

/** What `replay` will do, exactly as it will do it (`--dry-run` prints this). */
export function planReplay(ledger: Ledger, snapshot: Snapshot, options: Pick<ReplayOptions, 'runId' | 'reExtract' | 'confirmResubmit'>): ReplayPlan {
  const parent = ledger.run(options.runId);
  if (!parent) throw pmhError('RunNotFound', { runId: options.runId });
  const crashed = isCrashed(parent);
  const refuse = (detail: string): never => {
    throw pmhError('RunNotReplayable', { runId: parent.id, status: crashed ? 'crashed' : parent.status, detail });
  };
  if (parent.status === 'running' && !crashed) refuse('まだ実行中です（プロセスが動いています）。終わるのを待ってください。');
  if (parent.status === 'succeeded') refuse('成功した実行は再実行しません。');
  if (parent.status === 'held') refuse(`承認待ちの実行です。確認後に \`pmh-bot approve ${parent.id}\` を使ってください。`);

  const origin = originOf(ledger, parent);
  const plan = origin ? catchUpPlan({ ledger, snapshot }, origin, ledger.uploads(parent.id), !!options.confirmResubmit) : { stale: false, files: [] };
  const files = plan.files.map(({ upload, known, action }) => ({
    fileName: upload.fileName, certificateTypeId: upload.certificateTypeId, rows: upload.rows, action, pmhUploadId: known.pmhUploadId, status: known.status,
  }));
  // Nothing of the files is at PMH and a later run covered them: nothing to finish; fresh data is the way.
  if (!options.reExtract && plan.stale && files.every((f) => f.action === 'superseded' || f.action === 'answered') && files.some((f) => f.action === 'superseded')) {
    refuse('このファイルを作った後に別の実行が PMH への登録を進めたため、差分が古くなっています。--re-extract で作り直してください。');
  }
  if (options.reExtract || !origin) {
    return { parent, originRunId: null, kind: 're-extract', reason: origin ? 'asked' : 'no-files', files, crashed, stale: plan.stale };
  }
  return { parent, originRunId: origin.id, kind: 'deliver', reason: 'files', files, crashed, stale: plan.stale };
}

export async function replayRun(options: ReplayOptions): Promise<RunSummary> {
  const { config } = options;
  const ledger = new Ledger(ledgerPath(config));
  const snapshot = new Snapshot(snapshotPath(config));
  let plan: ReplayPlan;
  try {
    plan = planReplay(ledger, snapshot, options);
    if (plan.crashed) recordCrash(ledger, plan.parent);
  } catch (error) {
    snapshot.close();
    ledger.close();
    throw error;
  }
  if (plan.kind === 're-extract') {
    snapshot.close();
    ledger.close();
    return runCycle({ config, trigger: 'replay', parentRunId: plan.parent.id, ...(options.profile ? { profile: options.profile } : {}) });
  }
  return deliverAgain(config, ledger, snapshot, plan, options);
}

async function deliverAgain(config: BotConfig, ledger: Ledger, snapshot: Snapshot, plan: ReplayPlan, options: ReplayOptions): Promise<RunSummary> {
  const parent = plan.parent;
  const origin = ledger.run(plan.originRunId!)!;
  const runId = newRunId();
  const runDir = makeRunDir(config, runId);
  const log = runLogger(config, runDir, { runId, parentRunId: parent.id });
  const ctx = earlierFilesContext({
    id: runId, dir: runDir, config, ledger, snapshot, log, layout: layoutOf(config), profile: options.profile ?? screenProfileOf(config), carried: parent, mode: origin.mode,
  });
  ctx.snapshotRun = origin.id;
  ledger.startRun(runId, 'replay', runDir, ctx.baseDate, { parentRunId: parent.id });
  ledger.setDifferential(runId, ctx.mode, origin.snapshot_generation ?? snapshot.generation());
  ledger.updateCounts(runId, ctx.counts);
  log.info({ parentRunId: parent.id, originRunId: origin.id, stale: plan.stale, files: plan.files.map((f) => ({ file: f.fileName, action: f.action })) }, 'replay started');

  let error: PmhBotError | null = null;
  try {
    ledger.noteStep(runId, 'replay', {
      parent: parent.id, origin: origin.id, stale: plan.stale, files: plan.files.map((f) => ({ file: f.fileName, action: f.action, pmhUploadId: f.pmhUploadId })),
    });
    await catchUp(ctx, origin, ledger.uploads(parent.id), {
      confirmResubmit: !!options.confirmResubmit,
      refuse: (detail) => {
        throw pmhError('RunNotReplayable', { runId: parent.id, status: parent.status, detail: `${detail}--re-extract で作り直してください。` });
      },
    });
  } catch (caught) {
    error = asPmhBotError(caught);
  }
  return await finish(ctx, error);
}
