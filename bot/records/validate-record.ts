/**
 * Checks one PMH record against the rules PMH states (shared/pmh-domain.md) before it is
 * written: PMH's own checks are not public, so the bot refuses what it can see is wrong.
 * Each rule has its own permanent code; a field with a control character or an empty
 * required value gets only that problem (its other checks would only repeat it).
 * The record is checked as data, not trusted to its type: it may come back from a file.
 */
import type { PmhRecord } from './pmh-record.ts';
import type { ProgramConfig } from '../../config/schema.ts';
import { isValidMyNumber, luhnCheckDigit } from './check-digits.ts';
import { recordProblem, type RecordProblem } from './record-problem.ts';

const certificateTypeIdLimit = 50;
const certificationNameLimit = 100;
const recipientNumberLimit = 30;

/** C0 controls (CR, LF, TAB...), DEL, C1 controls and the Unicode line/paragraph separators. */
const controlCharacter = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;

/**
 * Full-width katakana ァ-ヶ (with ヴ), the long-vowel mark ー, and a space, full-width
 * (U+3000) or half-width: shaping keeps the space the registry wrote between family and
 * given names (see halfWidthKanaToFullWidth in shape.ts).
 */
const katakanaName = /^[\u30A1-\u30F6\u30FC\u3000 ]+$/;

export function validateRecord(record: PmhRecord, program: ProgramConfig): RecordProblem[] {
  const problems: RecordProblem[] = [];
  const person = record.basicFiveInfo;

  const typeId = requiredText(record.orgSpecificCertificateTypeId, 'orgSpecificCertificateTypeId', problems);
  if (typeId !== null && (!/^[A-Za-z0-9]+$/.test(typeId) || typeId.length > certificateTypeIdLimit)) {
    problems.push(recordProblem('CertificateTypeIdFormat', 'orgSpecificCertificateTypeId', { limit: certificateTypeIdLimit }));
  }

  const myNumber = requiredText(record.myNumber, 'myNumber', problems);
  if (myNumber !== null) {
    if (!/^[0-9]{12}$/.test(myNumber)) problems.push(recordProblem('MyNumberFormat', 'myNumber'));
    else if (!isValidMyNumber(myNumber)) problems.push(recordProblem('MyNumberCheckDigit', 'myNumber'));
  }

  requiredText(person.name, 'basicFiveInfo.name', problems);
  const nameKana = requiredText(person.nameKana, 'basicFiveInfo.nameKana', problems);
  if (nameKana !== null && !katakanaName.test(nameKana)) {
    problems.push(recordProblem('KanaNotKatakana', 'basicFiveInfo.nameKana'));
  }
  requiredText(person.address, 'basicFiveInfo.address', problems);
  const dateOfBirth = requiredDate(person.dateOfBirth, 'basicFiveInfo.dateOfBirth', problems);

  const sex: unknown = person.sex;
  if (sex !== '0' && sex !== '1' && sex !== '2') {
    problems.push(recordProblem('SexInvalid', 'basicFiveInfo.sex'));
  } else if (program.sex_always_unknown && sex !== '0') {
    problems.push(recordProblem('SexMustBeUnknown', 'basicFiveInfo.sex', { programCode: program.code }));
  }

  requiredBoolean(record.isNotDisclosed, 'isNotDisclosed', problems);

  const insurerNumber = optionalText(record.medicalSubsidyInsurerNumber, 'medicalSubsidyInsurerNumber', problems);
  if (insurerNumber !== null) {
    if (!/^[0-9]{8}$/.test(insurerNumber)) {
      problems.push(recordProblem('InsurerNumberFormat', 'medicalSubsidyInsurerNumber'));
    } else if (!hasLuhnCheckDigit(insurerNumber)) {
      problems.push(recordProblem('InsurerNumberCheckDigit', 'medicalSubsidyInsurerNumber', { insurerNumber }));
    }
  }

  const certificationName = requiredText(record.certificationName, 'certificationName', problems);
  if (certificationName !== null) checkLength(certificationName, 'certificationName', certificationNameLimit, problems);

  const recipientNumber = optionalText(record.medicalSubsidyRecipientNumber, 'medicalSubsidyRecipientNumber', problems);
  if (recipientNumber !== null) {
    const field = 'medicalSubsidyRecipientNumber';
    checkLength(recipientNumber, field, recipientNumberLimit, problems);
    if (program.recipient_number_check) {
      if (!/^[0-9]{7}$/.test(recipientNumber)) {
        problems.push(recordProblem('RecipientNumberFormat', field, { programCode: program.code }));
      } else if (!hasLuhnCheckDigit(recipientNumber)) {
        problems.push(recordProblem('RecipientNumberCheckDigit', field, { programCode: program.code }));
      }
    }
  }

  optionalText(record.certificationSubKey, 'certificationSubKey', problems);
  optionalText(record.segment, 'segment', problems);
  optionalText(record.incomeSegment, 'incomeSegment', problems);
  optionalText(record.additionalConditions, 'additionalConditions', problems);
  optionalText(record.designatedMedicalInstitutions, 'designatedMedicalInstitutions', problems);

  const reimbursement: unknown = record.isAlwaysReimbursement;
  if (reimbursement !== '0' && reimbursement !== '1') {
    problems.push(recordProblem('ReimbursementFlagInvalid', 'isAlwaysReimbursement'));
  }

  checkCopayCap(record.maxCopaymentAmount, problems);

  const validFrom = requiredDate(record.validFrom, 'validFrom', problems);
  const validTo = requiredDate(record.validTo, 'validTo', problems);
  // Valid YYYY-MM-DD dates compare correctly as strings.
  if (validFrom !== null && validTo !== null && validFrom > validTo) {
    problems.push(recordProblem('ValidityPeriodReversed', 'validFrom'));
  }
  if (dateOfBirth !== null && validTo !== null && dateOfBirth > validTo) {
    problems.push(recordProblem('BirthAfterValidTo', 'basicFiveInfo.dateOfBirth'));
  }

  requiredText(record.historyKey, 'historyKey', problems);
  requiredBoolean(record.isDeleted, 'isDeleted', problems);
  checkCertificationDetail(record.certificationDetail, problems);

  return problems;
}

