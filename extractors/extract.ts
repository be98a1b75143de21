/**
 * Extraction: run each configured read-only query against its source and stream the rows,
 * normalised into canonical rows, into the staging store. Knows nothing of PMH.
 */
import { readFile } from 'node:fs/promises';
import { pmhError } from '../core/errors.ts';
import type { SourceConfig } from '../config/schema.ts';
import { compileNamedParameters, whyNotReadOnly } from './sql-text.ts';
import { openSqlSource, type ResolvedSecrets, type SourceRow, type SqlSource } from './sql-source.ts';
import { readFileSource } from './file-source.ts';
import { UnreadableValue, code, date, flag, integer, text } from './normalise.ts';
import type { StagingStore } from './staging.ts';
import type { CertificateRow, PersonRow, ReadProblem } from './types.ts';

export interface QuerySpec {
  source: string;
  /** Absolute path of the SQL file; none when the source is an export file. */
  sqlFile?: string;
}

export interface ExtractionPlan {
  sources: Record<string, SourceConfig>;
  parameters: { base_date: string };
  programs: { code: string; query: QuerySpec }[];
  persons: QuerySpec;
  supportMeasures: QuerySpec & { allowEmpty: boolean };
}

export interface ExtractionCounts {
  certificates: Record<string, number>;
  persons: number;
  supportMeasures: number;
  unreadableRows: number;
}

export const CERTIFICATE_COLUMNS = [
  'resident_no', 'certificate_id', 'history_no', 'insurer_number', 'recipient_number',
  'valid_from', 'valid_to', 'income_segment', 'copay_cap_yen', 'always_reimburse',
] as const;
export const PERSON_COLUMNS = ['resident_no', 'my_number', 'name', 'name_kana', 'address', 'date_of_birth', 'sex_code'] as const;
export const SUPPORT_COLUMNS = ['resident_no', 'is_not_disclosed'] as const;

/** Loads and checks a SQL file: read-only, parameters known. */
export async function loadQuery(file: string, parameters: Record<string, unknown>) {
  const sqlText = await readFile(file, 'utf8');
  const why = whyNotReadOnly(sqlText);
  if (why) throw pmhError('QueryNotReadOnly', { file, detail: why });
  return compileNamedParameters(sqlText, parameters, (name) => {
    throw pmhError('QueryParameterMissing', { file, name });
  });
}

function requireColumns(row: SourceRow, columns: readonly string[], file: string): void {
  for (const column of columns) {
    if (!(column in row)) throw pmhError('QueryColumnMissing', { file, column });
  }
}

/** Reads one value; an unreadable one becomes null and a problem naming source/row/column. */
function reader(spec: QuerySpec, rowNo: number, problems: ReadProblem[]) {
  return <T>(read: (value: unknown, column: string) => T | null, row: SourceRow, column: string): T | null => {
    try {
      return read(row[column], column);
    } catch (error) {
      if (!(error instanceof UnreadableValue)) throw error;
      problems.push({ source: spec.source, query: spec.sqlFile ?? spec.source, row: rowNo, column, detail: error.detail });
      return null;
    }
  };
}

/** Where a query's rows come from, for messages: the SQL file or the export file. */
function origin(spec: QuerySpec, plan: ExtractionPlan): string {
  const config = plan.sources[spec.source];
  return spec.sqlFile ?? (config?.client === 'file' ? config.path : spec.source);
}

async function* queryRows(
  plan: ExtractionPlan,
  sources: Map<string, SqlSource>,
  spec: QuerySpec,
  parameters: Record<string, unknown>,
  columns: readonly string[],
): AsyncGenerator<{ row: SourceRow; rowNo: number }> {
  const config = plan.sources[spec.source];
  let rows: AsyncIterable<SourceRow>;
  if (config?.client === 'file') {
    rows = readFileSource(spec.source, config);
  } else {
    const source = sources.get(spec.source);
    if (!source || !spec.sqlFile) throw new Error(`source ${spec.source} not opened or no SQL`);
    const compiled = await loadQuery(spec.sqlFile, parameters);
    rows = source.rows(compiled.sql, compiled.bindings, spec.sqlFile);
  }
  let rowNo = 0;
  for await (const row of rows) {
    rowNo += 1;
    if (rowNo === 1) requireColumns(row, columns, origin(spec, plan));
    yield { row, rowNo };
  }
}

/** A value that must be present: missing is a problem of the row, never a default. */
function required<T>(read: (value: unknown, column: string) => T | null) {
  return (value: unknown, column: string): T => {
    const result = read(value, column);
    if (result === null) throw new UnreadableValue(column, { ja: '値がありません（必須の列です）', en: 'missing (a required column)' });
    return result;
  };
}

