import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PmhRecord } from '../../bot/records/pmh-record.ts';
import { luhnCheckDigit } from '../../bot/records/check-digits.ts';
import { validateRecord } from '../../bot/records/validate-record.ts';
import type { RecordProblem } from '../../bot/records/record-problem.ts';
import { assertPublishedCheckDigits, luhnOf, testProgram, testRecord } from '../helpers/records.ts';

// Test people get check digits from the module under test: make sure it agrees with the
// published examples first.
before(() => assertPublishedCheckDigits());

/** A record that breaks the type on purpose, as one read back from a file might. */
function untyped(overrides: Record<string, unknown>): PmhRecord {
  return { ...testRecord(), ...overrides } as unknown as PmhRecord;
}

const codes = (problems: RecordProblem[]): string[] => problems.map((p) => `${p.code}@${p.field}`).sort();

function assertOnly(problems: RecordProblem[], expected: string[]): void {
  assert.deepEqual(codes(problems), [...expected].sort());
}

describe('validateRecord', () => {
  it('accepts a valid record', () => {
    assert.deepEqual(validateRecord(testRecord(), testProgram()), []);
  });

  it('accepts a record without any optional value', () => {
    const bare = testRecord({
      medicalSubsidyInsurerNumber: null,
      medicalSubsidyRecipientNumber: null,
      incomeSegment: null,
      maxCopaymentAmount: null,
    });
    assert.deepEqual(validateRecord(bare, testProgram({ recipient_number_check: true })), []);
  });
});

describe('validateRecord certificate type ID', () => {
  it('accepts up to 50 half-width letters and digits', () => {
    assert.deepEqual(validateRecord(testRecord({ orgSpecificCertificateTypeId: 'A'.repeat(50) }), testProgram()), []);
  });

  it('refuses 51 characters, a hyphen and full-width letters', () => {
    for (const id of ['A'.repeat(51), 'KODOMO-01', 'ＫＯＤＯＭＯ']) {
      assertOnly(validateRecord(testRecord({ orgSpecificCertificateTypeId: id }), testProgram()), [
        'CertificateTypeIdFormat@orgSpecificCertificateTypeId',
      ]);
    }
  });
});

describe('validateRecord My Number', () => {
  it('accepts the published valid example', () => {
    assert.deepEqual(validateRecord(testRecord({ myNumber: '123456789018' }), testProgram()), []);
  });

  it('reports MyNumberCheckDigit for 12 digits with a wrong check digit', () => {
    assertOnly(validateRecord(testRecord({ myNumber: '123456789019' }), testProgram()), ['MyNumberCheckDigit@myNumber']);
  });

  it('reports MyNumberFormat for 11 digits, 13 digits and full-width digits', () => {
    for (const myNumber of ['12345678901', '1234567890180', '１２３４５６７８９０１８']) {
      assertOnly(validateRecord(testRecord({ myNumber }), testProgram()), ['MyNumberFormat@myNumber']);
    }
  });
});

describe('validateRecord required values', () => {
  it('reports RequiredEmpty for empty and blank required strings', () => {
    const problems = validateRecord(
      testRecord({ historyKey: '', certificationName: '\u3000', myNumber: '' }, { name: '', nameKana: ' ', address: '' }),
      testProgram(),
    );
    assertOnly(problems, [
      'RequiredEmpty@historyKey',
      'RequiredEmpty@certificationName',
      'RequiredEmpty@myNumber',
      'RequiredEmpty@basicFiveInfo.name',
      'RequiredEmpty@basicFiveInfo.nameKana',
      'RequiredEmpty@basicFiveInfo.address',
    ]);
  });

  it('reports RequiredEmpty for an empty optional value: absent is null, not ""', () => {
    assertOnly(validateRecord(testRecord({ incomeSegment: '' }), testProgram()), ['RequiredEmpty@incomeSegment']);
  });
});

