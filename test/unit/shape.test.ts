import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CertificateRow, JoinedRow, PersonRow } from '../../extractors/types.ts';
import { historyKeyOf, shapeRecord, type ShapeResult } from '../../bot/records/shape.ts';
import type { PmhRecord } from '../../bot/records/pmh-record.ts';
import type { RecordProblem } from '../../bot/records/record-problem.ts';
import { assertPublishedCheckDigits, luhnOf, myNumberOf, TEST_PERSON, testProgram } from '../helpers/records.ts';

// Test people get check digits from the module under test: make sure it agrees with the
// published examples first.
before(() => assertPublishedCheckDigits());

function person(overrides: Partial<PersonRow> = {}): PersonRow {
  return {
    residentNo: 'R0001',
    myNumber: myNumberOf('98765432109'),
    ...TEST_PERSON,
    sexCode: '2',
    ...overrides,
  };
}

function certificate(overrides: Partial<CertificateRow> = {}): CertificateRow {
  return {
    residentNo: 'R0001',
    certificateId: 'C0001',
    programCode: 'KODOMO',
    historyNo: 7,
    insurerNumber: luhnOf('8813124'),
    recipientNumber: luhnOf('123456'),
    validFrom: '2025-04-01',
    validTo: '2026-03-31',
    incomeSegment: 'A',
    copayCapYen: 10000,
    alwaysReimburse: false,
    ...overrides,
  };
}

function row(overrides: Partial<JoinedRow> = {}): JoinedRow {
  return {
    certificate: certificate(),
    person: person(),
    isNotDisclosed: false,
    readProblems: [],
    personDuplicated: false,
    ...overrides,
  };
}

function shaped(result: ShapeResult): PmhRecord {
  if (!result.ok) assert.fail(`expected a record, got ${result.problems.map((p) => p.code).join(', ')}`);
  return result.record;
}

function problemsOf(result: ShapeResult): RecordProblem[] {
  if (result.ok) assert.fail('expected problems, got a record');
  return result.problems;
}

const codesAndFields = (problems: RecordProblem[]): string[] => problems.map((p) => `${p.code}@${p.field}`).sort();

describe('shapeRecord maps a full row field by field', () => {
  it('produces exactly the PMH record the row and program describe', () => {
    const result = shapeRecord(
      row({ isNotDisclosed: true }),
      testProgram({ income_segments: { A: '一般' } }),
    );
    const expected: PmhRecord = {
      orgSpecificCertificateTypeId: 'KODOMO01',
      myNumber: myNumberOf('98765432109'),
      basicFiveInfo: {
        name: '山田 花子',
        nameKana: 'ヤマダ ハナコ',
        address: '架空県みなと市中央1丁目2番3号',
        dateOfBirth: '2015-04-01',
        sex: '2',
      },
      isNotDisclosed: true,
      medicalSubsidyInsurerNumber: '88131248',
      certificationName: '子ども医療費受給者証',
      medicalSubsidyRecipientNumber: '1234566',
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
      certificationDetail: [
        { itemName: '受給者証名', value: '子ども医療費受給者証' },
        { itemName: '公費負担者番号', value: '88131248' },
        { itemName: '公費受給者番号', value: '1234566' },
        { itemName: '有効期間', value: '2025-04-01～2026-03-31' },
        { itemName: '所得区分', value: '一般' },
        { itemName: '自己負担上限額（月額）', value: '10,000円' },
      ],
    };
    assert.deepEqual(shaped(result), expected);
  });

  it('keys the result with the resident number, certificate ID and program code', () => {
    const result = shapeRecord(row(), testProgram());
    assert.deepEqual(result.source, { residentNo: 'R0001', certificateId: 'C0001', programCode: 'KODOMO' });
    const failed = shapeRecord(row({ person: null }), testProgram());
    assert.deepEqual(failed.source, { residentNo: 'R0001', certificateId: 'C0001', programCode: 'KODOMO' });
  });

  it('passes isNotDisclosed false through as false', () => {
    assert.equal(shaped(shapeRecord(row({ isNotDisclosed: false }), testProgram())).isNotDisclosed, false);
  });

  it('writes isAlwaysReimbursement "1" when the certificate always reimburses', () => {
    const record = shaped(shapeRecord(row({ certificate: certificate({ alwaysReimburse: true }) }), testProgram()));
    assert.equal(record.isAlwaysReimbursement, '1');
  });

  it('passes an unmapped income segment code through and keeps a null one null', () => {
    const mapped = testProgram({ income_segments: { A: '一般' } });
    const unmapped = shaped(shapeRecord(row({ certificate: certificate({ incomeSegment: 'Z9' }) }), mapped));
    assert.equal(unmapped.incomeSegment, 'Z9');
    const none = shaped(shapeRecord(row({ certificate: certificate({ incomeSegment: null }) }), mapped));
    assert.equal(none.incomeSegment, null);
  });

  it('does not take an inherited property name for an income segment mapping', () => {
    const record = shaped(shapeRecord(row({ certificate: certificate({ incomeSegment: 'toString' }) }), testProgram()));
    assert.equal(record.incomeSegment, 'toString');
  });

  it('sends no co-payment cap when the certificate has none', () => {
    const record = shaped(shapeRecord(row({ certificate: certificate({ copayCapYen: null }) }), testProgram()));
    assert.equal(record.maxCopaymentAmount, null);
  });

  it('trims surrounding whitespace, including the ideographic space, and keeps inner spaces', () => {
    const record = shaped(
      shapeRecord(
        row({
          person: person({ name: '\u3000山田\u3000花子 ', address: ' 架空県みなと市\u3000', myNumber: ` ${myNumberOf('98765432109')}\u3000` }),
          certificate: certificate({ insurerNumber: '\u300088131248 ', incomeSegment: '\u3000' }),
        }),
        testProgram(),
      ),
    );
    assert.equal(record.basicFiveInfo.name, '山田\u3000花子');
    assert.equal(record.basicFiveInfo.address, '架空県みなと市');
    assert.equal(record.myNumber, myNumberOf('98765432109'));
    assert.equal(record.medicalSubsidyInsurerNumber, '88131248');
    assert.equal(record.incomeSegment, null, 'a blank optional value is absent');
  });

  it('passes values as they are otherwise (full-width digits are left for validation to catch)', () => {
    const record = shaped(shapeRecord(row({ person: person({ myNumber: '１２３４５６７８９０１８' }) }), testProgram()));
    assert.equal(record.myNumber, '１２３４５６７８９０１８');
  });
});

