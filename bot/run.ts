/**
 * One daily cycle: extract → shape and validate → write → deliver → record.
 * Every stage is a ledger step; whatever happens, the run ends with a status, the error
 * (with its Japanese hint) and the artifacts an operator needs.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
import { openPmhCsvFile, type WrittenFile } from './csv-writer.ts';
import { Ledger, type QuarantineEntry, type RunCounts, type RunStatus } from './ledger.ts';
import { mapRejections } from './pmh-rejections.ts';
import { duplicateProblem, extractionProblems, toQuarantineEntries } from './quarantine.ts';
import { historyKeyOf, shapeRecord } from './shape.ts';
import { validateRecord } from './validate-record.ts';

export interface RunOptions {
  config: BotConfig;
  trigger: 'manual' | 'demo' | 'schedule' | 'test';
  profile?: ScreenProfile;
}

export interface ProgramFile extends WrittenFile {
  programCode: string;
  certificateTypeId: string;
  fileName: string;
}

export interface RunSummary {
  runId: string;
  status: Exclude<RunStatus, 'running'>;
  runDir: string;
  ledgerPath: string;
  baseDate: string;
  counts: RunCounts;
  files: ProgramFile[];
  outcomes: UploadOutcome[];
  screenshots: string[];
  error: PmhBotError | null;
}

export function ledgerPath(config: BotConfig): string {
  return join(config.data_dir, 'ledger.sqlite');
}

function newRunId(): string {
  return `${tokyoStamp()}-${randomBytes(2).toString('hex')}`;
}

function fileNameFor(config: BotConfig, program: ProgramConfig, baseDate: string, runId: string): string {
  return config.output.file_name
    .replaceAll('{type}', program.certificate_type_id)
    .replaceAll('{date}', baseDate.replaceAll('-', ''))
    .replaceAll('{run}', runId);
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

class RunContext {
  readonly counts: RunCounts = { extracted: 0, quarantined: 0, uploaded: 0, accepted: null, rejected: null };
  readonly files: ProgramFile[] = [];
  outcomes: UploadOutcome[] = [];
  readonly screenshots: string[] = [];

  constructor(
    readonly id: string,
    readonly dir: string,
    readonly baseDate: string,
    readonly config: BotConfig,
    readonly ledger: Ledger,
    readonly log: Logger,
  ) {}

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

/** Shapes, validates and writes one program's records; returns the written file or null when empty. */
async function writeProgram(
  ctx: RunContext,
  staging: StagingStore,
  program: ProgramConfig,
  quarantine: (entries: QuarantineEntry[]) => void,
): Promise<{ file: ProgramFile | null; total: number; invalid: number }> {
  const fileName = fileNameFor(ctx.config, program, ctx.baseDate, ctx.id);
  const path = join(ctx.dir, 'upload', fileName);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const writer = await openPmhCsvFile(path, { lineEnding: ctx.config.output.line_ending, header: ctx.config.output.header });
  let total = 0;
  let invalid = 0;
  const duplicates = staging.duplicateKeys(program.code);
  try {
    for (const row of staging.joined(program.code)) {
      total += 1;
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
      const problems = validateRecord(shaped.record, program);
      if (problems.length) {
        invalid += 1;
        quarantine(toQuarantineEntries(shaped.source, problems));
        continue;
      }
      await writer.write(shaped.record, shaped.source);
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  if (total - invalid === 0) {
    await writer.abort();
    ctx.log.warn({ program: program.code, total, invalid }, 'no valid record for this program: no file written');
    return { file: null, total, invalid };
  }
  let written: WrittenFile;
  try {
    written = await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return {
    file: { ...written, programCode: program.code, certificateTypeId: program.certificate_type_id, fileName },
    total,
    invalid,
  };
}

async function shapeAndWrite(ctx: RunContext, staging: StagingStore): Promise<void> {
  let total = 0;
  let invalid = 0;
  let buffer: QuarantineEntry[] = [];
  const quarantine = (entries: QuarantineEntry[]): void => {
    buffer.push(...entries);
    if (buffer.length >= 1000) {
      ctx.ledger.addQuarantine(ctx.id, buffer);
      buffer = [];
    }
  };
  for (const program of ctx.config.programs) {
    const result = await writeProgram(ctx, staging, program, quarantine);
    total += result.total;
    invalid += result.invalid;
    if (result.file) ctx.files.push(result.file);
  }
  ctx.ledger.addQuarantine(ctx.id, buffer);
  ctx.setCounts({ quarantined: invalid, uploaded: total - invalid });
  for (const file of ctx.files) {
    ctx.ledger.addArtifact(ctx.id, 'shape', 'upload_file', file.path, file.bytes, file.sha256);
    ctx.ledger.addArtifact(ctx.id, 'shape', 'key_map', file.keysPath);
  }
  const limit = ctx.config.validation.max_invalid_ratio;
  if (total > 0 && invalid / total > limit) {
    for (const file of ctx.files) {
      rmSync(file.path, { force: true });
    }
    throw pmhError('TooManyInvalidRecords', { total, invalid, limit: `${(limit * 100).toFixed(1)}%` });
  }
  if (ctx.files.length === 0) throw pmhError('NothingToUpload', { baseDate: ctx.baseDate });
}

async function deliver(ctx: RunContext, profile: ScreenProfile): Promise<void> {
  const { pmh, browser } = ctx.config;
  const evidence = new Evidence(join(ctx.dir, 'evidence'));
  const byName = new Map(ctx.files.map((file) => [file.fileName, file]));
  const uploadFiles: UploadFile[] = ctx.files.map((file) => ({ path: file.path, certificateTypeId: file.certificateTypeId, mode: pmh.mode }));
  for (const file of ctx.files) {
    ctx.ledger.recordUpload(ctx.id, {
      certificateTypeId: file.certificateTypeId, fileName: file.fileName, sha256: file.sha256, rows: file.rows,
      pmhUploadId: null, status: 'pending', accepted: null, rejected: null,
    });
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
        const written = ctx.files.find((f) => f.path === file.path)!;
        ctx.ledger.recordUpload(ctx.id, {
          certificateTypeId: written.certificateTypeId, fileName: written.fileName, sha256: written.sha256, rows: written.rows,
          pmhUploadId: uploadId, status: 'registered', accepted: null, rejected: null,
        });
      },
    });
  } finally {
    for (const item of evidence.files) {
      ctx.ledger.addArtifact(ctx.id, 'deliver', item.kind, item.path);
      if (item.kind === 'screenshot') ctx.screenshots.push(item.path);
    }
  }

  let accepted = 0;
  let rejected = 0;
  for (const outcome of ctx.outcomes) {
    const file = byName.get(outcome.fileName);
    if (!file) continue;
    ctx.ledger.recordUpload(ctx.id, {
      certificateTypeId: file.certificateTypeId, fileName: file.fileName, sha256: file.sha256, rows: file.rows,
      pmhUploadId: outcome.uploadId, status: outcome.refused ? 'refused' : 'done', accepted: outcome.accepted, rejected: outcome.rejected,
    });
    accepted += outcome.accepted ?? 0;
    rejected += outcome.rejected ?? (outcome.refused ? file.rows : 0);
    if (outcome.errorListPath) {
      ctx.ledger.addRejected(ctx.id, await mapRejections(outcome.errorListPath, file.keysPath, outcome.uploadId, profile));
    }
  }
  ctx.setCounts({ accepted, rejected });
  const refused = ctx.outcomes.find((o) => o.refused);
  if (refused) {
    throw pmhError('UploadRefused', { uploadId: refused.uploadId, fileName: refused.fileName, detail: refused.status });
  }
  if (rejected > 0) throw pmhError('RecordsRejected', { rejected, accepted });
}