describe('validateRecord lengths in characters', () => {
  it('accepts a 100-character certificate name even when each character is two UTF-16 units', () => {
    const name = '𠮷'.repeat(100);
    assert.equal(name.length, 200);
    assert.deepEqual(validateRecord(testRecord({ certificationName: name }), testProgram()), []);
  });

  it('refuses a 101-character certificate name', () => {
    const problems = validateRecord(testRecord({ certificationName: 'あ'.repeat(101) }), testProgram());
    assertOnly(problems, ['TooLong@certificationName']);
    assert.match(problems[0]?.reason.en ?? '', /101 characters \(limit 100\)/);
  });

  it('accepts a 30-character recipient number and refuses 31 characters', () => {
    assert.deepEqual(validateRecord(testRecord({ medicalSubsidyRecipientNumber: '9'.repeat(30) }), testProgram()), []);
    assertOnly(validateRecord(testRecord({ medicalSubsidyRecipientNumber: '9'.repeat(31) }), testProgram()), [
      'TooLong@medicalSubsidyRecipientNumber',
    ]);
  });
});

describe('validateRecord dates', () => {
  it('accepts real calendar dates, 29 February of a leap year included', () => {
    const leap = testRecord({ validFrom: '2024-02-29', validTo: '2024-12-31' }, { dateOfBirth: '2000-02-29' });
    assert.deepEqual(validateRecord(leap, testProgram()), []);
  });

  it('reports DateInvalid for impossible dates and other notations', () => {
    for (const date of ['2025-02-30', '2023-02-29', '2025-13-01', '2025-04-00', '2025/04/01', '20250401', '2025-4-1', '２０２５-０４-０１']) {
      assertOnly(validateRecord(testRecord({ validFrom: date }), testProgram()), ['DateInvalid@validFrom']);
    }
    assertOnly(validateRecord(testRecord({ validTo: '2026-02-30' }), testProgram()), ['DateInvalid@validTo']);
    assertOnly(validateRecord(testRecord({}, { dateOfBirth: '2015-02-30' }), testProgram()), ['DateInvalid@basicFiveInfo.dateOfBirth']);
  });

  it('reports ValidityPeriodReversed when validFrom is after validTo, and accepts a one-day period', () => {
    assertOnly(validateRecord(testRecord({ validFrom: '2026-04-01', validTo: '2026-03-31' }), testProgram()), [
      'ValidityPeriodReversed@validFrom',
    ]);
    assert.deepEqual(validateRecord(testRecord({ validFrom: '2026-03-31', validTo: '2026-03-31' }), testProgram()), []);
  });

  it('reports BirthAfterValidTo, and accepts a birth after validFrom but not after validTo', () => {
    assertOnly(validateRecord(testRecord({}, { dateOfBirth: '2026-04-01' }), testProgram()), [
      'BirthAfterValidTo@basicFiveInfo.dateOfBirth',
    ]);
    assert.deepEqual(validateRecord(testRecord({}, { dateOfBirth: '2025-06-01' }), testProgram()), []);
    assert.deepEqual(validateRecord(testRecord({}, { dateOfBirth: '2026-03-31' }), testProgram()), []);
  });
});

describe('validateRecord sex', () => {
  it('accepts "0", "1" and "2"', () => {
    for (const sex of ['0', '1', '2'] as const) {
      assert.deepEqual(validateRecord(testRecord({}, { sex }), testProgram()), []);
    }
  });

  it('reports SexInvalid for anything else', () => {
    for (const sex of ['3', '', 'M', 1]) {
      const bad = untyped({ basicFiveInfo: { ...testRecord().basicFiveInfo, sex } });
      assertOnly(validateRecord(bad, testProgram()), ['SexInvalid@basicFiveInfo.sex']);
    }
  });

  it('reports SexMustBeUnknown for "1" or "2" in a program that may not manage sex, and accepts "0"', () => {
    const jiritsu = testProgram({ code: 'JIRITSU', sex_always_unknown: true });
    for (const sex of ['1', '2'] as const) {
      const problems = validateRecord(testRecord({}, { sex }), jiritsu);
      assertOnly(problems, ['SexMustBeUnknown@basicFiveInfo.sex']);
      assert.match(problems[0]?.reason.ja ?? '', /JIRITSU/);
    }
    assert.deepEqual(validateRecord(testRecord({}, { sex: '0' }), jiritsu), []);
  });
});

