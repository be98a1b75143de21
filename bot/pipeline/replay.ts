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
 *   `--confirm-resubmit`; never submitted → uploaded.
 * - The parent wrote no file (it stopped during extraction or shaping), or `--re-extract`:
 *   a whole new cycle, allowed only when nothing of the parent may be waiting at PMH.
 */
import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { BotConfig } from '../../config/schema.ts';
import { asPmhBotError, pmhError, type PmhBotError } from '../../core/errors.ts';
import type { ScreenProfile } from '../../flows/screen/profile.ts';
import { tokyoDate } from '../../core/clock.ts';
import { Ledger, type RunRow, type UploadEntry } from '../state/ledger.ts';
import { runCycle } from './run.ts';
import { type DeliveryResume } from '../../flows/delivery.ts';
import { finish } from './finish.ts';
import { deliverStep } from './deliver.ts';
import { layoutOf, runLogger, screenProfileOf } from './settings.ts';
import { RunContext, type RunSummary } from './context.ts';
import { ledgerPath, makeRunDir, newRunId, snapshotPath } from '../state/paths.ts';
import { processAlive } from '../state/process-alive.ts';
import { Snapshot } from '../state/snapshot.ts';

export interface ReplayOptions {
  config: BotConfig;
  runId: string;
  reExtract?: boolean;
  confirmResubmit?: boolean;
  profile?: ScreenProfile;
}

/** What a replay does with one file of its parent. */
export type FileAction = 'answered' | 'await-result' | 'look-up' | 'look-up-or-stop' | 'upload';

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
}

/** delivered / picked_up: a drop folder's file placed / taken by the batch tool (transport: folder). */
const PROGRESS: Record<string, number> = { pending: 0, submitting: 1, registered: 2, delivered: 2, done: 3, refused: 3, picked_up: 3 };

/** A run still marked running whose process is gone stopped without finishing. */
export function isCrashed(run: RunRow): boolean {
  return run.status === 'running' && run.host === hostname() && !processAlive(run.pid);
}

/** Streamed: an upload file can be hundreds of megabytes. */
async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The run that wrote the files a run delivers: itself if it shaped, else the run it replayed. */
function originOf(ledger: Ledger, run: RunRow): RunRow | null {
  for (let current: RunRow | undefined = run; current; current = current.parent_run_id ? ledger.run(current.parent_run_id) : undefined) {
    if (ledger.steps(current.id).some((s) => s.name === 'shape' && s.status === 'succeeded')) return current;
    if (!current.parent_run_id) return null;
  }
  return null;
}

/** The most advanced thing any run knows of this file at PMH (an earlier replay may know more than the parent). */
function latestKnown(ledger: Ledger, upload: UploadEntry): UploadEntry {
  let best = upload;
  for (const other of ledger.uploadsByHash(upload.sha256)) {
    if (other.fileName !== upload.fileName) continue;
    if ((PROGRESS[other.status] ?? 0) > (PROGRESS[best.status] ?? 0)) best = other;
  }
  return best;
}

export function planReplay(ledger: Ledger, options: Pick<ReplayOptions, 'runId' | 'reExtract' | 'confirmResubmit'>): ReplayPlan {
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
  const files = (origin ? ledger.uploads(parent.id) : []).map((own) => {
    const known = latestKnown(ledger, own);
    let action: FileAction;
    if (known.status === 'done' || known.status === 'refused' || known.status === 'picked_up') action = 'answered';
    else if (known.status === 'registered' && known.pmhUploadId) action = 'await-result';
    else if (known.status === 'submitting') action = options.confirmResubmit ? 'look-up' : 'look-up-or-stop';
    else action = 'upload';
    return { fileName: own.fileName, certificateTypeId: own.certificateTypeId, rows: own.rows, action, pmhUploadId: known.pmhUploadId, status: known.status };
  });
  if (options.reExtract || !origin) {
    const unsettled = files.filter((f) => f.action === 'await-result' || f.action === 'look-up' || f.action === 'look-up-or-stop');
    if (unsettled.length) {
      refuse(`PMH に届いている可能性のあるファイル（${unsettled.map((f) => f.fileName).join(', ')}）の結果が未確認です。先に --re-extract なしで再実行してください。`);
    }
    return { parent, originRunId: null, kind: 're-extract', reason: origin ? 'asked' : 'no-files', files, crashed };
  }
  return { parent, originRunId: origin.id, kind: 'deliver', reason: 'files', files, crashed };
}

/**
 * Marks a crashed run as failed, so the ledger tells what happened to it, and removes what
 * it left half done: the staging store (personal data) and, if it died while writing,
 * its incomplete upload files, which were never sent and never will be.
 */
function recordCrash(ledger: Ledger, run: RunRow): void {
  for (const name of ['staging.sqlite', 'staging.sqlite-wal', 'staging.sqlite-shm']) rmSync(join(run.run_dir, name), { force: true });
  if (!ledger.steps(run.id).some((s) => s.name === 'shape' && s.status === 'succeeded')) {
    rmSync(join(run.run_dir, 'upload'), { recursive: true, force: true });
  }
  const error = pmhError('RunCrashed', { runId: run.id, pid: run.pid, host: run.host });
  const described = error.describeIn('ja');
  for (const step of ledger.steps(run.id).filter((s) => s.status === 'running')) {
    ledger.endStep(run.id, step.name, 'failed', { errorCode: 'RunCrashed', errorMessage: described.message });
  }
  ledger.finishRun(run.id, 'failed', { code: error.code, kind: error.kind, message: described.message, hint: described.hint });
}

