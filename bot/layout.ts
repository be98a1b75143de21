/**
 * The PMH CSV layout: which columns, in which order, under which header, and how each
 * value is written. The one place that knows the columns; the writer only walks this list.
 * The real layout is not public (shared/pmh-domain.md): this list is data so that it can
 * later be loaded from an editable, versioned layout file.
 */
import type { PmhRecord } from './pmh-record.ts';

export interface LayoutColumn {
  header: string;
  value(record: PmhRecord): string;
}

/** null → empty; everything else as it is. */
function text(value: string | null): string {
  return value ?? '';
}

function bool(value: boolean): string {
  return value ? 'true' : 'false';
}

/** Compact JSON; empty when null. */
function json(value: object | null): string {
  return value === null ? '' : JSON.stringify(value);
}

export const pmhCsvColumns: readonly LayoutColumn[] = [
  { header: 'orgSpecificCertificateTypeId', value: (r) => r.orgSpecificCertificateTypeId },
  { header: 'myNumber', value: (r) => r.myNumber },
  { header: 'basicFiveInfo.name', value: (r) => r.basicFiveInfo.name },
  { header: 'basicFiveInfo.nameKana', value: (r) => r.basicFiveInfo.nameKana },
  { header: 'basicFiveInfo.address', value: (r) => r.basicFiveInfo.address },
  { header: 'basicFiveInfo.dateOfBirth', value: (r) => r.basicFiveInfo.dateOfBirth },
  { header: 'basicFiveInfo.sex', value: (r) => r.basicFiveInfo.sex },
  { header: 'isNotDisclosed', value: (r) => bool(r.isNotDisclosed) },
  { header: 'medicalSubsidyInsurerNumber', value: (r) => text(r.medicalSubsidyInsurerNumber) },
  { header: 'certificationName', value: (r) => r.certificationName },
  { header: 'medicalSubsidyRecipientNumber', value: (r) => text(r.medicalSubsidyRecipientNumber) },
  { header: 'certificationSubKey', value: (r) => text(r.certificationSubKey) },
  { header: 'segment', value: (r) => text(r.segment) },
  { header: 'incomeSegment', value: (r) => text(r.incomeSegment) },
  { header: 'additionalConditions', value: (r) => text(r.additionalConditions) },
  { header: 'designatedMedicalInstitutions', value: (r) => text(r.designatedMedicalInstitutions) },
  { header: 'isAlwaysReimbursement', value: (r) => r.isAlwaysReimbursement },
  { header: 'maxCopaymentAmount', value: (r) => json(r.maxCopaymentAmount) },
  { header: 'validFrom', value: (r) => r.validFrom },
  { header: 'validTo', value: (r) => r.validTo },
  { header: 'historyKey', value: (r) => r.historyKey },
  { header: 'isDeleted', value: (r) => bool(r.isDeleted) },
  { header: 'certificationDetail', value: (r) => json(r.certificationDetail) },
];
