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
import type { BotConfig, ProgramConfig } from '../config/schema.ts';
import { readSecret } from '../config/secrets.ts';
import { asPmhBotError, pmhError, type PmhBotError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { extractToStaging, type ExtractionPlan } from '../extractors/extract.ts';
import { StagingStore, certificateKey } from '../extractors/staging.ts';
import { Evidence } from '../flows/screen/evidence.ts';
import { simulatorProfile, type ScreenProfile } from '../flows/screen/profile.ts';
import { deliverViaScreen, type UploadFile, type UploadOutcome } from '../flows/screen/upload-flow.ts';
import { tokyoDate, tokyoStamp } from './clock.ts';
import { encodabilityProblems } from './encodable.ts';
import { DEFAULT_LAYOUT_PATH, loadLayout, type Layout } from './layout-file.ts';
import { openOutput, type OutputPart } from './output-writer.ts';
import { Ledger, type QuarantineEntry, type RunCounts, type RunStatus } from './ledger.ts';
import type { PmhRecord, SourceKey } from './pmh-record.ts';
import { mapRejections } from './pmh-rejections.ts';
import { duplicateProblem, extractionProblems, toQuarantineEntries } from './quarantine.ts';
import { historyKeyOf, shapeRecord } from './shape.ts';
import { Snapshot, contentHash } from './snapshot.ts';
import { validateRecord } from './validate-record.ts';

export interface RunOptions {
  config: BotConfig;
  trigger: 'manual' | 'demo' | 'schedule' | 'test';
  profile?: ScreenProfile;
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
}

export function ledgerPath(config: BotConfig): string {
  return join(config.data_dir, 'ledger.sqlite');
}

export function snapshotPath(config: BotConfig): string {
  return join(config.data_dir, 'snapshot.sqlite');
}

function newRunId(): string {
  return `${tokyoStamp()}-${randomBytes(2).toString('hex')}`;
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

class RunContext {
  readonly counts: RunCounts = { extracted: 0, quarantined: 0, uploaded: 0, deleted: 0, accepted: null, rejected: null };
  readonly diff: DiffCounts = { before: 0, population: 0, added: 0, changed: 0, unchanged: 0, gone: 0 };
  files: ProgramFile[] = [];
  outcomes: UploadOutcome[] = [];
  readonly screenshots: string[] = [];
  readonly mode: 'full' | 'diff';

  constructor(
    readonly id: string,
    readonly dir: string,
    readonly baseDate: string,
    readonly config: BotConfig,
    readonly ledger: Ledger,
    readonly snapshot: Snapshot,
    readonly log: Logger,
    readonly layout: Layout,
  ) {
    this.mode = config.pmh.mode;
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
  const send = async (record: PmhRecord, source: SourceKey, action: 'upsert' | 'delete'): Promise<void> => {
    await writer.write(action === 'delete' ? { ...record, isDeleted: true } : record, source);
    ctx.snapshot.addPending(ctx.id, action, record, source);
    written += 1;
    if (action === 'delete') deletions += 1;
  };
  const duplicates = staging.duplicateKeys(program.code);
  try {
    for (const row of staging.joined(program.code)) {
      total += 1;
      // Met today, valid or not: a record held back is never mistaken for one gone from the source.
      ctx.snapshot.markSeen(ctx.id, type, historyKeyOf(row.certificate));
      const source = { residentNo: row.certificate.residentNo, certificateId: row.certificate.certificateId, programCode: program.code };
      const early = extractionProblems(row);
      if (duplicates.has(certificateKey(row.certificate.certificateId, row.certificate.historyNo))) {
        early.push(duplicateProblem(historyKeyOf(row.certificate)));
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
      const held = ctx.snapshot.get(type, shaped.record.historyKey);
      if (!held) {
        ctx.diff.added += 1;
        await send(shaped.record, shaped.source, 'upsert');
      } else if (held.contentHash !== contentHash(shaped.record)) {
        ctx.diff.changed += 1;
        // PMH matches on type + My Number + history key: a corrected My Number is a new
        // record there, and the old pairing must be deleted explicitly.
        if (ctx.mode === 'diff' && held.myNumber !== shaped.record.myNumber) await send(held.record, held.source, 'delete');
        await send(shaped.record, shaped.source, 'upsert');
      } else {
        ctx.diff.unchanged += 1;
        if (ctx.mode === 'full') await send(shaped.record, shaped.source, 'upsert');
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
  if (ctx.mode === 'full' && parts.length > 1) {
    // A full upload replaces the type's records at PMH: a second file could replace the first.
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

async function deliver(ctx: RunContext, profile: ScreenProfile): Promise<void> {
  if (ctx.files.length === 0) {
    ctx.log.info('nothing changed since PMH last accepted: nothing to upload');
    ctx.setCounts({ accepted: 0, rejected: 0 });
    return;
  }
  const { pmh, browser } = ctx.config;
  const evidence = new Evidence(join(ctx.dir, 'evidence'));
  const byPath = new Map(ctx.files.map((file) => [file.path, file]));
  const uploadFiles: UploadFile[] = ctx.files.map((file) => ({ path: file.path, certificateTypeId: file.certificateTypeId, mode: ctx.mode }));
  let accepted = 0;
  let rejected = 0;
  // A type's records advance the snapshot once every part of it has PMH's answer, and only if none was refused.
  const perType = new Map<string, { remaining: number; refused: boolean; rejectedKeys: Set<string> }>();
  for (const file of ctx.files) {
    const entry = perType.get(file.certificateTypeId) ?? { remaining: 0, refused: false, rejectedKeys: new Set<string>() };
    entry.remaining += 1;
    perType.set(file.certificateTypeId, entry);
  }
  try {
    ctx.outcomes = await deliverViaScreen({
      account: { baseUrl: pmh.url, userId: pmh.user_id, password: readSecret(pmh.password_env, 'pmh.password_env') },
      timings: {
        pollIntervalMs: pmh.poll_interval_seconds * 1000,
        resultTimeoutMs: pmh.result_timeout_seconds * 1000,
        actionTimeoutMs: pmh.action_timeout_seconds * 1000,
      },
      browser,
      profile,
      files: uploadFiles,
      evidence,
      log: ctx.log,
      steps: {
        started: (name) => ctx.ledger.startStep(ctx.id, `screen:${name}`),
        succeeded: (name) => ctx.ledger.endStep(ctx.id, `screen:${name}`, 'succeeded'),
        failed: (name, error) =>
          ctx.ledger.endStep(ctx.id, `screen:${name}`, 'failed', { errorCode: error.code, errorMessage: error.describeIn('ja').message }),
      },
      onRegistered: (file, uploadId) => {
        const written = byPath.get(file.path)!;
        ctx.ledger.recordUpload(ctx.id, {
          certificateTypeId: written.certificateTypeId, fileName: written.fileName, sha256: written.sha256, rows: written.rows,
          pmhUploadId: uploadId, status: 'registered', accepted: null, rejected: null,
        });
      },
      // Each file's result advances the snapshot at once, so a later failure loses nothing.
      onOutcome: async (file, outcome) => {
        const written = byPath.get(file.path)!;
        ctx.ledger.recordUpload(ctx.id, {
          certificateTypeId: written.certificateTypeId, fileName: written.fileName, sha256: written.sha256, rows: written.rows,
          pmhUploadId: outcome.uploadId, status: outcome.refused ? 'refused' : 'done', accepted: outcome.accepted, rejected: outcome.rejected,
        });
        accepted += outcome.accepted ?? 0;
        rejected += outcome.rejected ?? (outcome.refused ? written.rows : 0);
        const rejections = outcome.errorListPath ? await mapRejections(outcome.errorListPath, written.keysPath, outcome.uploadId, profile) : [];
        ctx.ledger.addRejected(ctx.id, rejections);
        const state = perType.get(written.certificateTypeId)!;
        state.remaining -= 1;
        state.refused ||= outcome.refused;
        for (const r of rejections) if (r.historyKey) state.rejectedKeys.add(r.historyKey);
        if (state.remaining > 0 || state.refused) return;
        const applied = ctx.snapshot.applyAccepted(ctx.id, written.certificateTypeId, ctx.mode, state.rejectedKeys);
        ctx.log.info({ type: written.certificateTypeId, ...applied }, 'snapshot advanced');
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
    throw pmhError('UploadRefused', { uploadId: refused.uploadId, fileName: refused.fileName, detail: refused.status });
  }
  if (rejected > 0) throw pmhError('RecordsRejected', { rejected, accepted });
}

function statusFor(error: PmhBotError | null): Exclude<RunStatus, 'running'> {
  if (!error) return 'succeeded';
  return error.code === 'MassChangeGuard' ? 'held' : 'failed';
}

function finish(ctx: RunContext, error: PmhBotError | null): RunSummary {
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
  };
  writeFileSync(
    join(ctx.dir, 'result.json'),
    `${JSON.stringify({ ...summary, error: error ? { code: error.code, kind: error.kind, ...described } : null }, null, 2)}\n`,
  );
  ctx.ledger.addArtifact(ctx.id, 'finish', 'result', join(ctx.dir, 'result.json'));
  ctx.log.info({ status, counts: ctx.counts, diff: ctx.diff, code: error?.code }, 'run finished');
  ctx.log.flush();
  ctx.snapshot.close();
  ctx.ledger.close();
  return summary;
}

/** Runs one full cycle and records it; never throws for a failure of the run itself. */
export async function runCycle(options: RunOptions): Promise<RunSummary> {
  const { config } = options;
  const layout = layoutOf(config);
  const runId = newRunId();
  const runDir = join(config.data_dir, 'runs', runId);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const baseDate = config.base_date ?? tokyoDate();
  const ledger = new Ledger(ledgerPath(config));
  const log = createLogger(join(runDir, 'run.log'), { runId });
  const ctx = new RunContext(runId, runDir, baseDate, config, ledger, new Snapshot(snapshotPath(config)), log, layout);
  ledger.startRun(runId, options.trigger, runDir, baseDate);
  log.info({ trigger: options.trigger, mode: ctx.mode, baseDate, programs: config.programs.map((p) => p.code) }, 'run started');

  let error: PmhBotError | null = null;
  const stagingPath = join(runDir, 'staging.sqlite');
  try {
    const staging = new StagingStore(stagingPath);
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
    await deliverStep(ctx, options.profile);
  } catch (caught) {
    error = asPmhBotError(caught);
  }
  return finish(ctx, error);
}

async function deliverStep(ctx: RunContext, profile: ScreenProfile | undefined): Promise<void> {
  await ctx.step('deliver', () => deliver(ctx, profile ?? simulatorProfile), () => ({
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
  const log = createLogger(join(run.run_dir, 'run.log'), { runId });
  const ctx = new RunContext(runId, run.run_dir, run.base_date ?? tokyoDate(), { ...config, pmh: { ...config.pmh, mode: run.mode ?? config.pmh.mode } }, ledger, snapshot, log, layoutOf(config));
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
    await deliverStep(ctx, profile);
  } catch (caught) {
    error = asPmhBotError(caught);
  }
  return finish(ctx, error);
}