describe('validateRecord 公費負担者番号', () => {
  it('accepts the published valid numbers and no number at all', () => {
    for (const insurer of ['81136244', '88131248', '54016027', '88134457', null]) {
      assert.deepEqual(validateRecord(testRecord({ medicalSubsidyInsurerNumber: insurer }), testProgram()), [], String(insurer));
    }
  });

  it('reports InsurerNumberCheckDigit for 88134458, naming the number (a system code, not personal)', () => {
    const problems = validateRecord(testRecord({ medicalSubsidyInsurerNumber: '88134458' }), testProgram());
    assertOnly(problems, ['InsurerNumberCheckDigit@medicalSubsidyInsurerNumber']);
    assert.match(problems[0]?.reason.ja ?? '', /88134458/);
  });

  it('reports InsurerNumberFormat for 7 digits, 9 digits and full-width digits', () => {
    for (const insurer of ['8813124', '881312480', '８８１３１２４８']) {
      assertOnly(validateRecord(testRecord({ medicalSubsidyInsurerNumber: insurer }), testProgram()), [
        'InsurerNumberFormat@medicalSubsidyInsurerNumber',
      ]);
    }
  });
});

describe('validateRecord 公費受給者番号', () => {
  const national = testProgram({ code: 'SHOMAN', recipient_number_check: true });

  it('accepts 7 digits with a right check digit, or no number, when the program checks', () => {
    assert.deepEqual(validateRecord(testRecord({ medicalSubsidyRecipientNumber: luhnOf('654321') }), national), []);
    assert.deepEqual(validateRecord(testRecord({ medicalSubsidyRecipientNumber: null }), national), []);
  });

  it('reports RecipientNumberCheckDigit and RecipientNumberFormat when the program checks', () => {
    const wrong = luhnOf('654321').slice(0, 6) + String((luhnCheckDigit('654321') + 1) % 10);
    assertOnly(validateRecord(testRecord({ medicalSubsidyRecipientNumber: wrong }), national), [
      'RecipientNumberCheckDigit@medicalSubsidyRecipientNumber',
    ]);
    for (const number of ['123456', '12345678', 'A123456', '１２３４５６６']) {
      assertOnly(validateRecord(testRecord({ medicalSubsidyRecipientNumber: number }), national), [
        'RecipientNumberFormat@medicalSubsidyRecipientNumber',
      ]);
    }
  });

  it('accepts any number up to 30 characters when the program does not check', () => {
    assert.deepEqual(validateRecord(testRecord({ medicalSubsidyRecipientNumber: 'A-0012345' }), testProgram()), []);
  });
});

describe('validateRecord kana name', () => {
  it('accepts full-width katakana, ー, ヴ, ヶ and a space, full-width or half-width, between names', () => {
    for (const nameKana of ['ヤマダ\u3000タロウ', 'ヤマダ タロウ', 'ヴァン ゴッホ', 'ポール', 'ヶ', 'スミス ジョン ポール']) {
      assert.deepEqual(validateRecord(testRecord({}, { nameKana }), testProgram()), [], nameKana);
    }
  });

  it('reports KanaNotKatakana for hiragana, kanji, Latin, digits, half-width kana and punctuation', () => {
    for (const nameKana of ['やまだ たろう', '山田 太郎', 'YAMADA TARO', 'ヤマダ タロウ2', 'ﾔﾏﾀﾞ ﾀﾛｳ', 'ヤマダ・タロウ', 'ｶﾞ', 'カ\u3099']) {
      assertOnly(validateRecord(testRecord({}, { nameKana }), testProgram()), ['KanaNotKatakana@basicFiveInfo.nameKana']);
    }
  });
});

describe('validateRecord control characters', () => {
  it('reports ControlCharacter for CR, LF, TAB and other C0 characters in text fields', () => {
    const cases: Array<[PmhRecord, string]> = [
      [testRecord({}, { name: '山田\n花子' }), 'basicFiveInfo.name'],
      [testRecord({}, { address: '架空県\r\nみなと市' }), 'basicFiveInfo.address'],
      [testRecord({}, { nameKana: 'ヤマダ\tハナコ' }), 'basicFiveInfo.nameKana'],
      [testRecord({ certificationName: '子ども\u0000医療' }), 'certificationName'],
      [testRecord({ incomeSegment: '一般\u001B' }), 'incomeSegment'],
      [testRecord({ historyKey: 'C0001\r007' }), 'historyKey'],
      [testRecord({ certificationDetail: [{ itemName: '備考', value: '一行目\n二行目' }] }), 'certificationDetail[0].value'],
    ];
    for (const [bad, field] of cases) {
      assertOnly(validateRecord(bad, testProgram()), [`ControlCharacter@${field}`]);
    }
  });

  it('accepts ideographic spaces and other ordinary punctuation', () => {
    assert.deepEqual(validateRecord(testRecord({}, { name: '山田\u3000花子', address: '架空県, "みなと市"' }), testProgram()), []);
  });
});