/** A key column must be readable: without it a row cannot even be named. */
function keyText(value: unknown, column: string, spec: QuerySpec, rowNo: number): string {
  let key: string | null;
  try {
    key = code(value, column);
  } catch (error) {
    if (!(error instanceof UnreadableValue)) throw error;
    key = null;
  }
  if (key === null) {
    throw pmhError('QueryFailed', { source: spec.source, file: spec.sqlFile ?? spec.source, detail: `row ${rowNo}: ${column} is empty or unreadable` });
  }
  return key;
}

export async function extractToStaging(
  plan: ExtractionPlan,
  staging: StagingStore,
  secret: ResolvedSecrets,
): Promise<ExtractionCounts> {
  const sources = new Map<string, SqlSource>();
  const counts: ExtractionCounts = { certificates: {}, persons: 0, supportMeasures: 0, unreadableRows: 0 };
  try {
    const needed = new Set([plan.persons.source, plan.supportMeasures.source, ...plan.programs.map((p) => p.query.source)]);
    for (const name of needed) {
      const config = plan.sources[name];
      if (!config) throw new Error(`source ${name} is not configured`);
      if (config.client !== 'file') sources.set(name, await openSqlSource(name, config, secret));
    }

    for (const program of plan.programs) {
      let n = 0;
      const params = { ...plan.parameters, program_code: program.code };
      for await (const { row, rowNo } of queryRows(plan, sources, program.query, params, CERTIFICATE_COLUMNS)) {
        const problems: ReadProblem[] = [];
        const read = reader(program.query, rowNo, problems);
        const certificate: CertificateRow = {
          residentNo: keyText(row.resident_no, 'resident_no', program.query, rowNo),
          certificateId: keyText(row.certificate_id, 'certificate_id', program.query, rowNo),
          programCode: program.code,
          historyNo: read(required(integer), row, 'history_no') ?? 0,
          insurerNumber: read(code, row, 'insurer_number'),
          recipientNumber: read(code, row, 'recipient_number'),
          validFrom: read(date, row, 'valid_from'),
          validTo: read(date, row, 'valid_to'),
          incomeSegment: read(code, row, 'income_segment'),
          copayCapYen: read(integer, row, 'copay_cap_yen'),
          alwaysReimburse: read(flag, row, 'always_reimburse'),
        };
        if (problems.length) counts.unreadableRows += 1;
        staging.addCertificate(certificate, problems);
        n += 1;
      }
      counts.certificates[program.code] = n;
    }

    for await (const { row, rowNo } of queryRows(plan, sources, plan.persons, plan.parameters, PERSON_COLUMNS)) {
      const problems: ReadProblem[] = [];
      const read = reader(plan.persons, rowNo, problems);
      const person: PersonRow = {
        residentNo: keyText(row.resident_no, 'resident_no', plan.persons, rowNo),
        myNumber: read(code, row, 'my_number'),
        name: read(text, row, 'name'),
        nameKana: read(text, row, 'name_kana'),
        address: read(text, row, 'address'),
        dateOfBirth: read(date, row, 'date_of_birth'),
        sexCode: read(code, row, 'sex_code'),
      };
      if (problems.length) counts.unreadableRows += 1;
      staging.addPerson(person, problems);
      counts.persons += 1;
    }

    for await (const { row, rowNo } of queryRows(plan, sources, plan.supportMeasures, plan.parameters, SUPPORT_COLUMNS)) {
      const problems: ReadProblem[] = [];
      const value = reader(plan.supportMeasures, rowNo, problems)(flag, row, 'is_not_disclosed');
      // An unreadable flag stays null: the record is held back, never sent as "not protected".
      staging.addSupportMeasure({ residentNo: keyText(row.resident_no, 'resident_no', plan.supportMeasures, rowNo), isNotDisclosed: value });
      counts.supportMeasures += 1;
    }
    if (counts.persons === 0) {
      throw pmhError('SourceEmpty', { source: plan.persons.source, what: '住民・基本5情報', consequence: '' });
    }
    if (counts.supportMeasures === 0 && !plan.supportMeasures.allowEmpty) {
      throw pmhError('SourceEmpty', {
        source: plan.supportMeasures.source,
        what: '支援措置対象者',
        consequence:
          'このまま送ると全員の不開示フラグが「開示」になり、保護が必要な方の情報が医療機関に表示されるおそれがあります。本当に対象者がいない場合だけ、設定 extraction.support_measures.allow_empty を true にしてください。',
      });
    }
    staging.sealed();
    return counts;
  } finally {
    for (const source of sources.values()) await source.close().catch(() => undefined);
  }
}
