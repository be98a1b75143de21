/**
 * `transport: folder`: the written files are put into a drop folder for the Agency's batch
 * tool (method #2) or an operator's manual upload (method #3), atomically and with a
 * completion marker, exactly as written (byte for byte what the screen would upload).
 *
 * PMH's answer never comes back through a folder, so:
 * - each file is recorded in the ledger as `delivered` once it and its marker are in place;
 *   counts of accepted and rejected records stay unknown (null);
 * - the snapshot (the base of the next 差分連携) advances only when the batch tool has
 *   taken every file of a type (`wait_for_pickup_seconds` > 0 and the file left the
 *   folder, status `picked_up`): the bot then takes the records as registered, since
 *   per-record errors only show in the batch tool or on the PMH screen. Without waiting,
 *   the snapshot never advances: such a setup must use mode: full (the config refuses
 *   diff without a wait). A `pmh-bot confirm <run>` that would let an operator record
 *   PMH's actual answer is out of scope.
 * A replay of a run whose file was delivered but not yet taken does not put it there again:
 * it waits for the pickup (again) and then advances the snapshot.
 */
import { basename, join } from 'node:path';
import { pmhError } from '../../core/errors.ts';
import { dropFile, waitForPickup } from '../../flows/folder/drop-folder.ts';
import type { UploadOutcome } from '../../flows/screen/upload-flow.ts';
import type { DeliveryResume, ProgramFile, RunContext } from './run.ts';

/** The most advanced status any run recorded for this file (an earlier run may have placed it already). */
function latestStatus(ctx: RunContext, file: ProgramFile): string {
  const rank: Record<string, number> = { delivered: 1, picked_up: 2 };
  let best = 'pending';
  for (const known of ctx.ledger.uploadsByHash(file.sha256)) {
    if (known.fileName !== file.fileName) continue;
    if ((rank[known.status] ?? 0) > (rank[best] ?? 0)) best = known.status;
  }
  return best;
}

export async function deliverToFolder(ctx: RunContext, _resume?: DeliveryResume): Promise<void> {
  if (ctx.files.length === 0) {
    ctx.log.info('nothing changed since PMH last accepted: nothing to deliver');
    ctx.setCounts({ accepted: 0, rejected: 0 });
    return;
  }
  const settings = ctx.config.pmh.folder;
  if (!settings) throw pmhError('ConfigInvalid', { file: '(設定)', path: 'pmh.folder', detail: 'transport: folder には pmh.folder が必要です / transport: folder needs pmh.folder' });
  const perType = new Map<string, number>();
  for (const file of ctx.files) perType.set(file.certificateTypeId, (perType.get(file.certificateTypeId) ?? 0) + 1);

  for (const file of ctx.files) {
    const step = `folder:${file.fileName}`;
    ctx.ledger.startStep(ctx.id, step);
    const record = (status: 'delivered' | 'picked_up'): void =>
      ctx.ledger.recordUpload(ctx.id, {
        certificateTypeId: file.certificateTypeId, fileName: file.fileName, sha256: file.sha256, rows: file.rows,
        pmhUploadId: null, status, accepted: null, rejected: null,
      });
    try {
      const earlier = latestStatus(ctx, file);
      let target: string;
      let copied = false;
      if (earlier === 'delivered') {
        target = join(settings.path, basename(file.path));
        ctx.log.info({ file: file.fileName }, 'already placed in the drop folder by an earlier run: not placed again');
      } else {
        const dropped = await dropFile(file.path, { folder: settings.path, marker: settings.marker, sha256: file.sha256, runId: ctx.id });
        target = dropped.path;
        copied = dropped.copied;
        ctx.log.info({ file: file.fileName, folder: settings.path, copied, marker: dropped.markerPath !== null }, 'file placed in the drop folder');
      }
      record('delivered');
      let pickedUp: boolean | null = null;
      if (settings.wait_for_pickup_seconds > 0) {
        pickedUp = await waitForPickup(target, settings.wait_for_pickup_seconds * 1000, ctx.config.pmh.poll_interval_seconds * 1000);
        if (!pickedUp) {
          throw pmhError('DropFolderNotPickedUp', { folder: settings.path, fileName: file.fileName, seconds: settings.wait_for_pickup_seconds, runId: ctx.id });
        }
        record('picked_up');
        ctx.log.info({ file: file.fileName }, 'the batch tool took the file');
      }
      ctx.outcomes.push(outcomeOf(file, pickedUp ? 'picked_up' : 'delivered'));
      ctx.ledger.endStep(ctx.id, step, 'succeeded', { detail: { folder: settings.path, copied, marker: settings.marker, pickedUp } });
    } catch (error) {
      const failure = error as { code?: string; describeIn?: (lang: 'ja') => { message: string } };
      ctx.ledger.endStep(ctx.id, step, 'failed', { errorCode: failure.code ?? 'UnexpectedFailure', errorMessage: failure.describeIn?.('ja').message ?? String(error) });
      throw error;
    }
    if (settings.wait_for_pickup_seconds === 0) continue;
    const remaining = perType.get(file.certificateTypeId)! - 1;
    perType.set(file.certificateTypeId, remaining);
    if (remaining > 0) continue;
    // Taken by the batch tool: counted as registered (PMH's per-record answer is not visible here).
    const applied = ctx.snapshot.applyAccepted(ctx.snapshotRun, file.certificateTypeId, ctx.mode, new Set());
    ctx.log.info({ type: file.certificateTypeId, ...applied }, 'snapshot advanced on pickup');
  }
}

function outcomeOf(file: ProgramFile, status: 'delivered' | 'picked_up'): UploadOutcome {
  return {
    certificateTypeId: file.certificateTypeId,
    fileName: file.fileName,
    fileNames: [file.fileName],
    uploadId: 'FOLDER',
    status,
    refused: false,
    total: file.rows,
    accepted: null,
    rejected: null,
    errorListPath: null,
    resultScreenshot: '',
  };
}