describe('validateRecord flags, cap and face items (checked as data, not trusted to the type)', () => {
  it('reports NotBoolean for a non-boolean isNotDisclosed or isDeleted', () => {
    assertOnly(validateRecord(untyped({ isNotDisclosed: null }), testProgram()), ['NotBoolean@isNotDisclosed']);
    assertOnly(validateRecord(untyped({ isDeleted: 'false' }), testProgram()), ['NotBoolean@isDeleted']);
    assert.deepEqual(validateRecord(testRecord({ isNotDisclosed: true, isDeleted: true }), testProgram()), []);
  });

  it('reports ReimbursementFlagInvalid for anything but "0" or "1"', () => {
    assertOnly(validateRecord(untyped({ isAlwaysReimbursement: '2' }), testProgram()), [
      'ReimbursementFlagInvalid@isAlwaysReimbursement',
    ]);
    assert.deepEqual(validateRecord(testRecord({ isAlwaysReimbursement: '1' }), testProgram()), []);
  });

  it('reports CopayCapInvalid for a negative or fractional cap, and accepts 0', () => {
    for (const monthlyLimitYen of [-1, 1.5, Number.NaN]) {
      assertOnly(validateRecord(testRecord({ maxCopaymentAmount: { monthlyLimitYen } }), testProgram()), [
        'CopayCapInvalid@maxCopaymentAmount',
      ]);
    }
    assert.deepEqual(validateRecord(testRecord({ maxCopaymentAmount: { monthlyLimitYen: 0 } }), testProgram()), []);
  });

  it('reports CertificationDetailInvalid when the face items are not an array of name/value strings', () => {
    assertOnly(validateRecord(untyped({ certificationDetail: null }), testProgram()), [
      'CertificationDetailInvalid@certificationDetail',
    ]);
    assertOnly(validateRecord(untyped({ certificationDetail: [{ itemName: '有効期間', value: 1 }] }), testProgram()), [
      'CertificationDetailInvalid@certificationDetail[0]',
    ]);
    assert.deepEqual(validateRecord(testRecord({ certificationDetail: [] }), testProgram()), []);
  });
});

describe('validateRecord reasons', () => {
  it('never contain the personal values of the record, in Japanese or English', () => {
    const personal = {
      myNumber: '123456789019',
      name: '個人情報\t太郎',
      nameKana: 'こじんじょうほう',
      address: '秘密県秘密市\n1-2-3',
      dateOfBirth: '2099-12-31',
    };
    const bad = testRecord(
      { myNumber: personal.myNumber },
      { name: personal.name, nameKana: personal.nameKana, address: personal.address, dateOfBirth: personal.dateOfBirth },
    );
    const formatBad = testRecord({ myNumber: '9876543210' }, { dateOfBirth: '1999-02-30' });
    const problems = [...validateRecord(bad, testProgram()), ...validateRecord(formatBad, testProgram())];
    assert.ok(problems.length >= 7, `expected problems on every personal field, got ${codes(problems).join(', ')}`);
    const values = [...Object.values(personal), '9876543210', '1999-02-30', '個人情報', '秘密県'];
    for (const problem of problems) {
      for (const value of values) {
        assert.ok(!problem.reason.ja.includes(value), `${problem.code} ja reason contains a personal value`);
        assert.ok(!problem.reason.en.includes(value), `${problem.code} en reason contains a personal value`);
      }
      assert.doesNotMatch(problem.reason.ja, /\{\w+\}/, `${problem.code}: placeholder left unfilled`);
      assert.doesNotMatch(problem.reason.en, /\{\w+\}/, `${problem.code}: placeholder left unfilled`);
    }
  });

  it('reports every problem of a record, not just the first', () => {
    const bad = testRecord(
      { myNumber: '123456789019', validFrom: '2025-02-30', medicalSubsidyInsurerNumber: '88134458' },
      { nameKana: 'やまだ', sex: '1' },
    );
    assertOnly(validateRecord(bad, testProgram({ sex_always_unknown: true })), [
      'MyNumberCheckDigit@myNumber',
      'DateInvalid@validFrom',
      'InsurerNumberCheckDigit@medicalSubsidyInsurerNumber',
      'KanaNotKatakana@basicFiveInfo.nameKana',
      'SexMustBeUnknown@basicFiveInfo.sex',
    ]);
  });
});
