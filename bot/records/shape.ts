/**
 * Shapes one joined source row (a certificate with its person and disclosure flag) into
 * one PMH record. Shaping maps and normalises; it reports what the source lacks (missing
 * person, missing flag, missing required values) and leaves the PMH rules (formats, check
 * digits, lengths) to validate-record.ts. Every problem of a row is reported, not the first.
 */
import type { PmhCertificationDetailItem, PmhRecord, PmhSex, SourceKey } from './pmh-record.ts';
import type { CertificateRow, JoinedRow, PersonRow } from '../../extractors/types.ts';
import type { ProgramConfig } from '../../config/schema.ts';
import { recordProblem, type RecordProblem } from './record-problem.ts';

export type ShapeResult =
  | { ok: true; record: PmhRecord; source: SourceKey }
  | { ok: false; source: SourceKey; problems: RecordProblem[] };

/** 履歴キー: the certificate's key and its history number, e.g. `C123-007`. */
export function historyKeyOf(certificate: Pick<CertificateRow, 'certificateId' | 'historyNo'>): string {
  return `${certificate.certificateId}-${String(certificate.historyNo).padStart(3, '0')}`;
}

export function shapeRecord(row: JoinedRow, program: ProgramConfig): ShapeResult {
  const { certificate, person } = row;
  const source: SourceKey = {
    residentNo: certificate.residentNo,
    certificateId: certificate.certificateId,
    programCode: certificate.programCode,
  };
  const problems: RecordProblem[] = [];
  const required = (value: string | null, field: string): string => {
    const text = trimmed(value);
    if (text === null) problems.push(recordProblem('RequiredMissing', field));
    return text ?? '';
  };

  if (person === null) {
    problems.push(recordProblem('PersonMissing', 'person', { residentNo: certificate.residentNo }));
  }
  if (row.isNotDisclosed === null) {
    problems.push(recordProblem('DisclosureFlagMissing', 'isNotDisclosed'));
  }

  const myNumber = person ? required(person.myNumber, 'myNumber') : '';
  const name = person ? required(person.name, 'basicFiveInfo.name') : '';
  const nameKana = person ? halfWidthKanaToFullWidth(required(person.nameKana, 'basicFiveInfo.nameKana')) : '';
  const address = person ? required(person.address, 'basicFiveInfo.address') : '';
  const dateOfBirth = person ? required(person.dateOfBirth, 'basicFiveInfo.dateOfBirth') : '';
  const sex = sexOf(person, program);
  if (sex === null) {
    problems.push(recordProblem('SexCodeUnmapped', 'basicFiveInfo.sex', { programCode: program.code }));
  }

  const validFrom = required(certificate.validFrom, 'validFrom');
  const validTo = required(certificate.validTo, 'validTo');
  if (certificate.alwaysReimburse === null) {
    problems.push(recordProblem('RequiredMissing', 'isAlwaysReimbursement'));
  }

  // The null checks repeat what `problems` already says, so that the types know it too.
  const isNotDisclosed = row.isNotDisclosed;
  const alwaysReimburse = certificate.alwaysReimburse;
  if (problems.length > 0 || sex === null || isNotDisclosed === null || alwaysReimburse === null) {
    return { ok: false, source, problems };
  }

  const insurerNumber = trimmed(certificate.insurerNumber);
  const recipientNumber = trimmed(certificate.recipientNumber);
  const incomeSegment = incomeSegmentOf(certificate.incomeSegment, program);
  const maxCopaymentAmount = certificate.copayCapYen === null ? null : { monthlyLimitYen: certificate.copayCapYen };

  const record: PmhRecord = {
    orgSpecificCertificateTypeId: program.certificate_type_id,
    myNumber,
    basicFiveInfo: { name, nameKana, address, dateOfBirth, sex },
    isNotDisclosed,
    medicalSubsidyInsurerNumber: insurerNumber,
    certificationName: program.certificate_name,
    medicalSubsidyRecipientNumber: recipientNumber,
    certificationSubKey: null,
    segment: null,
    incomeSegment,
    additionalConditions: null,
    designatedMedicalInstitutions: null,
    isAlwaysReimbursement: alwaysReimburse ? '1' : '0',
    maxCopaymentAmount,
    validFrom,
    validTo,
    historyKey: historyKeyOf(certificate),
    isDeleted: false,
    certificationDetail: certificationDetailOf({
      certificateName: program.certificate_name,
      insurerNumber,
      recipientNumber,
      validFrom,
      validTo,
      incomeSegment,
      copayCapYen: certificate.copayCapYen,
    }),
  };
  return { ok: true, record, source };
}

/** Surrounding whitespace removed (String#trim includes the ideographic space U+3000); blank → null. */
function trimmed(value: string | null): string | null {
  if (value === null) return null;
  const text = value.trim();
  return text === '' ? null : text;
}

/**
 * Half-width katakana (U+FF61–U+FF9F) to full-width by NFKC, applied to those runs only
 * so that nothing else in the name changes. A full-width kana just before a run is taken
 * into it so that a half-width voiced mark after it still composes (カﾞ → ガ).
 * Spaces are left as they are: ﾔﾏﾀﾞ ﾀﾛｳ becomes ヤマダ タロウ with the half-width space.
 */
export function halfWidthKanaToFullWidth(text: string): string {
  return text.replace(/[\u30A1-\u30FA]?[\uFF61-\uFF9F]+/g, (run) => run.normalize('NFKC'));
}

/** PMH sex, or null when the registry code cannot be mapped. */
function sexOf(person: PersonRow | null, program: ProgramConfig): PmhSex | null {
  // A program that may not manage sex sends 0 whatever the registry says.
  if (program.sex_always_unknown) return '0';
  if (person === null) return '0'; // the person is missing: already reported, no second problem
  const code = trimmed(person.sexCode);
  if (code === null || !Object.hasOwn(program.sex_codes, code)) return null;
  return program.sex_codes[code] ?? null;
}

function incomeSegmentOf(code: string | null, program: ProgramConfig): string | null {
  const text = trimmed(code);
  if (text === null) return null;
  return Object.hasOwn(program.income_segments, text) ? (program.income_segments[text] ?? text) : text;
}

const yen = new Intl.NumberFormat('ja-JP', { maximumFractionDigits: 0 });

/** The items printed on the certificate face, in print order; absent items are left out. */
function certificationDetailOf(face: {
  certificateName: string;
  insurerNumber: string | null;
  recipientNumber: string | null;
  validFrom: string;
  validTo: string;
  incomeSegment: string | null;
  copayCapYen: number | null;
}): PmhCertificationDetailItem[] {
  const items: PmhCertificationDetailItem[] = [{ itemName: '受給者証名', value: face.certificateName }];
  if (face.insurerNumber !== null) items.push({ itemName: '公費負担者番号', value: face.insurerNumber });
  if (face.recipientNumber !== null) items.push({ itemName: '公費受給者番号', value: face.recipientNumber });
  items.push({ itemName: '有効期間', value: `${face.validFrom}～${face.validTo}` });
  if (face.incomeSegment !== null) items.push({ itemName: '所得区分', value: face.incomeSegment });
  if (face.copayCapYen !== null) {
    items.push({ itemName: '自己負担上限額（月額）', value: `${yen.format(face.copayCapYen)}円` });
  }
  return items;
}
