/**
 * A run's context: who it is, where its files go, what it has counted so far, and the
 * state it works on (ledger, snapshot). Every stage of the pipeline takes it; every stage
 * is a ledger step.
 */
import type { BotConfig } from '../../config/schema.ts';
import { tokyoDate } from '../../core/clock.ts';
import { asPmhBotError, type PmhBotError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { UploadOutcome } from '../../flows/delivery.ts';
import type { ScreenProfile } from '../../flows/screen/profile.ts';
import type { Layout } from '../output/layout-file.ts';
import type { OutputPart } from '../output/output-writer.ts';
import type { FileStanding } from '../report/file-standing.ts';
import type { Ledger, RunCounts, RunRow, RunStatus, UploadEntry } from '../state/ledger.ts';
import type { Snapshot } from '../state/snapshot.ts';

export interface RunOptions {
  config: BotConfig;
  trigger: 'manual' | 'demo' | 'schedule' | 'replay' | 'test';
  profile?: ScreenProfile;
  /** The run this one replays (pmh-bot replay --re-extract, or a parent that wrote no file). */
  parentRunId?: string;
  /** When the schedule meant this run to start (the daemon). */
  scheduledAt?: string;
}

export interface ProgramFile extends Omit<OutputPart, 'part'> {
  programCode: string;
  certificateTypeId: string;
  fileName: string;
}

/** How today's records compare with what PMH holds. */
export interface DiffCounts {
  /** What PMH held before the run (all configured types). */
  before: number;
  /** Certificates met in the sources today, valid or held back. */
  population: number;
  added: number;
  changed: number;
  unchanged: number;
  /** Held by PMH, gone from the sources. */
  gone: number;
}

export interface RunSummary {
  runId: string;
  status: Exclude<RunStatus, 'running'>;
  mode: 'full' | 'diff';
  runDir: string;
  ledgerPath: string;
  baseDate: string;
  counts: RunCounts;
  diff: DiffCounts;
  files: ProgramFile[];
  outcomes: UploadOutcome[];
  screenshots: string[];
  error: PmhBotError | null;
  /** For a failed run: where each of its files stands at PMH, and what a replay does with it (standings.ts). */
  standings: FileStanding[];
  /** The HTML run report, when it could be written. */
  reportPath: string | null;
}

/** What PMH answered before this run for the types it delivers, and whether its answers may advance the snapshot. */
export interface PriorAnswers {
  rejectedKeys: Map<string, Set<string>>;
  refusedTypes: Set<string>;
  /** false when a later run advanced the snapshot: these files' records were sent again by it, and applying them would undo it. */
  apply: boolean;
}

export class RunContext {
  readonly counts: RunCounts = { extracted: 0, quarantined: 0, uploaded: 0, deleted: 0, accepted: null, rejected: null };
  readonly diff: DiffCounts = { before: 0, population: 0, added: 0, changed: 0, unchanged: 0, gone: 0 };
  files: ProgramFile[] = [];
  outcomes: UploadOutcome[] = [];
  readonly screenshots: string[] = [];
  readonly mode: 'full' | 'diff';
  /** The run whose pending records PMH's answers apply to: this one, or for a replay the run that wrote the files. */
  snapshotRun: string;
  /** For a replay or a settled run: what earlier runs already got PMH to answer of the same types. */
  readonly prior: PriorAnswers = { rejectedKeys: new Map(), refusedTypes: new Set(), apply: true };

  constructor(
    readonly id: string,
    readonly dir: string,
    readonly baseDate: string,
    readonly config: BotConfig,
    readonly ledger: Ledger,
    readonly snapshot: Snapshot,
    readonly log: Logger,
    readonly layout: Layout,
    readonly profile: ScreenProfile,
  ) {
    this.mode = config.pmh.mode;
    this.snapshotRun = id;
  }

  async step<T>(name: string, body: () => Promise<T>, detail?: (result: T) => Record<string, unknown>): Promise<T> {
    this.ledger.startStep(this.id, name);
    this.log.info({ step: name }, 'step started');
    try {
      const result = await body();
      this.ledger.endStep(this.id, name, 'succeeded', { detail: detail?.(result) });
      this.log.info({ step: name }, 'step succeeded');
      return result;
    } catch (error) {
      const failure = asPmhBotError(error);
      this.ledger.endStep(this.id, name, 'failed', { errorCode: failure.code, errorMessage: failure.describeIn('ja').message });
      this.log.error({ step: name, code: failure.code, kind: failure.kind, err: failure }, 'step failed');
      throw failure;
    }
  }

  setCounts(counts: Partial<RunCounts>): void {
    Object.assign(this.counts, counts);
    this.ledger.updateCounts(this.id, counts);
  }
}

/** A file an earlier run wrote, as a run's file list holds it (its size measured by the caller). */
export function programFileOf(config: BotConfig, upload: UploadEntry, bytes: number): ProgramFile {
  const program = config.programs.find((p) => p.certificate_type_id === upload.certificateTypeId);
  return {
    path: upload.path!, keysPath: upload.keysPath!, rows: upload.rows, sha256: upload.sha256, bytes,
    fileName: upload.fileName, certificateTypeId: upload.certificateTypeId, programCode: program?.code ?? upload.certificateTypeId,
  };
}

export interface EarlierFilesContext {
  id: string;
  dir: string;
  config: BotConfig;
  ledger: Ledger;
  snapshot: Snapshot;
  log: Logger;
  layout: Layout;
  profile: ScreenProfile;
  /** The run whose base date and counts carry over. */
  carried: RunRow;
  /** The mode the files were written in (null: the config's). */
  mode: 'full' | 'diff' | null;
}

/** A context that delivers files an earlier run wrote (approve, replay, settle): that run's base date, mode and counts. */
export function earlierFilesContext(options: EarlierFilesContext): RunContext {
  const { carried, config } = options;
  const ctx = new RunContext(
    options.id, options.dir, carried.base_date ?? tokyoDate(), { ...config, pmh: { ...config.pmh, mode: options.mode ?? config.pmh.mode } },
    options.ledger, options.snapshot, options.log, options.layout, options.profile,
  );
  Object.assign(ctx.counts, { extracted: carried.extracted, quarantined: carried.quarantined, uploaded: carried.uploaded, deleted: carried.deleted });
  return ctx;
}
