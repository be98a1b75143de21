/**
 * `transport: screen`: the delivery channel that drives the PMH municipal screen. It
 * groups the files into uploads (all parts of a type together when the screen takes
 * several files), hands them to the upload flow, and tells the journal each upload's
 * progress: submitting (the final click is about to be made), registered (PMH's 受付番号),
 * then PMH's answer with the rejected rows traced through the key maps.
 */
import type { ChannelRequest, DeliveryFile, FileStatus, UploadOutcome } from '../delivery.ts';
import { circuitBreakerOf, retryPolicyOf } from '../retry.ts';
import { screenAccountOf, screenTimingsOf } from './account.ts';
import { readErrorList } from './error-list.ts';
import { Evidence } from './evidence.ts';
import { runScreenUploads, type UploadBatch } from './upload-flow.ts';

interface Upload {
  batch: UploadBatch;
  files: DeliveryFile[];
}

/** The uploads to make: all parts of a type together when the screen takes several files, else one per file. */
function uploadsOf(request: ChannelRequest<'screen'>): Upload[] {
  const uploads: Upload[] = [];
  for (const file of request.files) {
    const together = request.profile.upload.multiple_files ? uploads.find((u) => u.batch.certificateTypeId === file.certificateTypeId) : undefined;
    if (together) {
      together.batch.paths.push(file.path);
      together.files.push(file);
    } else {
      uploads.push({ batch: { certificateTypeId: file.certificateTypeId, mode: request.mode, paths: [file.path] }, files: [file] });
    }
  }
  return uploads;
}

export async function deliverViaScreen(request: ChannelRequest<'screen'>): Promise<void> {
  const { journal, profile, resume } = request;
  const { pmh, browser } = request.config;
  const evidence = new Evidence(request.evidenceDir);
  const uploads = uploadsOf(request);
  const filesOf = new Map(uploads.map(({ batch, files }) => [batch, files]));
  const record = (batch: UploadBatch, status: FileStatus): void => {
    for (const file of filesOf.get(batch)!) journal.fileStatus(file, status);
  };
  const known = new Map<number, string>();
  const lookUpFirst = new Map<number, 'upload' | 'stop'>();
  uploads.forEach(({ files }, i) => {
    const id = resume?.known.get(files[0]!.fileName);
    if (id) known.set(i, id);
    const lookUp = resume?.lookUpFirst.get(files[0]!.fileName);
    if (lookUp) lookUpFirst.set(i, lookUp);
  });
  let accepted = 0;
  let rejected = 0;
  try {
    await runScreenUploads({
      runId: request.runId,
      account: screenAccountOf(pmh),
      timings: screenTimingsOf(pmh),
      browser,
      profile,
      batches: uploads.map((u) => u.batch),
      known,
      lookUpFirst,
      retry: retryPolicyOf(pmh),
      breaker: circuitBreakerOf(pmh, journal.breaker),
      keepTrace: pmh.keep_trace,
      evidence,
      log: request.log,
      steps: {
        started: (name) => journal.steps.started(`screen:${name}`),
        succeeded: (name) => journal.steps.succeeded(`screen:${name}`),
        failed: (name, error) => journal.steps.failed(`screen:${name}`, error),
      },
      onRetry: (attempt, error, delayMs) => journal.retryWait('screen:retry-wait', attempt, error, delayMs),
      onSubmitting: (batch) => record(batch, { pmhUploadId: null, status: 'submitting', accepted: null, rejected: null }),
      onRegistered: (batch, uploadId) => record(batch, { pmhUploadId: uploadId, status: 'registered', accepted: null, rejected: null }),
      // Each upload's answer is recorded at once, so a later failure loses nothing.
      onOutcome: async (batch, outcome: UploadOutcome) => {
        const files = filesOf.get(batch)!;
        accepted += outcome.accepted ?? 0;
        rejected += outcome.rejected ?? (outcome.refused ? files.reduce((n, f) => n + f.rows, 0) : 0);
        journal.outcome(outcome);
        const columnsMissing = (missing: string[], header: string[]): void =>
          request.log.warn(
            { uploadId: outcome.uploadId, missing, header },
            'PMH\'s error list lacks columns the screen profile names: the rows are read without them (check errors.columns)',
          );
        const rejections = outcome.errorListPath ? await readErrorList(outcome.errorListPath, files, outcome.uploadId, profile, columnsMissing) : [];
        const rejectedKeys = new Set(rejections.map((r) => r.historyKey).filter((key): key is string => key !== null));
        const status = { pmhUploadId: outcome.uploadId, status: outcome.refused ? 'refused' : 'done', accepted: outcome.accepted, rejected: outcome.rejected };
        await journal.answered({ certificateTypeId: batch.certificateTypeId, files, status, rejectedKeys, rejections });
      },
    });
  } finally {
    for (const item of evidence.files) journal.artifact(item.kind, item.path);
    journal.counts(accepted, rejected);
  }
}
