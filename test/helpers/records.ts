/**
 * Shared fixture builders for the unit tests: one fictional test person, a program
 * config and a full PMH record, with check digits computed by the module under test.
 * All personal values are fictional (the fake municipality 架空県みなと市).
 */
import assert from 'node:assert/strict';
import type { ProgramConfig } from '../../config/schema.ts';
import type { PmhBasicFiveInfo, PmhRecord } from '../../bot/records/pmh-record.ts';
import { isValidInsurerNumber, isValidMyNumber, luhnCheckDigit, myNumberCheckDigit } from '../../bot/records/check-digits.ts';

/**
 * Test people get check digits from the module under test: call this from a `before()`
 * hook so it agrees with the published examples first.
 */
export function assertPublishedCheckDigits(): void {
  assert.equal(isValidMyNumber('123456789018'), true);
  assert.equal(isValidMyNumber('123456789019'), false);
  assert.equal(isValidInsurerNumber('81136244'), true);
  assert.equal(isValidInsurerNumber('88134458'), false);
}

/** An 11-digit body with its My Number check digit appended. */
export const myNumberOf = (body: string): string => `${body}${myNumberCheckDigit(body)}`;

/** A body with its Luhn (公費負担者番号 / 公費受給者番号) check digit appended. */
export const luhnOf = (body: string): string => `${body}${luhnCheckDigit(body)}`;

/** The fictional test person's name, kana name, address and date of birth. */
export const TEST_PERSON: Readonly<Pick<PmhBasicFiveInfo, 'name' | 'nameKana' | 'address' | 'dateOfBirth'>> = {
  name: '山田 花子',
  nameKana: 'ヤマダ ハナコ',
  address: '架空県みなと市中央1丁目2番3号',
  dateOfBirth: '2015-04-01',
};

/** The KODOMO program as the tests configure it; overrides replace top-level keys. */
export function testProgram(overrides: Partial<ProgramConfig> = {}): ProgramConfig {
  return {
    code: 'KODOMO',
    certificate_type_id: 'KODOMO01',
    certificate_name: '子ども医療費受給者証',
    sql: 'sql/kodomo.sql',
    sex_always_unknown: false,
    recipient_number_check: false,
    sex_codes: { '1': '1', '2': '2' },
    income_segments: {},
    ...overrides,
  };
}

/**
 * A valid KODOMO PMH record for the test person, a fresh object on every call.
 * `overrides` replace top-level fields (a `basicFiveInfo` override replaces the whole
 * object); `personOverrides` replace fields of the default basicFiveInfo.
 */
export function testRecord(
  overrides: Partial<PmhRecord> = {},
  personOverrides: Partial<PmhRecord['basicFiveInfo']> = {},
): PmhRecord {
  return {
    orgSpecificCertificateTypeId: 'KODOMO01',
    myNumber: myNumberOf('98765432109'),
    basicFiveInfo: {
      ...TEST_PERSON,
      sex: '2',
      ...personOverrides,
    },
    isNotDisclosed: false,
    medicalSubsidyInsurerNumber: '88131248',
    certificationName: '子ども医療費受給者証',
    medicalSubsidyRecipientNumber: luhnOf('123456'),
    certificationSubKey: null,
    segment: null,
    incomeSegment: '一般',
    additionalConditions: null,
    designatedMedicalInstitutions: null,
    isAlwaysReimbursement: '0',
    maxCopaymentAmount: { monthlyLimitYen: 10000 },
    validFrom: '2025-04-01',
    validTo: '2026-03-31',
    historyKey: 'C0001-007',
    isDeleted: false,
    certificationDetail: [{ itemName: '受給者証名', value: '子ども医療費受給者証' }],
    ...overrides,
  };
}
