/**
 * `transport: folder`: the written files are put into a drop folder for the Agency's batch
 * tool (method #2) or an operator's manual upload (method #3), atomically and with a
 * completion marker, exactly as written (byte for byte what the screen would upload).
 *
 * PMH's answer never comes back through a folder, so:
 * - each file is reported to the journal (the ledger) as `delivered` once it and its marker are in place;
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
import type { ChannelRequest, DeliveryFile, DeliveryJournal, UploadOutcome } from '../delivery.ts';
import { dropFile, waitForPickup } from './drop-folder.ts';

/** The most advanced status any run recorded for this file (an earlier run may have placed it already). */
function latestStatus(journal: DeliveryJournal, file: DeliveryFile): string {
  const rank: Record<string, number> = { delivered: 1, picked_up: 2 };
  let best = 'pending';
  for (const status of journal.earlierStatuses(file)) {
    if ((rank[status] ?? 0) > (rank[best] ?? 0)) best = status;
  }
  return best;
}

export async function deliverToFolder(request: ChannelRequest<'folder'>): Promise<void> {
  const { journal, log } = request;
  const settings = request.config.pmh.folder;
  for (const file of request.files) {
    const step = `folder:${file.fileName}`;
    journal.steps.started(step);
    const record = (status: 'delivered'): void => journal.fileStatus(file, { pmhUploadId: null, status, accepted: null, rejected: null });
    let pickedUp: boolean | null = null;
    try {
      const earlier = latestStatus(journal, file);
      let target: string;
      let copied = false;
      if (earlier === 'delivered') {
        target = join(settings.path, basename(file.path));
        log.info({ file: file.fileName }, 'already placed in the drop folder by an earlier run: not placed again');
      } else {
        const dropped = await dropFile(file.path, { folder: settings.path, marker: settings.marker, sha256: file.sha256, runId: request.runId });
        target = dropped.path;
        copied = dropped.copied;
        log.info({ file: file.fileName, folder: settings.path, copied, marker: dropped.markerPath !== null }, 'file placed in the drop folder');
      }
      record('delivered');
      if (settings.wait_for_pickup_seconds > 0) {
        pickedUp = await waitForPickup(target, settings.wait_for_pickup_seconds * 1000, request.config.pmh.poll_interval_seconds * 1000);
        if (!pickedUp) {
          throw pmhError('DropFolderNotPickedUp', { folder: settings.path, fileName: file.fileName, seconds: settings.wait_for_pickup_seconds, runId: request.runId });
        }
        log.info({ file: file.fileName }, 'the batch tool took the file');
      }
      journal.outcome(outcomeOf(file, pickedUp ? 'picked_up' : 'delivered'));
      journal.steps.succeeded(step, { folder: settings.path, copied, marker: settings.marker, pickedUp });
    } catch (error) {
      journal.steps.failed(step, error);
      throw error;
    }
    // Taken by the batch tool: counted as registered (PMH's per-record answer is not visible here).
    if (pickedUp) {
      const status = { pmhUploadId: null, status: 'picked_up', accepted: null, rejected: null };
      await journal.answered({ certificateTypeId: file.certificateTypeId, files: [file], status, rejectedKeys: new Set(), rejections: [] });
    }
  }
}

function outcomeOf(file: DeliveryFile, status: 'delivered' | 'picked_up'): UploadOutcome {
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
