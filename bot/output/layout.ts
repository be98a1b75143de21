/**
 * A layout's columns as cell writers: for each column, its header and how one record's
 * value becomes the text of a CSV cell. Which columns, in which order, under which header
 * and with which boolean style is data from the layout file (layout-file.ts); this module
 * only knows how to read each PmhRecord field.
 */
import type { PmhRecord } from '../records/pmh-record.ts';
import { DEFAULT_LAYOUT_PATH, loadLayout, type CsvSettings, type Layout, type PmhFieldPath } from './layout-file.ts';

export interface LayoutColumn {
  header: string;
  value(record: PmhRecord): string;
}

type FieldValue = string | boolean | object | null;

/** How to read each field a layout may name; `satisfies` keeps it in step with PMH_FIELDS. */
const fieldReaders = {
  orgSpecificCertificateTypeId: (r) => r.orgSpecificCertificateTypeId,
  myNumber: (r) => r.myNumber,
  'basicFiveInfo.name': (r) => r.basicFiveInfo.name,
  'basicFiveInfo.nameKana': (r) => r.basicFiveInfo.nameKana,
  'basicFiveInfo.address': (r) => r.basicFiveInfo.address,
  'basicFiveInfo.dateOfBirth': (r) => r.basicFiveInfo.dateOfBirth,
  'basicFiveInfo.sex': (r) => r.basicFiveInfo.sex,
  isNotDisclosed: (r) => r.isNotDisclosed,
  medicalSubsidyInsurerNumber: (r) => r.medicalSubsidyInsurerNumber,
  certificationName: (r) => r.certificationName,
  medicalSubsidyRecipientNumber: (r) => r.medicalSubsidyRecipientNumber,
  certificationSubKey: (r) => r.certificationSubKey,
  segment: (r) => r.segment,
  incomeSegment: (r) => r.incomeSegment,
  additionalConditions: (r) => r.additionalConditions,
  designatedMedicalInstitutions: (r) => r.designatedMedicalInstitutions,
  isAlwaysReimbursement: (r) => r.isAlwaysReimbursement,
  maxCopaymentAmount: (r) => r.maxCopaymentAmount,
  validFrom: (r) => r.validFrom,
  validTo: (r) => r.validTo,
  historyKey: (r) => r.historyKey,
  isDeleted: (r) => r.isDeleted,
  certificationDetail: (r) => r.certificationDetail,
} as const satisfies Record<PmhFieldPath, (record: PmhRecord) => FieldValue>;

/** null → empty; booleans in the layout's style; objects and arrays as compact JSON. */
function cellText(value: FieldValue, booleans: CsvSettings['booleans']): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return booleans === 'one_zero' ? (value ? '1' : '0') : value ? 'true' : 'false';
  return JSON.stringify(value);
}

/** The CSV columns of `layout`, in output order. */
export function csvColumnsOf(layout: Pick<Layout, 'columns' | 'csv'>): LayoutColumn[] {
  const { booleans } = layout.csv;
  return layout.columns.map((column) => {
    const read: (record: PmhRecord) => FieldValue = fieldReaders[column.field];
    return { header: column.header, value: (record) => cellText(read(record), booleans) };
  });
}

/** The default layout's columns (config/layouts/pmh-v1.yaml): the file is the one source. */
export const pmhCsvColumns: readonly LayoutColumn[] = csvColumnsOf(loadLayout(DEFAULT_LAYOUT_PATH));
