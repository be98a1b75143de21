// One record of a registration API request, checked the way the simulated PMH checks it:
// first its JSON shape (types of the published schema: strings, booleans, an object, an
// array; nested basicFiveInfo; no unknown fields), then the same per-field rules as a row of
// an uploaded CSV file (validate-row.ts), so both channels accept and refuse alike.

import { BOOLEAN_COLUMNS, CSV_COLUMNS } from './layout.ts';
import type { CsvColumn } from './layout.ts';
import { validateRow } from './validate-row.ts';
import type { ColumnProblem, RowVerdict } from './validate-row.ts';

/** The field a problem with the record as a whole is reported under. */
export const WHOLE_RECORD = '（レコード全体）';

const PERSON_FIELDS = ['name', 'nameKana', 'address', 'dateOfBirth', 'sex'] as const;
const TOP_LEVEL = new Set<string>([...CSV_COLUMNS.filter((c) => !c.startsWith('basicFiveInfo.')), 'basicFiveInfo']);
const OBJECT_FIELDS: ReadonlySet<CsvColumn> = new Set<CsvColumn>(['maxCopaymentAmount']);
const ARRAY_FIELDS: ReadonlySet<CsvColumn> = new Set<CsvColumn>(['certificationDetail']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldValue(record: Record<string, unknown>, column: CsvColumn): unknown {
  if (!column.startsWith('basicFiveInfo.')) return record[column];
  const person = record['basicFiveInfo'];
  return isPlainObject(person) ? person[column.slice('basicFiveInfo.'.length)] : undefined;
}

/** The cell text a JSON value stands for, or a problem when its JSON type is wrong. */
function cellOf(column: CsvColumn, value: unknown): { cell: string } | { problem: string } {
  if (value === undefined || value === null) return { cell: '' };
  if (BOOLEAN_COLUMNS.has(column)) {
    return typeof value === 'boolean' ? { cell: String(value) } : { problem: 'true または false（JSON の真偽値）で指定してください。' };
  }
  if (OBJECT_FIELDS.has(column)) {
    return isPlainObject(value) ? { cell: JSON.stringify(value) } : { problem: 'JSONオブジェクトで指定してください。' };
  }
  if (ARRAY_FIELDS.has(column)) {
    return Array.isArray(value) ? { cell: JSON.stringify(value) } : { problem: 'JSON配列で指定してください。' };
  }
  return typeof value === 'string' ? { cell: value } : { problem: '文字列で指定してください。' };
}

/**
 * Checks one element of the request body. `knownTypes` are the certificate types this
 * PMH has registered for the municipality: a record of another type is refused.
 */
export function checkApiRecord(value: unknown, knownTypes: ReadonlySet<string>): RowVerdict {
  if (!isPlainObject(value)) {
    return { problems: [{ column: WHOLE_RECORD, message: 'レコードは JSON オブジェクトで指定してください。' }], key: null, isDeleted: false, record: null };
  }
  const problems: ColumnProblem[] = [];
  for (const name of Object.keys(value)) {
    if (!TOP_LEVEL.has(name)) problems.push({ column: name, message: '定義されていない項目です。' });
  }
  const person = value['basicFiveInfo'];
  if (person !== undefined && person !== null && !isPlainObject(person)) {
    problems.push({ column: 'basicFiveInfo', message: 'JSONオブジェクトで指定してください。' });
  } else if (isPlainObject(person)) {
    for (const name of Object.keys(person)) {
      if (!(PERSON_FIELDS as readonly string[]).includes(name)) problems.push({ column: `basicFiveInfo.${name}`, message: '定義されていない項目です。' });
    }
  }
  const cells: string[] = [];
  const badType = new Set<CsvColumn>();
  for (const column of CSV_COLUMNS) {
    const converted = cellOf(column, fieldValue(value, column));
    if ('problem' in converted) {
      problems.push({ column, message: converted.problem });
      badType.add(column);
      cells.push('');
    } else {
      cells.push(converted.cell);
    }
  }
  const typeId = cells[0] ?? '';
  // The row rules compare the type with the one chosen on the upload screen; here each record names its own.
  const verdict = validateRow(cells, typeId);
  // A field of the wrong JSON type was blanked above: its "required" complaint would only repeat the type problem.
  problems.push(...verdict.problems.filter((p) => !badType.has(p.column as CsvColumn)));
  if (typeId !== '' && !problems.some((p) => p.column === 'orgSpecificCertificateTypeId') && !knownTypes.has(typeId)) {
    problems.push({ column: 'orgSpecificCertificateTypeId', message: '登録されていない受給者証種別IDです。' });
  }
  return { problems, key: verdict.key, isDeleted: verdict.isDeleted, record: problems.length === 0 ? verdict.record : null };
}
