/**
 * Records held back from the upload. Each is reported with the source key an operator
 * can look up in the business system and a reason in Japanese; none is dropped silently.
 */
import type { JoinedRow } from '../../extractors/types.ts';
import type { SourceKey } from './pmh-record.ts';
import type { RecordProblem } from './record-problem.ts';

/** One problem of one held-back record, as the ledger keeps it. */
export interface QuarantineEntry {
  programCode: string;
  residentNo: string;
  certificateId: string;
  field: string;
  code: string;
  reasonJa: string;
  reasonEn: string;
}

export function toQuarantineEntries(source: SourceKey, problems: RecordProblem[]): QuarantineEntry[] {
  return problems.map((problem) => ({
    programCode: source.programCode,
    residentNo: source.residentNo,
    certificateId: source.certificateId,
    field: problem.field,
    code: problem.code,
    reasonJa: problem.reason.ja,
    reasonEn: problem.reason.en,
  }));
}

/** Problems the extraction already found, before any shaping. */
export function extractionProblems(row: JoinedRow): RecordProblem[] {
  const problems: RecordProblem[] = row.readProblems.map((p) => ({
    field: p.column,
    code: 'ValueUnreadable',
    reason: {
      ja: `データソース ${p.source} の ${p.column} 列の値を読み取れません（${p.row} 行目: ${p.detail.ja}）`,
      en: `Cannot read column ${p.column} of source ${p.source} (row ${p.row}: ${p.detail.en})`,
    },
  }));
  if (row.personDuplicated) {
    problems.push({
      field: 'person',
      code: 'PersonDuplicated',
      reason: {
        ja: `宛名番号 ${row.certificate.residentNo} が住基・宛名データに複数あり、本人を特定できません`,
        en: `Resident number ${row.certificate.residentNo} appears more than once in the registry`,
      },
    });
  }
  return problems;
}

export function duplicateProblem(historyKey: string): RecordProblem {
  return {
    field: 'historyKey',
    code: 'DuplicateKey',
    reason: {
      ja: `同じ履歴キー ${historyKey} のレコードが抽出結果に複数あります（SQL の結合条件を確認してください）`,
      en: `History key ${historyKey} appears more than once in the extraction`,
    },
  };
}