export async function replayRun(options: ReplayOptions): Promise<RunSummary> {
  const { config } = options;
  const ledger = new Ledger(ledgerPath(config));
  let plan: ReplayPlan;
  try {
    plan = planReplay(ledger, options);
    if (plan.crashed) recordCrash(ledger, plan.parent);
  } catch (error) {
    ledger.close();
    throw error;
  }
  if (plan.kind === 're-extract') {
    ledger.close();
    return runCycle({ config, trigger: 'replay', parentRunId: plan.parent.id, ...(options.profile ? { profile: options.profile } : {}) });
  }
  return deliverAgain(config, ledger, plan, options);
}

async function deliverAgain(config: BotConfig, ledger: Ledger, plan: ReplayPlan, options: ReplayOptions): Promise<RunSummary> {
  const parent = plan.parent;
  const origin = ledger.run(plan.originRunId!)!;
  const snapshot = new Snapshot(snapshotPath(config));
  const refuse = (detail: string): never => {
    snapshot.close();
    ledger.close();
    throw pmhError('RunNotReplayable', { runId: parent.id, status: parent.status, detail });
  };
  // Another run advanced PMH's state since these files were computed: sending them would undo it.
  if (snapshot.generation() !== origin.snapshot_generation && snapshot.lastAppliedRun() !== origin.id) {
    refuse('このファイルを作った後に別の実行が PMH への登録を進めたため、差分が古くなっています。--re-extract で作り直してください。');
  }
  const uploads = ledger.uploads(parent.id);
  for (const upload of uploads) {
    if (!upload.path || !existsSync(upload.path)) refuse(`ファイル ${upload.fileName} がありません（purge 済み?）。--re-extract で作り直してください。`);
    if ((await sha256Of(upload.path!)) !== upload.sha256) refuse(`ファイル ${upload.fileName} の内容が記録と一致しません。--re-extract で作り直してください。`);
  }

  const runId = newRunId();
  const runDir = makeRunDir(config, runId);
  const baseDate = parent.base_date ?? tokyoDate();
  const log = runLogger(config, runDir, { runId, parentRunId: parent.id });
  const mode = origin.mode ?? config.pmh.mode;
  const ctx = new RunContext(
    runId, runDir, baseDate, { ...config, pmh: { ...config.pmh, mode } }, ledger, snapshot, log, layoutOf(config),
    options.profile ?? screenProfileOf(config),
  );
  ctx.snapshotRun = origin.id;
  ledger.startRun(runId, 'replay', runDir, baseDate, { parentRunId: parent.id });
  ledger.setDifferential(runId, mode, origin.snapshot_generation ?? snapshot.generation());
  Object.assign(ctx.counts, { extracted: parent.extracted, quarantined: parent.quarantined, uploaded: parent.uploaded, deleted: parent.deleted });
  ledger.updateCounts(runId, ctx.counts);
  log.info({ parentRunId: parent.id, originRunId: origin.id, files: plan.files.map((f) => ({ file: f.fileName, action: f.action })) }, 'replay started');

  const programOf = new Map(config.programs.map((p) => [p.certificate_type_id, p.code]));
  const resume: DeliveryResume = { known: new Map(), lookUpFirst: new Map() };
  let alreadyAccepted = 0;
  let alreadyRejected = 0;
  let alreadyRefused: UploadEntry | null = null;
  let error: PmhBotError | null = null;
  try {
    ledger.startStep(runId, 'replay');
    for (const file of plan.files) {
      const upload = uploads.find((u) => u.fileName === file.fileName)!;
      const known = latestKnown(ledger, upload);
      ledger.recordUpload(runId, { ...upload, pmhUploadId: known.pmhUploadId, status: known.status, accepted: known.accepted, rejected: known.rejected });
      if (file.action === 'answered') {
        alreadyAccepted += known.accepted ?? 0;
        alreadyRejected += known.rejected ?? (known.status === 'refused' ? known.rows : 0);
        if (known.status === 'refused') alreadyRefused ??= known;
        continue;
      }
      if (file.action === 'await-result') resume.known.set(file.fileName, known.pmhUploadId!);
      if (file.action === 'look-up') resume.lookUpFirst.set(file.fileName, 'upload');
      if (file.action === 'look-up-or-stop') resume.lookUpFirst.set(file.fileName, 'stop');
      ctx.files.push({
        path: upload.path!, keysPath: upload.keysPath!, rows: upload.rows, sha256: upload.sha256, bytes: statSync(upload.path!).size,
        fileName: upload.fileName, certificateTypeId: upload.certificateTypeId, programCode: programOf.get(upload.certificateTypeId) ?? upload.certificateTypeId,
      });
    }
    ledger.endStep(runId, 'replay', 'succeeded', {
      detail: { parent: parent.id, origin: origin.id, files: plan.files.map((f) => ({ file: f.fileName, action: f.action, pmhUploadId: f.pmhUploadId })) },
    });
    try {
      if (ctx.files.length > 0) await deliverStep(ctx, resume);
    } finally {
      ctx.setCounts({ accepted: (ctx.counts.accepted ?? 0) + alreadyAccepted, rejected: (ctx.counts.rejected ?? 0) + alreadyRejected });
    }
    // What PMH answered before the replay still stands: a refused file or rejected rows need the operator.
    const refused = alreadyRefused as UploadEntry | null;
    if (refused) throw pmhError('UploadRefused', { uploadId: refused.pmhUploadId ?? '?', fileName: refused.fileName, detail: refused.status });
    if (alreadyRejected > 0) throw pmhError('RecordsRejected', { rejected: ctx.counts.rejected ?? alreadyRejected, accepted: ctx.counts.accepted ?? 0 });
  } catch (caught) {
    error = asPmhBotError(caught);
  }
  return await finish(ctx, error);
}
