/**
 * Where each file of a run that did not succeed stands at PMH, and what `pmh-bot replay`
 * would do with it: read from the ledger exactly as the replay reads it (the most advanced
 * thing any run recorded of the file, and catchUpPlan's action for it), so that the
 * terminal, `pmh-bot show` and the run report neither call a file PMH holds "not
 * uploaded" nor promise what the replay will not do.
 */
import { existsSync } from 'node:fs';
import type { FileAt, FileReplay, FileStanding } from '../report/file-standing.ts';
import type { Ledger, RunRow, UploadEntry } from '../state/ledger.ts';
import type { Snapshot } from '../state/snapshot.ts';
import { catchUpPlan } from './catch-up.ts';
import { isCrashed, latestKnown, mayBeAtPmh, originOf, type FileAction } from './lineage.ts';

function atOf(ledger: Ledger, known: UploadEntry): FileAt {
  switch (known.status) {
    case 'registered':
    case 'done':
    case 'refused':
      return known.status;
    case 'picked_up':
      return 'picked-up';
    case 'delivered':
      return 'in-folder';
    case 'submitting':
      return mayBeAtPmh(ledger, known) ? 'maybe' : 'none';
    case 'pending':
    case 'superseded':
      return 'none';
    default:
      // A state this code does not know is never called "not uploaded".
      return 'maybe';
  }
}

function replayOf(action: FileAction, at: FileAt, upload: UploadEntry, known: UploadEntry): FileReplay {
  if (action === 'answered') return 'nothing';
  if (action === 'await-result') return 'fetch-result';
  if (action === 'superseded') return 'superseded';
  // What may be sent must be there as it was written: catch-up.ts refuses otherwise.
  if (!upload.path || !existsSync(upload.path)) return 'file-gone';
  if (action === 'upload') return known.status === 'delivered' ? 'leave-in-folder' : 'send';
  // Looked up first; an API file none of whose requests PMH registered is simply sent.
  return at === 'none' ? 'send' : 'look-up';
}

function standingOf(ledger: Ledger, upload: UploadEntry, known: UploadEntry, action: FileAction | 're-extract'): FileStanding {
  const at = atOf(ledger, known);
  return {
    fileName: upload.fileName,
    path: upload.path ?? null,
    rows: upload.rows,
    at,
    api: ledger.apiChunksOfFile(known.sha256, known.fileName).length > 0,
    pmhUploadId: known.pmhUploadId,
    accepted: known.accepted,
    rejected: known.rejected,
    replay: action === 're-extract' ? 're-extract' : replayOf(action, at, upload, known),
  };
}

/**
 * The standing of each file of a failed or crashed run (none for a run that succeeded,
 * is held for approval or is still at work: no replay applies to them).
 */
export function fileStandings(ledger: Ledger, snapshot: Snapshot, run: RunRow): FileStanding[] {
  if (run.status !== 'failed' && !isCrashed(run)) return [];
  const uploads = ledger.uploads(run.id);
  const origin = originOf(ledger, run);
  // No file a replay would deliver: it extracts again (see replay.ts).
  if (!origin) return uploads.map((upload) => standingOf(ledger, upload, latestKnown(ledger, upload), 're-extract'));
  return catchUpPlan({ ledger, snapshot }, origin, uploads, false).files.map(({ upload, known, action }) => standingOf(ledger, upload, known, action));
}