/** Runs one full cycle and records it; never throws for a failure of the run itself. */
export async function runCycle(options: RunOptions): Promise<RunSummary> {
  const { config } = options;
  const runId = newRunId();
  const runDir = join(config.data_dir, 'runs', runId);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const baseDate = config.base_date ?? tokyoDate();
  const ledger = new Ledger(ledgerPath(config));
  const log = createLogger(join(runDir, 'run.log'), { runId });
  const ctx = new RunContext(runId, runDir, baseDate, config, ledger, log);
  ledger.startRun(runId, options.trigger, runDir, baseDate);
  log.info({ trigger: options.trigger, baseDate, programs: config.programs.map((p) => p.code) }, 'run started');

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
        files: ctx.files.map((f) => ({ program: f.programCode, file: f.fileName, rows: f.rows, bytes: f.bytes })),
        quarantined: ctx.counts.quarantined,
      }));
    } finally {
      // The staging store holds personal data: it never outlives the shaping step.
      staging.close();
      rmSync(stagingPath, { force: true });
    }
    await ctx.step('deliver', () => deliver(ctx, options.profile ?? simulatorProfile), () => ({
      uploads: ctx.outcomes.map((o) => ({ type: o.certificateTypeId, id: o.uploadId, status: o.status, accepted: o.accepted, rejected: o.rejected })),
    }));
  } catch (caught) {
    error = asPmhBotError(caught);
  }

  const status = error ? 'failed' : 'succeeded';
  const described = error?.describeIn('ja');
  ledger.finishRun(
    runId,
    status,
    error && described ? { code: error.code, kind: error.kind, message: described.message, hint: described.hint } : undefined,
  );
  const summary: RunSummary = {
    runId, status, runDir, ledgerPath: ledger.path, baseDate, counts: { ...ctx.counts },
    files: ctx.files, outcomes: ctx.outcomes, screenshots: ctx.screenshots, error,
  };
  writeFileSync(
    join(runDir, 'result.json'),
    `${JSON.stringify({ ...summary, error: error ? { code: error.code, kind: error.kind, ...described } : null }, null, 2)}\n`,
  );
  ledger.addArtifact(runId, 'finish', 'result', join(runDir, 'result.json'));
  log.info({ status, counts: ctx.counts, code: error?.code }, 'run finished');
  log.flush();
  ledger.close();
  return summary;
}
