/**
 * One daily cycle: extract → shape and validate → compare with what PMH holds → write →
 * guard → deliver → advance the snapshot → record.
 * Every stage is a ledger step; whatever happens, the run ends with a status, the error
 * (with its Japanese hint) and the artifacts an operator needs.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import type { BotConfig, ProgramConfig } from '../../config/schema.ts';
import { readSecret } from '../../config/secrets.ts';
import { asPmhBotError, pmhError, type PmhBotError } from '../../core/errors.ts';
import { closeLogger, createRunLogger, dailyLogDir, type Logger } from '../../core/log.ts';
import { extractToStaging, type ExtractionPlan } from '../../extractors/extract.ts';
import { StagingStore, certificateKey } from '../../extractors/staging.ts';
import { checkBrowserConfig } from '../../flows/browser-check.ts';
import { CircuitBreaker, type BreakerState, type BreakerStore } from '../../flows/retry.ts';
import { DEFAULT_SCREEN_PROFILE_PATH, loadScreenProfile, type ScreenProfile } from '../../flows/screen/profile.ts';
import { decodeBase32 } from '../../flows/screen/totp.ts';
import type { UploadBatch, UploadOutcome } from '../../flows/screen/upload-flow.ts';
import { tokyoDate, tokyoStamp } from '../../core/clock.ts';
import { encodabilityProblems } from '../records/encodable.ts';
import { DEFAULT_LAYOUT_PATH, loadLayout, type Layout } from '../output/layout-file.ts';
import { openOutput, type OutputPart } from '../output/output-writer.ts';
import { Ledger, type RunCounts, type RunStatus } from '../state/ledger.ts';
import { ledgerPath, makeRunDir, newRunId, snapshotPath } from '../state/paths.ts';
import type { PmhRecord, SourceKey } from '../records/pmh-record.ts';
import { mapRejections } from './pmh-rejections.ts';
import { duplicateProblem, extractionProblems, toQuarantineEntries, type QuarantineEntry } from '../records/quarantine.ts';
import { historyKeyOf, shapeRecord } from '../records/shape.ts';
import { notifyRun } from '../notify/notify.ts';
import { restrictDir, restrictSqlite } from '../state/permissions.ts';
import { writeRecordLists } from '../report/record-lists.ts';
import { writeRunReport } from '../report/run-report.ts';
import { buildRunNotice, type RunNotice } from '../report/run-notice.ts';
import { Snapshot, contentOf, type RecordContent } from '../state/snapshot.ts';
import { validateRecord } from '../records/validate-record.ts';

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
  /** The HTML run report, when it could be written. */
  reportPath: string | null;
}

/** The run's JSON log in its folder, plus the rolling daily log of the data directory. */
export function runLogger(config: BotConfig, runDir: string, bindings: Record<string, unknown>): Logger {
  return createRunLogger({
    runFile: join(runDir, 'run.log'),
    dailyDir: dailyLogDir(config.data_dir),
    dailyRetentionDays: config.log.daily_retention_days,
    bindings,
  });
}

/** The screen profile the config names, or the simulator's; a bad profile stops the run before anything. */
export function screenProfileOf(config: BotConfig): ScreenProfile {
  return loadScreenProfile(config.pmh.screen_profile ?? DEFAULT_SCREEN_PROFILE_PATH);
}

/** The circuit breaker's state lives in the ledger, so consecutive failures count across runs. */
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

function totpKeyOf(config: BotConfig): Buffer | null {
  const env = config.pmh.totp_secret_env;
  if (!env) return null;
  const key = decodeBase32(readSecret(env, 'pmh.totp_secret_env'));
  if (!key) {
    throw pmhError('ConfigInvalid', { file: `環境変数 ${env}`, path: 'pmh.totp_secret_env', detail: 'Base32 のシークレットではありません / not a base32 secret' });
  }
  return key;
}

/** The layout the config names, or the default one; a bad layout stops the run before anything. */
export function layoutOf(config: BotConfig): Layout {
  return loadLayout(config.output.layout ?? DEFAULT_LAYOUT_PATH);
}