/** The text when it is a non-empty string without control characters; else reports and returns null. */
function requiredText(value: unknown, field: string, problems: RecordProblem[]): string | null {
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(recordProblem('RequiredEmpty', field));
    return null;
  }
  return withoutControlCharacters(value, field, problems);
}

/** Like requiredText, but null (absent) is fine. */
function optionalText(value: unknown, field: string, problems: RecordProblem[]): string | null {
  if (value === null) return null;
  return requiredText(value, field, problems);
}

function withoutControlCharacters(value: string, field: string, problems: RecordProblem[]): string | null {
  if (controlCharacter.test(value)) {
    problems.push(recordProblem('ControlCharacter', field));
    return null;
  }
  return value;
}

/** The date when it is a real calendar date written YYYY-MM-DD; else reports and returns null. */
function requiredDate(value: unknown, field: string, problems: RecordProblem[]): string | null {
  const text = requiredText(value, field, problems);
  if (text === null) return null;
  if (!isCalendarDate(text)) {
    problems.push(recordProblem('DateInvalid', field));
    return null;
  }
  return text;
}

function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one (leap years included).
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

function requiredBoolean(value: unknown, field: string, problems: RecordProblem[]): void {
  if (typeof value !== 'boolean') problems.push(recordProblem('NotBoolean', field));
}

/** Length in characters (code points), as a person counts them, not UTF-16 units or bytes. */
function checkLength(value: string, field: string, limit: number, problems: RecordProblem[]): void {
  const length = [...value].length;
  if (length > limit) problems.push(recordProblem('TooLong', field, { length, limit }));
}

function hasLuhnCheckDigit(digits: string): boolean {
  return luhnCheckDigit(digits.slice(0, -1)) === Number(digits.slice(-1));
}

function checkCopayCap(value: unknown, problems: RecordProblem[]): void {
  if (value === null) return;
  const limit = typeof value === 'object' ? (value as { monthlyLimitYen?: unknown }).monthlyLimitYen : undefined;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0) {
    problems.push(recordProblem('CopayCapInvalid', 'maxCopaymentAmount'));
  }
}

function checkCertificationDetail(value: unknown, problems: RecordProblem[]): void {
  if (!Array.isArray(value)) {
    problems.push(recordProblem('CertificationDetailInvalid', 'certificationDetail'));
    return;
  }
  value.forEach((item: unknown, index) => {
    const entry = typeof item === 'object' && item !== null ? (item as { itemName?: unknown; value?: unknown }) : null;
    if (entry === null || typeof entry.itemName !== 'string' || typeof entry.value !== 'string') {
      problems.push(recordProblem('CertificationDetailInvalid', `certificationDetail[${index}]`));
      return;
    }
    withoutControlCharacters(entry.itemName, `certificationDetail[${index}].itemName`, problems);
    withoutControlCharacters(entry.value, `certificationDetail[${index}].value`, problems);
  });
}
