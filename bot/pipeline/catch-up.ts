/**
 * Finishing the delivery of files an earlier run wrote, from what the ledger knows of each
 * at PMH: answered files are only counted, acknowledged ones have their result awaited,
 * uncertain ones are looked up in PMH's history, unsent ones are sent — unless a later run
 * advanced PMH's state since they were computed: then nothing is sent, what PMH holds is
 * still read back, and the files' records are dropped from the snapshot's pending list
 * (the later run sent them again from fresh data). Types PMH answered entirely before,
 * whose records a crash kept from the snapshot, are applied now.
 * Used by `pmh-bot replay` and by a new run that settles what came before it.
 */
import { existsSync, statSync } from 'node:fs';
import { pmhError } from '../../core/errors.ts';
import { fileSha256 } from '../../core/file-hash.ts';
import type { DeliveryResume } from '../../flows/delivery.ts';
import type { RunRow, UploadEntry } from '../state/ledger.ts';
import { programFileOf, type RunContext } from './context.ts';
import { deliverStep } from './deliver.ts';
import { fileActionOf, isStale, latestKnown, priorAnswersOf } from './lineage.ts';

export interface CatchUpOptions {
  confirmResubmit: boolean;
  /** Called when a file that must be sent is missing or changed: the caller decides how to refuse. */
  refuse: (detail: string) => never;
}

/** What catching up will do with each of the origin's files, without doing it (also `replay --dry-run`). */
export function catchUpPlan(ctx: Pick<RunContext, 'ledger' | 'snapshot'>, origin: RunRow, uploads: readonly UploadEntry[], confirmResubmit: boolean) {
  const stale = isStale(ctx.snapshot, origin);
  const files = uploads.map((upload) => {
    const known = latestKnown(ctx.ledger, upload);
    return { upload, known, action: fileActionOf(known, { stale, confirmResubmit }) };
  });
  return { stale, files };
}

/**
 * Delivers what is left of `origin`'s files as run `ctx` (whose snapshotRun is the origin).
 * Throws as a delivery does; PMH's earlier refusals and rejections are thrown too, once
 * everything else is done, since they still need the operator.
 */
export async function catchUp(ctx: RunContext, origin: RunRow, uploads: readonly UploadEntry[], options: CatchUpOptions): Promise<void> {
  const { ledger, snapshot } = ctx;
  const plan = catchUpPlan(ctx, origin, uploads, options.confirmResubmit);
  const resume: DeliveryResume = { known: new Map(), lookUpFirst: new Map() };
  const answered: UploadEntry[] = [];
  for (const { upload, known, action } of plan.files) {
    ledger.recordUpload(ctx.id, {
      ...upload, pmhUploadId: known.pmhUploadId, status: action === 'superseded' ? 'superseded' : known.status, accepted: known.accepted, rejected: known.rejected,
    });
    if (action === 'answered') answered.push(known);
    if (action === 'answered' || action === 'superseded') continue;
    if (action === 'await-result') resume.known.set(upload.fileName, known.pmhUploadId!);
    if (action === 'look-up') resume.lookUpFirst.set(upload.fileName, 'upload');
    if (action === 'look-up-or-stop') resume.lookUpFirst.set(upload.fileName, 'stop');
    if (action !== 'await-result') {
      // What may be sent must be exactly what was written.
      if (!upload.path || !existsSync(upload.path)) options.refuse(`ファイル ${upload.fileName} がありません（purge 済み?）。`);
      if ((await fileSha256(upload.path!)) !== upload.sha256) options.refuse(`ファイル ${upload.fileName} の内容が記録と一致しません。`);
    }
    ctx.files.push(programFileOf(ctx.config, upload, upload.path && existsSync(upload.path) ? statSync(upload.path).size : 0));
  }
  priorAnswersOf(ledger, answered, ctx.prior);
  ctx.prior.apply = !plan.stale;
  const alreadyAccepted = answered.reduce((n, known) => n + (known.accepted ?? 0), 0);
  const alreadyRejected = answered.reduce((n, known) => n + (known.rejected ?? (known.status === 'refused' ? known.rows : 0)), 0);
  try {
    if (ctx.files.length > 0) await deliverStep(ctx, resume);
  } finally {
    if (answered.length > 0) {
      ctx.setCounts({ accepted: (ctx.counts.accepted ?? 0) + alreadyAccepted, rejected: (ctx.counts.rejected ?? 0) + alreadyRejected });
    }
  }
  if (plan.stale) {
    const dropped = snapshot.discardPending(origin.id);
    ctx.log.warn({ origin: origin.id, dropped }, 'a later run advanced PMH\'s state: these files\' records are not applied (it sent them again)');
  } else {
    // Answered entirely before, never applied (a crash between the answer and the snapshot): applied now.
    const delivering = new Set(ctx.files.map((f) => f.certificateTypeId));
    const waiting = new Set(snapshot.pendingTypes(origin.id).map((p) => p.type));
    for (const type of new Set(answered.map((known) => known.certificateTypeId))) {
      // Not stale, so every file of a type not being delivered now was answered.
      if (delivering.has(type) || !waiting.has(type) || ctx.prior.refusedTypes.has(type)) continue;
      const applied = snapshot.applyAccepted(origin.id, type, ctx.mode, ctx.prior.rejectedKeys.get(type) ?? new Set());
      ctx.log.info({ type, origin: origin.id, ...applied }, 'snapshot advanced with an answer recorded before a crash');
    }
  }
  // What PMH answered before still stands: a refused file or rejected rows need the operator.
  const refused = answered.find((known) => known.status === 'refused');
  if (refused) throw pmhError('UploadRefused', { uploadId: refused.pmhUploadId ?? '?', fileName: refused.fileName, detail: refused.status });
  if (alreadyRejected > 0) throw pmhError('RecordsRejected', { rejected: ctx.counts.rejected ?? alreadyRejected, accepted: ctx.counts.accepted ?? 0 });
}
