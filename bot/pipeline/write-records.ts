/**
 * Shaping: every joined row becomes a PMH record or a held-back one, is compared with what
 * PMH holds, and what must go to PMH is written to the upload files.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ProgramConfig } from '../../config/schema.ts';
import { pmhError } from '../../core/errors.ts';
import { certificateKey, type StagingStore } from '../../extractors/staging.ts';
import { encodabilityProblems } from '../records/encodable.ts';
import type { PmhRecord, SourceKey } from '../records/pmh-record.ts';
import { duplicateProblem, extractionProblems, toQuarantineEntries, type QuarantineEntry } from '../records/quarantine.ts';
import { historyKeyOf, shapeRecord } from '../records/shape.ts';
import { validateRecord } from '../records/validate-record.ts';
import { openOutput, type OutputPart } from '../output/output-writer.ts';
import { contentOf, type RecordContent } from '../state/snapshot.ts';
import type { ProgramFile, RunContext } from './context.ts';
import { checkMassChange, percent } from './guard.ts';

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

export async function shapeAndWrite(ctx: RunContext, staging: StagingStore): Promise<void> {
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