describe('shapeRecord sex rule', () => {
  for (const sexCode of ['1', '2', null, 'X']) {
    it(`sends "0" for a program that may not manage sex even when the registry says ${String(sexCode)}`, () => {
      const record = shaped(shapeRecord(row({ person: person({ sexCode }) }), testProgram({ sex_always_unknown: true })));
      assert.equal(record.basicFiveInfo.sex, '0');
    });
  }

  it('maps the registry code through the program sex table', () => {
    const table = testProgram({ sex_codes: { M: '1', F: '2', U: '0' } });
    assert.equal(shaped(shapeRecord(row({ person: person({ sexCode: 'M' }) }), table)).basicFiveInfo.sex, '1');
    assert.equal(shaped(shapeRecord(row({ person: person({ sexCode: 'F' }) }), table)).basicFiveInfo.sex, '2');
    assert.equal(shaped(shapeRecord(row({ person: person({ sexCode: 'U' }) }), table)).basicFiveInfo.sex, '0');
  });

  it('reports SexCodeUnmapped for a code not in the table, and for a null code', () => {
    const table = testProgram({ sex_codes: { M: '1', F: '2' } });
    for (const sexCode of ['1', null, 'constructor']) {
      const problems = problemsOf(shapeRecord(row({ person: person({ sexCode }) }), table));
      assert.deepEqual(codesAndFields(problems), ['SexCodeUnmapped@basicFiveInfo.sex'], String(sexCode));
    }
  });
});

describe('shapeRecord reports what the source lacks', () => {
  it('reports PersonMissing, naming the resident number, when the person is not in the registry', () => {
    const problems = problemsOf(shapeRecord(row({ person: null }), testProgram()));
    assert.deepEqual(codesAndFields(problems), ['PersonMissing@person']);
    assert.match(problems[0]?.reason.ja ?? '', /R0001/);
    assert.match(problems[0]?.reason.en ?? '', /R0001/);
  });

  it('reports DisclosureFlagMissing for a null flag, never taking it as false', () => {
    const problems = problemsOf(shapeRecord(row({ isNotDisclosed: null }), testProgram()));
    assert.deepEqual(codesAndFields(problems), ['DisclosureFlagMissing@isNotDisclosed']);
  });

  it('reports RequiredMissing for a null always-reimbursement flag', () => {
    const problems = problemsOf(shapeRecord(row({ certificate: certificate({ alwaysReimburse: null }) }), testProgram()));
    assert.deepEqual(codesAndFields(problems), ['RequiredMissing@isAlwaysReimbursement']);
  });

  it('reports every missing required value of a row at once', () => {
    const result = shapeRecord(
      row({
        person: person({ myNumber: null, name: null, nameKana: null, address: '  ', dateOfBirth: null, sexCode: null }),
        certificate: certificate({ validFrom: null, validTo: null, alwaysReimburse: null }),
        isNotDisclosed: null,
      }),
      testProgram(),
    );
    assert.deepEqual(
      codesAndFields(problemsOf(result)),
      [
        'DisclosureFlagMissing@isNotDisclosed',
        'RequiredMissing@basicFiveInfo.address',
        'RequiredMissing@basicFiveInfo.dateOfBirth',
        'RequiredMissing@basicFiveInfo.name',
        'RequiredMissing@basicFiveInfo.nameKana',
        'RequiredMissing@isAlwaysReimbursement',
        'RequiredMissing@myNumber',
        'RequiredMissing@validFrom',
        'RequiredMissing@validTo',
        'SexCodeUnmapped@basicFiveInfo.sex',
      ],
    );
  });

  it('reports a missing person together with the certificate problems of the same row', () => {
    const result = shapeRecord(
      row({ person: null, isNotDisclosed: null, certificate: certificate({ validTo: null }) }),
      testProgram(),
    );
    assert.deepEqual(codesAndFields(problemsOf(result)), [
      'DisclosureFlagMissing@isNotDisclosed',
      'PersonMissing@person',
      'RequiredMissing@validTo',
    ]);
  });

  it('gives every problem a Japanese and an English reason', () => {
    const problems = problemsOf(shapeRecord(row({ person: person({ name: null }), isNotDisclosed: null }), testProgram()));
    for (const problem of problems) {
      assert.ok(problem.reason.ja.length > 0 && problem.reason.en.length > 0, problem.code);
      assert.doesNotMatch(problem.reason.ja, /\{\w+\}/, 'no placeholder left unfilled');
      assert.doesNotMatch(problem.reason.en, /\{\w+\}/, 'no placeholder left unfilled');
    }
  });
});

