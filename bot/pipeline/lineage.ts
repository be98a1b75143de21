/**
 * What the ledger knows of an earlier run's files: the run that wrote them (its origin),
 * the most advanced thing any run learnt of each file at PMH, and so what finishing their
 * delivery means — for a replay, and for a new run that settles what came before it.
 */
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pmhError, type PmhBotError } from '../../core/errors.ts';
import type { Ledger, RunRow, UploadEntry } from '../state/ledger.ts';
import { processAlive } from '../state/process-alive.ts';
import type { Snapshot } from '../state/snapshot.ts';
import type { PriorAnswers } from './context.ts';

/**
 * What finishing a file's delivery takes:
 * - answered: PMH answered (done, refused, taken from the drop folder): nothing to send;
 * - await-result: PMH acknowledged it (受付番号): only its result is awaited;
 * - look-up / look-up-or-stop: the final click may have been made unacknowledged: PMH's
 *   history decides (absent: resend with --confirm-resubmit, else stop and ask);
 * - upload: never submitted;
 * - superseded: not sent, and never will be: a later run advanced PMH's state and sent
 *   these records again from fresh data.
 */
export type FileAction = 'answered' | 'await-result' | 'look-up' | 'look-up-or-stop' | 'upload' | 'superseded';

/** delivered / picked_up: a drop folder's file placed / taken by the batch tool (transport: folder). */
const PROGRESS: Record<string, number> = { pending: 0, superseded: 0, submitting: 1, registered: 2, delivered: 2, done: 3, refused: 3, picked_up: 3 };

export const ANSWERED = new Set(['done', 'refused', 'picked_up']);

/** A run still marked running whose process is gone stopped without finishing. */
export function isCrashed(run: RunRow): boolean {
  return run.status === 'running' && run.host === hostname() && !processAlive(run.pid);
}

/** The run that wrote the files a run delivers: itself if it shaped, else the run it replayed. */
export function originOf(ledger: Ledger, run: RunRow): RunRow | null {
  for (let current: RunRow | undefined = run; current; current = current.parent_run_id ? ledger.run(current.parent_run_id) : undefined) {
    if (ledger.steps(current.id).some((s) => s.name === 'shape' && s.status === 'succeeded')) return current;
    if (!current.parent_run_id) return null;
  }
  return null;
}

/** The most advanced thing any run knows of this file at PMH (an earlier replay may know more than the parent). */
export function latestKnown(ledger: Ledger, upload: UploadEntry): UploadEntry & { runId?: string } {
  let best: UploadEntry & { runId?: string } = upload;
  for (const other of ledger.uploadsByHash(upload.sha256)) {
    if (other.fileName !== upload.fileName) continue;
    if ((PROGRESS[other.status] ?? 0) > (PROGRESS[best.status] ?? 0)) best = other;
  }
  return best;
}

/**
 * Whether PMH holds, or may hold, a file whose answer is not recorded. Through the API a
 * file is "submitting" from its first request on: PMH may hold it only if a request was
 * answered (done) or left unanswered (sending); requests PMH refused registered nothing.
 * On the screen "submitting" means the final click may have been made.
 */
export function mayBeAtPmh(ledger: Ledger, known: UploadEntry): boolean {
  if (known.status === 'registered') return true;
  if (known.status !== 'submitting') return false;
  const chunks = ledger.apiChunksOfFile(known.sha256, known.fileName);
  return chunks.length === 0 || chunks.some((chunk) => chunk.status === 'done' || chunk.status === 'sending');
}

/** Another run advanced PMH's state after these files were computed: they must not be sent, nor applied. */
export function isStale(snapshot: Snapshot, origin: RunRow): boolean {
  return snapshot.generation() !== origin.snapshot_generation && snapshot.lastAppliedRun() !== origin.id;
}

export function fileActionOf(known: UploadEntry, options: { stale: boolean; confirmResubmit: boolean }): FileAction {
  if (ANSWERED.has(known.status)) return 'answered';
  if (known.status === 'registered' && known.pmhUploadId) return 'await-result';
  // Stale: a later run sent these records again from fresh data. If this submission reached
  // PMH too, it did so before that run's: PMH holds the later data either way.
  if (options.stale) return 'superseded';
  if (known.status === 'submitting') return options.confirmResubmit ? 'look-up' : 'look-up-or-stop';
  return 'upload';
}

/** What PMH already answered of the given files: refused types and rejected history keys, per type. */
export function priorAnswersOf(ledger: Ledger, answered: readonly UploadEntry[], prior: PriorAnswers): void {
  for (const known of answered) {
    const type = known.certificateTypeId;
    if (known.status === 'refused') prior.refusedTypes.add(type);
    const keys = prior.rejectedKeys.get(type) ?? new Set<string>();
    if (known.pmhUploadId) for (const key of ledger.rejectedKeysOfUpload(known.pmhUploadId)) keys.add(key);
    for (const chunk of ledger.apiChunksOfFile(known.sha256, known.fileName)) {
      if (chunk.status === 'done') for (const key of chunk.rejectedKeys) keys.add(key);
    }
    prior.rejectedKeys.set(type, keys);
  }
}

/**
 * Marks a crashed run as failed, so the ledger tells what happened to it, and removes what
 * it left half done: the staging store (personal data) and, if it died while writing,
 * its incomplete upload files, which were never sent and never will be.
 */
export function recordCrash(ledger: Ledger, run: RunRow): void {
  for (const name of ['staging.sqlite', 'staging.sqlite-wal', 'staging.sqlite-shm']) rmSync(join(run.run_dir, name), { force: true });
  if (!ledger.steps(run.id).some((s) => s.name === 'shape' && s.status === 'succeeded')) {
    rmSync(join(run.run_dir, 'upload'), { recursive: true, force: true });
  }
  const error = closeCrashedSteps(ledger, run);
  const described = error.describeIn('ja');
  ledger.finishRun(run.id, 'failed', { code: error.code, kind: error.kind, message: described.message, hint: described.hint });
}

/** Marks the steps a crashed run left running as failed; returns the crash, for the run's own record. */
export function closeCrashedSteps(ledger: Ledger, run: RunRow): PmhBotError {
  const error = pmhError('RunCrashed', { runId: run.id, pid: run.pid, host: run.host });
  const message = error.describeIn('ja').message;
  for (const step of ledger.steps(run.id).filter((s) => s.status === 'running')) {
    ledger.endStep(run.id, step.name, 'failed', { errorCode: 'RunCrashed', errorMessage: message });
  }
  return error;
}
