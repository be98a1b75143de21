/**
 * The one interface between the pipeline and a PMH delivery channel (the screen, the
 * registration API, a drop folder). The pipeline hands over the files it wrote and a
 * journal; the channel moves the files, and tells the journal everything the ledger must
 * keep the moment it happens (a file about to be submitted, acknowledged, answered), so
 * that a crash at any point leaves enough behind to finish the delivery without sending
 * anything twice. A channel knows nothing of SQL, the ledger or the snapshot: it only
 * reads the files and the journal's account of earlier runs.
 */
import type { BotConfig } from '../config/schema.ts';
import type { PmhBotError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { BreakerStore } from './retry.ts';
import type { ScreenProfile } from './screen/profile.ts';

export type DeliveryChannel = BotConfig['pmh']['transport'];

/** The `pmh:` settings of one channel (each channel's own keys are required there). */
export type ChannelSettings<T extends DeliveryChannel> = Extract<BotConfig['pmh'], { transport: T }>;

/** A file the pipeline wrote, with its key map (line → resident and certificate). */
export interface DeliveryFile {
  fileName: string;
  path: string;
  keysPath: string;
  certificateTypeId: string;
  sha256: string;
  rows: number;
}

/** What PMH (or the drop folder) answered about one upload: one file, or several parts of one type sent together. */
export interface UploadOutcome {
  certificateTypeId: string;
  /** The first file's name (the only one unless the batch has several parts). */
  fileName: string;
  fileNames: string[];
  /** PMH's 受付番号; 'API' or 'FOLDER' for the channels that have none. */
  uploadId: string;
  status: string;
  /** PMH refused the upload as a whole. */
  refused: boolean;
  total: number | null;
  accepted: number | null;
  rejected: number | null;
  /** PMH's error list, downloaded, when it has one. */
  errorListPath: string | null;
  resultScreenshot: string;
}

/** One record PMH rejected, traced back through the key map to the source. */
export interface RejectedRecord {
  pmhUploadId: string;
  line: number | null;
  residentNo: string | null;
  certificateId: string | null;
  historyKey: string | null;
  column: string;
  message: string;
}

/**
 * One request of the registration API. sending: sent, no answer yet (it may have reached
 * PMH); done: PMH answered with its per-record result; failed: PMH answered that it
 * registered nothing (401, 413, 429, 5xx after the last retry); refused: PMH refused the
 * request as a whole (400 and the like).
 */
export interface ApiChunkRecord {
  fileName: string;
  fileSha256: string;
  /** 0-based index of the chunk's first record in the file's JSON array. */
  firstIndex: number;
  records: number;
  status: 'sending' | 'done' | 'failed' | 'refused';
  httpStatus: number | null;
  accepted: number | null;
  rejected: number | null;
  /** History keys of the records PMH rejected (they must not advance the snapshot). */
  rejectedKeys: string[];
}

/** A file's state at PMH as the ledger keeps it (submitting, registered, done, refused, delivered, picked_up, ...). */
export interface FileStatus {
  pmhUploadId: string | null;
  status: string;
  accepted: number | null;
  rejected: number | null;
}

/** PMH has answered for some files of a type: what the snapshot may take from them. */
export interface FilesAnswered {
  certificateTypeId: string;
  files: readonly DeliveryFile[];
  /** The files' final state (done, refused, picked_up), recorded together with the rejected rows. */
  status: FileStatus;
  /** Records PMH rejected: they must not advance the snapshot. */
  rejectedKeys: ReadonlySet<string>;
  /** Rejected rows not yet recorded (the API records its rows per request, as they come). */
  rejections: readonly RejectedRecord[];
}

export interface StepListener {
  started(step: string): void;
  succeeded(step: string, detail?: Record<string, unknown>): void;
  failed(step: string, error: unknown): void;
}

/** What the channel tells the pipeline as it goes; the pipeline keeps it in the ledger. */
export interface DeliveryJournal {
  steps: StepListener;
  /** A failed attempt is followed by a wait before the next one. */
  retryWait(step: string, attempt: number, error: PmhBotError, delayMs: number): void;
  fileStatus(file: DeliveryFile, status: FileStatus): void;
  /** Statuses earlier runs recorded for this very file (same name and content), oldest first. */
  earlierStatuses(file: DeliveryFile): string[];
  /** Every API request any run made for this very file, oldest first. */
  apiChunks(file: DeliveryFile): ApiChunkRecord[];
  recordApiChunk(chunk: ApiChunkRecord): void;
  rejected(rows: readonly RejectedRecord[]): void;
  /** An upload's final outcome, as soon as it is known (in the order of the uploads). */
  outcome(outcome: UploadOutcome): void;
  /**
   * PMH's answer for files: the rejected rows and the files' final state are recorded
   * together, then the snapshot advances once every file of the type is answered. A crash
   * between the two leaves files answered but not applied, which the next run finishes.
   */
  answered(answer: FilesAnswered): void | Promise<void>;
  /** Records PMH accepted and rejected over the whole delivery so far (null: the channel cannot know). */
  counts(accepted: number, rejected: number): void;
  /** A file of evidence (screenshot, HTML, trace, PMH's error list). */
  artifact(kind: string, path: string): void;
  /** Where the circuit breaker's state lives, so that consecutive failures count across runs. */
  breaker: BreakerStore;
}

/** For a replay: what is already known of each file at PMH, by file name. */
export interface DeliveryResume {
  /** PMH's upload ID of files it acknowledged: only their result is awaited. */
  known: Map<string, string>;
  /** Files an earlier run may have submitted unacknowledged: look in PMH's history first. */
  lookUpFirst: Map<string, 'upload' | 'stop'>;
}

export interface DeliveryRequest {
  runId: string;
  mode: 'full' | 'diff';
  files: readonly DeliveryFile[];
  /** The layout's format: the API takes only JSON files. */
  format: 'csv' | 'json';
  layoutFile: string;
  config: Pick<BotConfig, 'pmh' | 'browser'>;
  profile: ScreenProfile;
  /** Where the screen's evidence goes. */
  evidenceDir: string;
  resume?: DeliveryResume;
  journal: DeliveryJournal;
  log: Logger;
}

/** A request as one channel receives it: its own settings narrowed. */
export type ChannelRequest<T extends DeliveryChannel> = Omit<DeliveryRequest, 'config'> & {
  config: { pmh: ChannelSettings<T>; browser: BotConfig['browser'] };
};
