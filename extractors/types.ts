import type { Bilingual } from '../core/i18n.ts';

/**
 * The canonical rows extractors produce. They know nothing of PMH: these are the
 * municipality's facts, normalised (dates as YYYY-MM-DD strings, trimmed text, nulls kept).
 */

/** One certificate (one history entry) from the subsidy system. */
export interface CertificateRow {
  residentNo: string;
  certificateId: string;
  programCode: string;
  historyNo: number;
  /** 公費負担者番号 */
  insurerNumber: string | null;
  /** 公費受給者番号 */
  recipientNumber: string | null;
  /** YYYY-MM-DD */
  validFrom: string | null;
  /** YYYY-MM-DD */
  validTo: string | null;
  incomeSegment: string | null;
  /** 自己負担上限額 (monthly, yen) */
  copayCapYen: number | null;
  alwaysReimburse: boolean | null;
}

/** 基本5情報 and My Number from the resident registry. */
export interface PersonRow {
  residentNo: string;
  myNumber: string | null;
  name: string | null;
  nameKana: string | null;
  address: string | null;
  /** YYYY-MM-DD */
  dateOfBirth: string | null;
  /** As the registry codes it (the program's sex table maps it). */
  sexCode: string | null;
}

/** A resident listed in the support-measure register (支援措置). */
export interface SupportMeasureRow {
  residentNo: string;
  /** null means the register could not say: an error, never "not protected". */
  isNotDisclosed: boolean | null;
}

/** A certificate with what the other systems hold about its person. */
export interface JoinedRow {
  certificate: CertificateRow;
  /** null when the person is missing from the registry (a business error for that record). */
  person: PersonRow | null;
  /**
   * true/false from the register; null when the register row said nothing usable.
   * A resident absent from a register that was read completely is not under a measure.
   */
  isNotDisclosed: boolean | null;
  /** Values a source returned that could not be read (the record must not be sent). */
  readProblems: ReadProblem[];
  /** The registry returned this resident number more than once: the person is ambiguous. */
  personDuplicated: boolean;
}

/** A value that could not be read, named by where an operator finds it. Never the value itself. */
export interface ReadProblem {
  source: string;
  query: string;
  /** 1-based row number in the query's result. */
  row: number;
  column: string;
  detail: Bilingual;
}
