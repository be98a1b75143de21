/**
 * The PMH medical-subsidy record, field for field as the Digital Agency's published
 * registration API schema orders it (see ../shared/pmh-domain.md). This is the one
 * declaration of the record; shaping produces it, validation checks it, writers serialise it.
 */

/** "0" unknown (always for programs that may not manage sex), "1" male, "2" female. */
export type PmhSex = '0' | '1' | '2';

export interface PmhBasicFiveInfo {
  name: string;
  nameKana: string;
  address: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  sex: PmhSex;
}

/** The inner fields are not public; the skeleton carries the monthly cap in yen. */
export interface PmhMaxCopaymentAmount {
  monthlyLimitYen: number;
}

/** One printed item of the certificate face. The inner fields are not public. */
export interface PmhCertificationDetailItem {
  itemName: string;
  value: string;
}

export interface PmhRecord {
  orgSpecificCertificateTypeId: string;
  myNumber: string;
  basicFiveInfo: PmhBasicFiveInfo;
  isNotDisclosed: boolean;
  medicalSubsidyInsurerNumber: string | null;
  certificationName: string;
  medicalSubsidyRecipientNumber: string | null;
  certificationSubKey: string | null;
  segment: string | null;
  incomeSegment: string | null;
  additionalConditions: string | null;
  designatedMedicalInstitutions: string | null;
  isAlwaysReimbursement: '0' | '1';
  maxCopaymentAmount: PmhMaxCopaymentAmount | null;
  /** YYYY-MM-DD */
  validFrom: string;
  /** YYYY-MM-DD */
  validTo: string;
  historyKey: string;
  isDeleted: boolean;
  certificationDetail: PmhCertificationDetailItem[];
}

/**
 * Where a record came from, so an operator can look it up in the business system.
 * Never contains personal data: only system keys.
 */
export interface SourceKey {
  /** 宛名番号 (resident number) */
  residentNo: string;
  /** The certificate's key in the subsidy system. */
  certificateId: string;
  programCode: string;
}

export interface KeyedRecord {
  record: PmhRecord;
  source: SourceKey;
}
