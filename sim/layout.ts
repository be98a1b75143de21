// The CSV layout this simulated PMH screen accepts. PMH's real layout is not public; this is
// the simulator's own declaration of it, kept apart from the bot's so the two cannot agree
// by construction.

export const CSV_COLUMNS = [
  'orgSpecificCertificateTypeId',
  'myNumber',
  'basicFiveInfo.name',
  'basicFiveInfo.nameKana',
  'basicFiveInfo.address',
  'basicFiveInfo.dateOfBirth',
  'basicFiveInfo.sex',
  'isNotDisclosed',
  'medicalSubsidyInsurerNumber',
  'certificationName',
  'medicalSubsidyRecipientNumber',
  'certificationSubKey',
  'segment',
  'incomeSegment',
  'additionalConditions',
  'designatedMedicalInstitutions',
  'isAlwaysReimbursement',
  'maxCopaymentAmount',
  'validFrom',
  'validTo',
  'historyKey',
  'isDeleted',
  'certificationDetail',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

export const REQUIRED_COLUMNS: ReadonlySet<CsvColumn> = new Set<CsvColumn>([
  'orgSpecificCertificateTypeId',
  'myNumber',
  'basicFiveInfo.name',
  'basicFiveInfo.nameKana',
  'basicFiveInfo.address',
  'basicFiveInfo.dateOfBirth',
  'basicFiveInfo.sex',
  'isNotDisclosed',
  'certificationName',
  'isAlwaysReimbursement',
  'validFrom',
  'validTo',
  'historyKey',
  'isDeleted',
  'certificationDetail',
]);

export const BOOLEAN_COLUMNS: ReadonlySet<CsvColumn> = new Set<CsvColumn>(['isNotDisclosed', 'isDeleted']);

/** 法別番号 of national public-expense programs: their 公費受給者番号 is 7 digits with a check digit. */
export const NATIONAL_LAW_CODES: ReadonlySet<string> = new Set([
  '10', '11', '12', '15', '16', '17', '18', '19', '20', '21', '22', '23', '24', '25', '28', '29',
  '30', '51', '52', '53', '54',
]);

export function columnIndex(column: CsvColumn): number {
  return CSV_COLUMNS.indexOf(column);
}