describe('shapeRecord normalises half-width katakana in the kana name', () => {
  const kanaOf = (nameKana: string): string =>
    shaped(shapeRecord(row({ person: person({ nameKana }) }), testProgram())).basicFiveInfo.nameKana;

  it('turns ﾔﾏﾀﾞ ﾀﾛｳ into ヤマダ タロウ, composing the voiced mark and keeping the space as it is', () => {
    assert.equal(kanaOf('ﾔﾏﾀﾞ ﾀﾛｳ'), 'ヤマダ タロウ');
    assert.equal(kanaOf('ﾔﾏﾀﾞ\u3000ﾀﾛｳ'), 'ヤマダ\u3000タロウ');
  });

  it('composes semi-voiced marks and the long-vowel mark', () => {
    assert.equal(kanaOf('ﾎﾟｰﾙ'), 'ポール');
  });

  it('composes a half-width voiced mark written after a full-width kana', () => {
    assert.equal(kanaOf('カﾞ'), 'ガ');
  });

  it('leaves characters outside the half-width kana range alone (full-width digits, Latin, hiragana)', () => {
    assert.equal(kanaOf('ﾔﾏﾀﾞ １Ａ やまだ'), 'ヤマダ １Ａ やまだ');
  });

  it('does not normalise other fields', () => {
    const record = shaped(shapeRecord(row({ person: person({ name: 'ﾔﾏﾀﾞ', address: 'ﾄｳｷｮｳ' }) }), testProgram()));
    assert.equal(record.basicFiveInfo.name, 'ﾔﾏﾀﾞ');
    assert.equal(record.basicFiveInfo.address, 'ﾄｳｷｮｳ');
  });
});

describe('shapeRecord certificate face items', () => {
  const detailOf = (overrides: Partial<CertificateRow>, config = testProgram()): PmhRecord['certificationDetail'] =>
    shaped(shapeRecord(row({ certificate: certificate(overrides) }), config)).certificationDetail;

  it('leaves out the recipient number, income segment and cap when the certificate has none', () => {
    assert.deepEqual(detailOf({ recipientNumber: null, incomeSegment: null, copayCapYen: null }), [
      { itemName: '受給者証名', value: '子ども医療費受給者証' },
      { itemName: '公費負担者番号', value: '88131248' },
      { itemName: '有効期間', value: '2025-04-01～2026-03-31' },
    ]);
  });

  it('leaves out the insurer number when the certificate has none', () => {
    const names = detailOf({ insurerNumber: null }).map((item) => item.itemName);
    assert.deepEqual(names, ['受給者証名', '公費受給者番号', '有効期間', '所得区分', '自己負担上限額（月額）']);
  });

  it('prints the income segment as mapped, and the cap with thousands separators and 円', () => {
    const detail = detailOf({ incomeSegment: 'A', copayCapYen: 1234567 }, testProgram({ income_segments: { A: '一般' } }));
    assert.deepEqual(detail.slice(-2), [
      { itemName: '所得区分', value: '一般' },
      { itemName: '自己負担上限額（月額）', value: '1,234,567円' },
    ]);
    assert.equal(detailOf({ copayCapYen: 0 }).at(-1)?.value, '0円');
  });

  it('uses the certificate name of the program, not of the source', () => {
    const detail = detailOf({}, testProgram({ certificate_name: 'ひとり親家庭等医療証' }));
    assert.deepEqual(detail[0], { itemName: '受給者証名', value: 'ひとり親家庭等医療証' });
  });
});

describe('historyKeyOf', () => {
  it('joins the certificate ID and the history number zero-padded to 3 digits', () => {
    assert.equal(historyKeyOf(certificate({ certificateId: 'C0001', historyNo: 7 })), 'C0001-007');
    assert.equal(historyKeyOf(certificate({ certificateId: 'X-9', historyNo: 0 })), 'X-9-000');
    assert.equal(historyKeyOf(certificate({ certificateId: 'C0001', historyNo: 123 })), 'C0001-123');
    assert.equal(historyKeyOf(certificate({ certificateId: 'C0001', historyNo: 1234 })), 'C0001-1234');
  });
});