function extractionPlan(config: BotConfig, baseDate: string): ExtractionPlan {
  return {
    sources: config.sources,
    parameters: { base_date: baseDate },
    programs: config.programs.map((program) => ({
      code: program.code,
      query: { source: program.source ?? config.extraction.certificates_source, sqlFile: program.sql },
    })),
    persons: { source: config.extraction.persons.source, sqlFile: config.extraction.persons.sql },
    supportMeasures: {
      source: config.extraction.support_measures.source,
      sqlFile: config.extraction.support_measures.sql,
      allowEmpty: config.extraction.support_measures.allow_empty,
    },
  };
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
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

/**
 * Shapes, validates and compares one program's records, and writes what must go to PMH:
 * in full mode every valid record; in differential mode new and changed records and a
 * deletion for each record PMH holds that is gone from the source.
 */
async function writeProgram(
  ctx: RunContext,
  staging: StagingStore,
  program: ProgramConfig,
  quarantine: (entries: QuarantineEntry[]) => void,
): Promise<{ files: ProgramFile[]; total: number; invalid: number; deletions: number }> {
  const type = program.certificate_type_id;
  const dir = join(ctx.dir, 'upload');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const encoding = ctx.layout.format === 'json' ? 'utf-8' : ctx.layout.csv.encoding;
  const writer = await openOutput(ctx.layout, dir, { type, date: ctx.baseDate.replaceAll('-', ''), run: ctx.id });
  let total = 0;
  let invalid = 0;
  let written = 0;
  let deletions = 0;
  const send = async (record: PmhRecord, source: SourceKey, action: 'upsert' | 'delete', content?: RecordContent): Promise<void> => {
    await writer.write(action === 'delete' ? { ...record, isDeleted: true } : record, source);
    ctx.snapshot.addPending(ctx.id, action, record, source, content);
    written += 1;
    if (action === 'delete') deletions += 1;
  };
  const duplicates = staging.duplicateKeys(program.code);
  try {
    for (const row of staging.joined(program.code)) {
      total += 1;
      const historyKey = historyKeyOf(row.certificate);
      const held = ctx.snapshot.held(type, historyKey);
      // Met today, valid or not: a record held back is never mistaken for one gone from the
      // source. Only a key PMH holds can be gone, so only those are marked.
      if (held) ctx.snapshot.markSeen(ctx.id, type, historyKey);
      const source = { residentNo: row.certificate.residentNo, certificateId: row.certificate.certificateId, programCode: program.code };
      const early = extractionProblems(row);
      if (duplicates.has(certificateKey(row.certificate.certificateId, row.certificate.historyNo))) {
        early.push(duplicateProblem(historyKey));
      }
      if (early.length) {
        invalid += 1;
        quarantine(toQuarantineEntries(source, early));
        continue;
      }
      const shaped = shapeRecord(row, program);
      if (!shaped.ok) {
        invalid += 1;
        quarantine(toQuarantineEntries(shaped.source, shaped.problems));
        continue;
      }
      const problems = [...validateRecord(shaped.record, program), ...encodabilityProblems(shaped.record, encoding)];
      if (problems.length) {
        invalid += 1;
        quarantine(toQuarantineEntries(shaped.source, problems));
        continue;
      }
      const content = contentOf(shaped.record);
      if (!held) {
        ctx.diff.added += 1;
        await send(shaped.record, shaped.source, 'upsert', content);
      } else if (held.contentHash !== content.hash) {
        ctx.diff.changed += 1;
        // PMH matches on type + My Number + history key: a corrected My Number is a new
        // record there, and the old pairing must be deleted explicitly.
        if (ctx.mode === 'diff' && held.myNumber !== shaped.record.myNumber) {
          const old = ctx.snapshot.get(type, shaped.record.historyKey)!;
          await send(old.record, old.source, 'delete');
        }
        await send(shaped.record, shaped.source, 'upsert', content);
      } else {
        ctx.diff.unchanged += 1;
        if (ctx.mode === 'full') await send(shaped.record, shaped.source, 'upsert', content);
      }
    }
    for (const held of ctx.snapshot.gone(ctx.id, type)) {
      ctx.diff.gone += 1;
      // A full upload replaces PMH's records of the type: what is not in it is gone there too.
      if (ctx.mode === 'diff') await send(held.record, held.source, 'delete');
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  if (written === 0) {
    await writer.abort();
    ctx.log.info({ program: program.code, total, invalid }, 'nothing to send for this program: no file written');
    return { files: [], total, invalid, deletions };
  }
  let parts: OutputPart[];
  try {
    parts = await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  if (ctx.mode === 'full' && parts.length > 1 && !ctx.profile.upload.multiple_files) {
    // A full upload replaces the type's records at PMH: a second upload could replace the first.
    // Only a screen that takes all parts in one upload can receive a split full file.
    for (const part of parts) rmSync(part.path, { force: true });
    throw pmhError('FullModeSplit', { type, parts: parts.length, rows: written });
  }
  const files = parts.map(({ part: _part, ...file }) => ({ ...file, programCode: program.code, certificateTypeId: type, fileName: basename(file.path) }));
  return { files, total, invalid, deletions };
}

async function shapeAndWrite(ctx: RunContext, staging: StagingStore): Promise<void> {
  let total = 0;
  let invalid = 0;
  let deleted = 0;
  let buffer: QuarantineEntry[] = [];
  const quarantine = (entries: QuarantineEntry[]): void => {
    buffer.push(...entries);
    if (buffer.length >= 1000) {
      ctx.ledger.addQuarantine(ctx.id, buffer);
      buffer = [];
    }
  };
  ctx.diff.before = ctx.snapshot.population(ctx.config.programs.map((p) => p.certificate_type_id));
  ctx.ledger.setDifferential(ctx.id, ctx.mode, ctx.snapshot.generation());
  for (const program of ctx.config.programs) {
    const result = await writeProgram(ctx, staging, program, quarantine);
    total += result.total;
    invalid += result.invalid;
    deleted += result.deletions;
    for (const file of result.files) {
      ctx.files.push(file);
      recordWrittenFile(ctx, file);
    }
  }
  ctx.snapshot.forgetSeen(ctx.id);
  ctx.ledger.addQuarantine(ctx.id, buffer);
  ctx.diff.population = total;
  ctx.setCounts({ quarantined: invalid, uploaded: ctx.files.reduce((n, f) => n + f.rows, 0), deleted });
  const limit = ctx.config.validation.max_invalid_ratio;
  if (total > 0 && invalid / total > limit) {
    for (const file of ctx.files) rmSync(file.path, { force: true });
    throw pmhError('TooManyInvalidRecords', { total, invalid, limit: percent(limit) });
  }
  if (total === 0) throw pmhError('NothingToUpload', { baseDate: ctx.baseDate });
  checkMassChange(ctx);
}

function recordWrittenFile(ctx: RunContext, file: ProgramFile): void {
  ctx.ledger.addArtifact(ctx.id, 'shape', 'upload_file', file.path, file.bytes, file.sha256);
  ctx.ledger.addArtifact(ctx.id, 'shape', 'key_map', file.keysPath);
  ctx.ledger.recordUpload(ctx.id, {
    certificateTypeId: file.certificateTypeId, fileName: file.fileName, sha256: file.sha256, rows: file.rows,
    pmhUploadId: null, status: 'pending', accepted: null, rejected: null, path: file.path, keysPath: file.keysPath,
  });
}

/** Stops a run that would delete or change too much of what PMH holds, before anything is sent. */
function checkMassChange(ctx: RunContext): void {
  const { before, population, changed, gone } = ctx.diff;
  if (before === 0) return;
  const changeRatio = (changed + gone) / before;
  const dropRatio = (before - population) / before;
  const { max_change_ratio: maxChange, max_population_drop_ratio: maxDrop } = ctx.config.guard;
  if (changeRatio > maxChange || dropRatio > maxDrop) {
    const overChange = changeRatio > maxChange;
    throw pmhError('MassChangeGuard', {
      before, deleted: gone, changed, population, runId: ctx.id,
      ratio: overChange ? percent(changeRatio) : `${percent(dropRatio)} の減少`,
      limit: overChange ? percent(maxChange) : percent(maxDrop),
    });
  }
}

/** The uploads to make: all parts of a type together when the screen takes several files, else one per file. */
function batchesOf(ctx: RunContext): { batch: UploadBatch; files: ProgramFile[] }[] {
  const batches: { batch: UploadBatch; files: ProgramFile[] }[] = [];
  for (const file of ctx.files) {
    const together = ctx.profile.upload.multiple_files ? batches.find((b) => b.batch.certificateTypeId === file.certificateTypeId) : undefined;
    if (together) {
      together.batch.paths.push(file.path);
      together.files.push(file);
    } else {
      batches.push({ batch: { certificateTypeId: file.certificateTypeId, mode: ctx.mode, paths: [file.path] }, files: [file] });
    }
  }
  return batches;
}

/** For a replay: what is already known of each file at PMH, by file name. */
export interface DeliveryResume {
  /** PMH's upload ID of files it acknowledged: only their result is awaited. */
  known: Map<string, string>;
  /** Files an earlier run may have submitted unacknowledged: look in PMH's history first. */
  lookUpFirst: Map<string, 'upload' | 'stop'>;
}

async function deliver(ctx: RunContext, resume?: DeliveryResume): Promise<void> {
  if (ctx.files.length === 0) {
    ctx.log.info('nothing changed since PMH last accepted: nothing to upload');
    ctx.setCounts({ accepted: 0, rejected: 0 });
    return;
  }
  const { pmh, browser } = ctx.config;
  const profile = ctx.profile;
  // Loaded here, not at the top: Playwright is about 90 MB, and shaping a million records
  // should not carry it (nor should runs that deliver through the API or a folder).
  const [{ Evidence }, { deliverViaScreen }] = await Promise.all([import('../../flows/screen/evidence.ts'), import('../../flows/screen/upload-flow.ts')]);
  const evidence = new Evidence(join(ctx.dir, 'evidence'));
  const batches = batchesOf(ctx);
  const filesOf = new Map(batches.map(({ batch, files }) => [batch, files]));
  let accepted = 0;
  let rejected = 0;
  // A type's records advance the snapshot once every upload of it has PMH's answer, and only if none was refused.
  const perType = new Map<string, { remaining: number; refused: boolean; rejectedKeys: Set<string> }>();
  for (const { batch } of batches) {
    const entry = perType.get(batch.certificateTypeId) ?? { remaining: 0, refused: false, rejectedKeys: new Set<string>() };
    entry.remaining += 1;
    perType.set(batch.certificateTypeId, entry);
  }
  const record = (batch: UploadBatch, update: { pmhUploadId: string | null; status: string; accepted: number | null; rejected: number | null }): void => {
    for (const written of filesOf.get(batch)!) {
      ctx.ledger.recordUpload(ctx.id, {
        certificateTypeId: written.certificateTypeId, fileName: written.fileName, sha256: written.sha256, rows: written.rows, ...update,
      });
    }
  };
  const knownIds = new Map<number, string>();
  const lookUpFirst = new Map<number, 'upload' | 'stop'>();
  batches.forEach(({ files }, i) => {
    const id = resume?.known.get(files[0]!.fileName);
    if (id) knownIds.set(i, id);
    const lookUp = resume?.lookUpFirst.get(files[0]!.fileName);
    if (lookUp) lookUpFirst.set(i, lookUp);
  });
  try {
    ctx.outcomes = await deliverViaScreen({
      runId: ctx.id,
      account: {
        // Present with transport: screen (config/load.ts checks it).
        baseUrl: pmh.url!,
        userId: pmh.user_id!,
        password: readSecret(pmh.password_env!, 'pmh.password_env'),
        totpKey: totpKeyOf(ctx.config),
      },
      timings: {
        pollIntervalMs: pmh.poll_interval_seconds * 1000,
        resultTimeoutMs: pmh.result_timeout_seconds * 1000,
        actionTimeoutMs: pmh.action_timeout_seconds * 1000,
      },
      browser,
      profile,
      batches: batches.map((b) => b.batch),
      known: knownIds,
      lookUpFirst,
      retry: {
        maxAttempts: pmh.retry.max_attempts,
        initialDelayMs: pmh.retry.initial_delay_seconds * 1000,
        maxDelayMs: pmh.retry.max_delay_seconds * 1000,
        multiplier: pmh.retry.multiplier,
      },
      breaker: new CircuitBreaker(ledgerBreakerStore(ctx.ledger), {
        failureThreshold: pmh.circuit_breaker.failure_threshold,
        cooldownMs: pmh.circuit_breaker.cooldown_minutes * 60_000,
      }),
      keepTrace: pmh.keep_trace,
      evidence,
      log: ctx.log,
      steps: {
        started: (name) => ctx.ledger.startStep(ctx.id, `screen:${name}`),
        succeeded: (name) => ctx.ledger.endStep(ctx.id, `screen:${name}`, 'succeeded'),
        failed: (name, error) =>
          ctx.ledger.endStep(ctx.id, `screen:${name}`, 'failed', { errorCode: error.code, errorMessage: error.describeIn('ja').message }),
      },
      onRetry: (attempt, error, delayMs) => {
        ctx.ledger.startStep(ctx.id, 'screen:retry-wait');
        ctx.ledger.endStep(ctx.id, 'screen:retry-wait', 'succeeded', { detail: { afterAttempt: attempt, code: error.code, delayMs } });
      },
      onSubmitting: (batch) => record(batch, { pmhUploadId: null, status: 'submitting', accepted: null, rejected: null }),
      onRegistered: (batch, uploadId) => record(batch, { pmhUploadId: uploadId, status: 'registered', accepted: null, rejected: null }),
      // Each upload's result advances the snapshot at once, so a later failure loses nothing.
      onOutcome: async (batch, outcome) => {
        const files = filesOf.get(batch)!;
        record(batch, { pmhUploadId: outcome.uploadId, status: outcome.refused ? 'refused' : 'done', accepted: outcome.accepted, rejected: outcome.rejected });
        accepted += outcome.accepted ?? 0;
        rejected += outcome.rejected ?? (outcome.refused ? files.reduce((n, f) => n + f.rows, 0) : 0);
        const rejections = outcome.errorListPath
          ? await mapRejections(outcome.errorListPath, files.map((f) => ({ fileName: f.fileName, keysPath: f.keysPath })), outcome.uploadId, profile)
          : [];
        ctx.ledger.addRejected(ctx.id, rejections);
        const state = perType.get(batch.certificateTypeId)!;
        state.remaining -= 1;
        state.refused ||= outcome.refused;
        for (const r of rejections) if (r.historyKey) state.rejectedKeys.add(r.historyKey);
        if (state.remaining > 0 || state.refused) return;
        const applied = ctx.snapshot.applyAccepted(ctx.snapshotRun, batch.certificateTypeId, ctx.mode, state.rejectedKeys);
        ctx.log.info({ type: batch.certificateTypeId, ...applied }, 'snapshot advanced');
      },
    });
  } finally {
    for (const item of evidence.files) {
      ctx.ledger.addArtifact(ctx.id, 'deliver', item.kind, item.path);
      if (item.kind === 'screenshot') ctx.screenshots.push(item.path);
    }
    ctx.setCounts({ accepted, rejected });
  }
  const refused = ctx.outcomes.find((o) => o.refused);
  if (refused) {
    throw pmhError('UploadRefused', { uploadId: refused.uploadId, fileName: refused.fileNames.join(', '), detail: refused.status });
  }
  if (rejected > 0) throw pmhError('RecordsRejected', { rejected, accepted });
}

function statusFor(error: PmhBotError | null): Exclude<RunStatus, 'running'> {
  if (!error) return 'succeeded';
  return error.code === 'MassChangeGuard' ? 'held' : 'failed';
}

/**
 * Ends a run: records its status, writes result.json and the HTML report, closes the
 * ledger, then notifies. Nothing here changes the run's outcome: a report or a
 * notification that fails is logged, never thrown.
 */
export async function finish(ctx: RunContext, error: PmhBotError | null): Promise<RunSummary> {
  const status = statusFor(error);
  const described = error?.describeIn('ja');
  ctx.ledger.finishRun(
    ctx.id,
    status,
    error && described ? { code: error.code, kind: error.kind, message: described.message, hint: described.hint } : undefined,
  );
  const summary: RunSummary = {
    runId: ctx.id, status, mode: ctx.mode, runDir: ctx.dir, ledgerPath: ctx.ledger.path, baseDate: ctx.baseDate,
    counts: { ...ctx.counts }, diff: { ...ctx.diff }, files: ctx.files, outcomes: ctx.outcomes, screenshots: ctx.screenshots, error,
    reportPath: null,
  };
  writeFileSync(
    join(ctx.dir, 'result.json'),
    `${JSON.stringify({ ...summary, error: error ? { code: error.code, kind: error.kind, ...described } : null }, null, 2)}\n`,
  );
  ctx.ledger.addArtifact(ctx.id, 'finish', 'result', join(ctx.dir, 'result.json'));
  try {
    const lists = writeRecordLists(ctx.ledger, ctx.id, ctx.dir);
    // Both are purged with the run folder: they name residents and certificates.
    if (lists.heldBack) ctx.ledger.addArtifact(ctx.id, 'finish', 'held_back_list', lists.heldBack);
    if (lists.rejected) ctx.ledger.addArtifact(ctx.id, 'finish', 'rejected_list', lists.rejected);
  } catch (caught) {
    ctx.log.error({ err: caught }, 'held-back and rejected lists not written');
  }
  try {
    summary.reportPath = await writeRunReport(ctx.ledger, ctx.id);
    ctx.ledger.addArtifact(ctx.id, 'finish', 'report', summary.reportPath);
  } catch (caught) {
    ctx.log.error({ err: caught }, 'run report not written');
  }
  let notice: RunNotice | null = null;
  try {
    notice = buildRunNotice(ctx.ledger, ctx.id, ctx.config);
  } catch (caught) {
    ctx.log.error({ err: caught }, 'run notice not built: no notification');
  }
  ctx.log.info({ status, counts: ctx.counts, diff: ctx.diff, code: error?.code }, 'run finished');
  ctx.snapshot.close();
  ctx.ledger.close();
  if (notice) await notifyRun(notice, ctx.config.notify, ctx.log);
  ctx.log.flush();
  closeLogger(ctx.log);
  return summary;
}

/** Runs one full cycle and records it; never throws for a failure of the run itself. */
export async function runCycle(options: RunOptions): Promise<RunSummary> {
  const { config } = options;
  const layout = layoutOf(config);
  const profile = options.profile ?? screenProfileOf(config);
  checkBrowserConfig(config.browser);
  const runId = newRunId();
  const runDir = makeRunDir(config, runId);
  const baseDate = config.base_date ?? tokyoDate();
  const ledger = new Ledger(ledgerPath(config));
  restrictSqlite(ledgerPath(config));
  const snapshot = new Snapshot(snapshotPath(config));
  restrictSqlite(snapshotPath(config));
  const log = runLogger(config, runDir, { runId });
  const ctx = new RunContext(runId, runDir, baseDate, config, ledger, snapshot, log, layout, profile);
  ledger.startRun(runId, options.trigger, runDir, baseDate, { parentRunId: options.parentRunId ?? null, scheduledAt: options.scheduledAt ?? null });
  log.info({ trigger: options.trigger, mode: ctx.mode, baseDate, programs: config.programs.map((p) => p.code) }, 'run started');

  let error: PmhBotError | null = null;
  const stagingPath = join(runDir, 'staging.sqlite');
  try {
    const staging = new StagingStore(stagingPath);
    restrictSqlite(stagingPath);
    try {
      await ctx.step(
        'extract',
        () => extractToStaging(extractionPlan(config, baseDate), staging, readSecret),
        (counts) => ({ ...counts }),
      ).then((counts) => ctx.setCounts({ extracted: Object.values(counts.certificates).reduce((a, b) => a + b, 0) }));
      await ctx.step('shape', () => shapeAndWrite(ctx, staging), () => ({
        mode: ctx.mode,
        diff: ctx.diff,
        layout: { name: ctx.layout.name, version: ctx.layout.version, file: ctx.layout.file },
        files: ctx.files.map((f) => ({ program: f.programCode, file: f.fileName, rows: f.rows, bytes: f.bytes })),
        quarantined: ctx.counts.quarantined,
      }));
    } finally {
      // The staging store holds personal data: it never outlives the shaping step.
      staging.close();
      rmSync(stagingPath, { force: true });
    }
    await deliverStep(ctx);
  } catch (caught) {
    error = asPmhBotError(caught);
  }
  return await finish(ctx, error);
}

export async function deliverStep(ctx: RunContext, resume?: DeliveryResume): Promise<void> {
  // The other channels are loaded only when chosen (and import this module's types only).
  const transport = ctx.config.pmh.transport;
  const body =
    transport === 'api'
      ? async () => (await import('./deliver-api.ts')).deliverViaApi(ctx, resume)
      : transport === 'folder'
        ? async () => (await import('./deliver-folder.ts')).deliverToFolder(ctx, resume)
        : () => deliver(ctx, resume);
  await ctx.step('deliver', body, () => ({
    uploads: ctx.outcomes.map((o) => ({ type: o.certificateTypeId, id: o.uploadId, status: o.status, accepted: o.accepted, rejected: o.rejected })),
  }));
}

/**
 * `pmh-bot approve <run>`: an operator has checked a run the mass-change guard held, and
 * lets it go on. The files it wrote are delivered as they are; nothing is extracted again.
 * A run computed against an older snapshot is refused: it would undo what came after it.
 */
export async function approveRun(config: BotConfig, runId: string, profile?: ScreenProfile): Promise<RunSummary> {
  const ledger = new Ledger(ledgerPath(config));
  const run = ledger.run(runId);
  if (!run) {
    ledger.close();
    throw pmhError('RunNotFound', { runId });
  }
  const snapshot = new Snapshot(snapshotPath(config));
  const refuse = (detail: string): never => {
    snapshot.close();
    ledger.close();
    throw pmhError('RunNotApprovable', { runId, status: run.status, detail });
  };
  if (run.status !== 'held') refuse('');
  if (run.snapshot_generation !== snapshot.generation()) {
    refuse('この実行の後に PMH への登録が進んだため、差分が古くなっています。');
  }
  const log = runLogger(config, run.run_dir, { runId });
  const ctx = new RunContext(
    runId, run.run_dir, run.base_date ?? tokyoDate(), { ...config, pmh: { ...config.pmh, mode: run.mode ?? config.pmh.mode } },
    ledger, snapshot, log, layoutOf(config), profile ?? screenProfileOf(config),
  );
  Object.assign(ctx.counts, { extracted: run.extracted, quarantined: run.quarantined, uploaded: run.uploaded, deleted: run.deleted });
  const programOf = new Map(config.programs.map((p) => [p.certificate_type_id, p.code]));
  ctx.files = ledger.uploads(runId).map((u) => ({
    path: u.path!, keysPath: u.keysPath!, rows: u.rows, sha256: u.sha256, bytes: statSync(u.path!).size,
    fileName: u.fileName, certificateTypeId: u.certificateTypeId, programCode: programOf.get(u.certificateTypeId) ?? u.certificateTypeId,
  }));
  ledger.resumeRun(runId);
  ledger.startStep(runId, 'approve');
  ledger.endStep(runId, 'approve', 'succeeded', { detail: { by: userInfo().username, at: new Date().toISOString() } });
  log.info({ by: userInfo().username }, 'run approved by an operator');
  let error: PmhBotError | null = null;
  try {
    await deliverStep(ctx);
  } catch (caught) {
    error = asPmhBotError(caught);
  }
  return await finish(ctx, error);
}
