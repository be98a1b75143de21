/**
 * The delivery step: the written files go to PMH through the configured channel
 * (flows/deliver.ts), and everything the channel reports is kept in the ledger as it
 * happens. A certificate type's records advance the snapshot (the base of the next
 * 差分連携) once PMH has answered for every file of that type, minus the records it
 * rejected, and never when it refused an upload of the type.
 */
import { join } from 'node:path';
import { asPmhBotError, pmhError } from '../../core/errors.ts';
import { pausePoint } from '../../core/pause-point.ts';
import { deliverFiles } from '../../flows/deliver.ts';
import type { DeliveryFile, DeliveryJournal, DeliveryResume, FileStatus, FilesAnswered } from '../../flows/delivery.ts';
import type { BreakerState, BreakerStore } from '../../flows/retry.ts';
import type { Ledger } from '../state/ledger.ts';
import type { RunContext } from './context.ts';

/** The circuit breaker's state lives in the ledger, so consecutive failures count across runs (and channels: one PMH). */
function ledgerBreakerStore(ledger: Ledger): BreakerStore {
  const key = 'pmh.circuit_breaker';
  return {
    load: (): BreakerState => {
      const saved = ledger.getState(key);
      return saved ? (JSON.parse(saved) as BreakerState) : { consecutiveFailures: 0, openedAt: null };
    },
    save: (state) => ledger.setState(key, JSON.stringify(state)),
  };
}

/** The journal a channel writes to: this run's ledger rows, and the snapshot once a type is answered. */
function ledgerJournal(ctx: RunContext): DeliveryJournal {
  const { ledger } = ctx;
  const unanswered = new Map<string, Set<string>>();
  for (const file of ctx.files) {
    const names = unanswered.get(file.certificateTypeId) ?? new Set<string>();
    names.add(file.fileName);
    unanswered.set(file.certificateTypeId, names);
  }
  // What earlier runs already got PMH to answer for these types (a replay, a settled run) counts too.
  const refusedTypes = new Set<string>(ctx.prior.refusedTypes);
  const rejectedKeysOf = new Map<string, Set<string>>([...ctx.prior.rejectedKeys].map(([type, keys]) => [type, new Set(keys)]));
  const fileStatus = (file: DeliveryFile, status: FileStatus): void =>
    ledger.recordUpload(ctx.id, { certificateTypeId: file.certificateTypeId, fileName: file.fileName, sha256: file.sha256, rows: file.rows, ...status });
  const answered = async (answer: FilesAnswered): Promise<void> => {
    const type = answer.certificateTypeId;
    // The rows that explain the answer, and the answer: together or not at all.
    ledger.transaction(() => {
      if (answer.rejections.length > 0) ledger.addRejected(ctx.id, [...answer.rejections]);
      for (const file of answer.files) fileStatus(file, answer.status);
    });
    await pausePoint('answered-before-apply');
    const waiting = unanswered.get(type);
    for (const file of answer.files) waiting?.delete(file.fileName);
    if (answer.status.status === 'refused') refusedTypes.add(type);
    const keys = rejectedKeysOf.get(type) ?? new Set<string>();
    for (const key of answer.rejectedKeys) keys.add(key);
    rejectedKeysOf.set(type, keys);
    if ((waiting?.size ?? 0) > 0 || refusedTypes.has(type) || !ctx.prior.apply) return;
    const applied = ctx.snapshot.applyAccepted(ctx.snapshotRun, type, ctx.mode, keys);
    ctx.log.info({ type, ...applied }, 'snapshot advanced');
  };
  return {
    steps: {
      started: (step) => ledger.startStep(ctx.id, step),
      succeeded: (step, detail) => ledger.endStep(ctx.id, step, 'succeeded', detail ? { detail } : undefined),
      failed: (step, error) => {
        const failure = asPmhBotError(error);
        ledger.endStep(ctx.id, step, 'failed', { errorCode: failure.code, errorMessage: failure.describeIn('ja').message });
      },
    },
    retryWait: (step, attempt, error, delayMs) => ledger.noteStep(ctx.id, step, { afterAttempt: attempt, code: error.code, delayMs }),
    fileStatus,
    earlierStatuses: (file) => ledger.uploadsByHash(file.sha256).filter((u) => u.fileName === file.fileName).map((u) => u.status),
    apiChunks: (file) => ledger.apiChunksOfFile(file.sha256, file.fileName),
    recordApiChunk: (chunk) => ledger.recordApiChunk(ctx.id, chunk),
    rejected: (rows) => ledger.addRejected(ctx.id, [...rows]),
    outcome: (outcome) => ctx.outcomes.push(outcome),
    answered,
    counts: (accepted, rejected) => ctx.setCounts({ accepted, rejected }),
    artifact: (kind, path) => {
      ledger.addArtifact(ctx.id, 'deliver', kind, path);
      if (kind === 'screenshot') ctx.screenshots.push(path);
    },
    breaker: ledgerBreakerStore(ledger),
  };
}

async function deliver(ctx: RunContext, resume?: DeliveryResume): Promise<void> {
  if (ctx.files.length === 0) {
    ctx.log.info('nothing changed since PMH last accepted: nothing to deliver');
    ctx.setCounts({ accepted: 0, rejected: 0 });
    return;
  }
  await deliverFiles({
    runId: ctx.id,
    mode: ctx.mode,
    files: ctx.files,
    format: ctx.layout.format,
    layoutFile: ctx.layout.file,
    config: ctx.config,
    profile: ctx.profile,
    evidenceDir: join(ctx.dir, 'evidence'),
    ...(resume ? { resume } : {}),
    journal: ledgerJournal(ctx),
    log: ctx.log,
  });
  const refused = ctx.outcomes.find((o) => o.refused);
  if (refused) {
    throw pmhError('UploadRefused', { uploadId: refused.uploadId, fileName: refused.fileNames.join(', '), detail: refused.status });
  }
  const rejected = ctx.counts.rejected ?? 0;
  if (rejected > 0) throw pmhError('RecordsRejected', { rejected, accepted: ctx.counts.accepted ?? 0 });
}

export async function deliverStep(ctx: RunContext, resume?: DeliveryResume): Promise<void> {
  await ctx.step('deliver', () => deliver(ctx, resume), () => ({
    uploads: ctx.outcomes.map((o) => ({ type: o.certificateTypeId, id: o.uploadId, status: o.status, accepted: o.accepted, rejected: o.rejected })),
  }));
}
