// Per-row checks of the simulated PMH screen. Messages name the column and the problem but
// never echo the cell's value: the error list is shown to operators and downloaded as a file,
// and must not carry names, addresses, birth dates or My Numbers.

import { hasValidLuhnCheckDigit, isValidMyNumber } from './check-digits.ts';
import { BOOLEAN_COLUMNS, CSV_COLUMNS, NATIONAL_LAW_CODES, REQUIRED_COLUMNS } from './layout.ts';
import type { CsvColumn } from './layout.ts';
import type { AcceptedRecord, RecordKey } from './types.ts';

export interface ColumnProblem {
  column: string;
  message: string;
}

export interface RowVerdict {
  problems: ColumnProblem[];
  /** Present when the three key cells are filled in, even if the row has other problems. */
  key: RecordKey | null;
  isDeleted: boolean;
  /** Present only when the row has no problems. */
  record: AcceptedRecord | null;
}

export const WHOLE_ROW = '（行全体）';

const ALNUM_50 = /^[0-9A-Za-z]{1,50}$/;
const ISO_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

export function validateRow(cells: readonly string[], selectedTypeId: string): RowVerdict {
  if (cells.length !== CSV_COLUMNS.length) {
    return {
      problems: [
        {
          column: WHOLE_ROW,
          message: `項目数が${CSV_COLUMNS.length}ではありません（${cells.length}項目）。`,
        },
      ],
      key: null,
      isDeleted: false,
      record: null,
    };
  }
  const row = new Map<CsvColumn, string>();
  CSV_COLUMNS.forEach((column, i) => row.set(column, cells[i] ?? ''));
  const cell = (column: CsvColumn): string => row.get(column) ?? '';

  const problems: ColumnProblem[] = [];
  const problem = (column: CsvColumn, message: string): void => {
    problems.push({ column, message });
  };

  for (const column of CSV_COLUMNS) {
    const value = cell(column);
    if (value === '') {
      if (REQUIRED_COLUMNS.has(column)) problem(column, '必須項目が入力されていません。');
      continue;
    }
    const message = checkFilledCell(column, value, cell, selectedTypeId);
    if (message) problem(column, message);
  }

  const validFrom = cell('validFrom');
  const validTo = cell('validTo');
  if (isCalendarDate(validFrom) && isCalendarDate(validTo) && validFrom > validTo) {
    problem('validFrom', '資格有効期間の開始日が終了日より後の日付です。');
  }

  const typeId = cell('orgSpecificCertificateTypeId');
  const myNumber = cell('myNumber');
  const historyKey = cell('historyKey');
  const key = typeId && myNumber && historyKey ? { certificateTypeId: typeId, myNumber, historyKey } : null;
  const isDeleted = cell('isDeleted') === 'true';

  return {
    problems,
    key,
    isDeleted,
    record: problems.length === 0 ? toRecord(cell) : null,
  };
}

function checkFilledCell(
  column: CsvColumn,
  value: string,
  cell: (column: CsvColumn) => string,
  selectedTypeId: string,
): string | null {
  if (BOOLEAN_COLUMNS.has(column)) {
    return value === 'true' || value === 'false' ? null : 'true または false を入力してください。';
  }
  switch (column) {
    case 'orgSpecificCertificateTypeId':
      if (!ALNUM_50.test(value)) return '50文字以内の半角英数字で入力してください。';
      if (value !== selectedTypeId) {
        return `アップロード画面で選択した受給者証種別（${selectedTypeId}）と一致しません。`;
      }
      return null;
    case 'myNumber':
      if (!/^[0-9]{12}$/.test(value)) return '個人番号は12桁の半角数字で入力してください。';
      return isValidMyNumber(value) ? null : '個人番号のチェックデジットが正しくありません。';
    case 'basicFiveInfo.dateOfBirth':
    case 'validFrom':
    case 'validTo':
      return isCalendarDate(value) ? null : '実在する日付を YYYY-MM-DD 形式で入力してください。';
    case 'basicFiveInfo.sex':
      return value === '0' || value === '1' || value === '2' ? null : '性別は 0、1、2 のいずれかを入力してください。';
    case 'isAlwaysReimbursement':
      return value === '0' || value === '1' ? null : '0 または 1 を入力してください。';
    case 'medicalSubsidyInsurerNumber':
      if (!/^[0-9]{8}$/.test(value)) return '公費負担者番号は8桁の半角数字で入力してください。';
      return hasValidLuhnCheckDigit(value) ? null : '公費負担者番号の検証番号（チェックデジット）が正しくありません。';
    case 'medicalSubsidyRecipientNumber':
      return checkRecipientNumber(value, cell('medicalSubsidyInsurerNumber'));
    case 'certificationName':
      return [...value].length <= 100 ? null : '受給者証名は100文字以内で入力してください。';
    case 'maxCopaymentAmount':
      return isPlainObject(parseJson(value)) ? null : 'JSONオブジェクトとして読み取れません。';
    case 'certificationDetail':
      return Array.isArray(parseJson(value)) ? null : 'JSON配列として読み取れません。';
    default:
      return null;
  }
}

function checkRecipientNumber(value: string, insurerNumber: string): string | null {
  if ([...value].length > 30) return '公費受給者番号は30文字以内で入力してください。';
  const lawCode = /^[0-9]{8}$/.test(insurerNumber) ? insurerNumber.slice(0, 2) : null;
  if (lawCode === null || !NATIONAL_LAW_CODES.has(lawCode)) return null;
  if (!/^[0-9]{7}$/.test(value)) {
    return `法別番号${lawCode}の公費受給者番号は7桁の半角数字で入力してください。`;
  }
  return hasValidLuhnCheckDigit(value) ? null : '公費受給者番号の検証番号（チェックデジット）が正しくありません。';
}

export function isCalendarDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toRecord(cell: (column: CsvColumn) => string): AcceptedRecord {
  const record: AcceptedRecord = {};
  for (const column of CSV_COLUMNS) {
    const value = cell(column);
    if (value === '') continue;
    if (BOOLEAN_COLUMNS.has(column)) record[column] = value === 'true';
    else if (column === 'maxCopaymentAmount' || column === 'certificationDetail') {
      record[column] = JSON.parse(value) as object;
    } else record[column] = value;
  }
  return record;
}
