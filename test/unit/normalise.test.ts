/**
 * The value normalisers: what business systems and export files write (era dates,
 * full-width digits, 外字, thousands separators) read into canonical values, and what
 * cannot be read reported with a reason that never repeats the value.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnreadableValue, code, date, flag, integer, text } from '../../extractors/normalise.ts';

/** The reason a normaliser gives for an unreadable value; fails when the value is read. */
function reasonFor(read: (value: unknown, column: string) => unknown, value: unknown): { ja: string; en: string } {
  try {
    const result = read(value, 'col');
    assert.fail(`expected ${JSON.stringify(value)} to be unreadable, got ${JSON.stringify(result)}`);
  } catch (error) {
    if (!(error instanceof UnreadableValue)) throw error;
    assert.equal(error.column, 'col');
    return error.detail;
  }
}

describe('text()', () => {
  it('trims ASCII and ideographic padding and keeps the inside as it is', () => {
    assert.equal(text('　試験　太郎　 ', 'name'), '試験　太郎');
    assert.equal(text('ﾔﾏﾀﾞ ﾀﾛｳ  ', 'kana'), 'ﾔﾏﾀﾞ ﾀﾛｳ');
    assert.equal(text('   ', 'name'), null);
    assert.equal(text('', 'name'), null);
    assert.equal(text(null, 'name'), null);
    assert.equal(text(12, 'n'), '12');
  });

  it('holds back a value with a gaiji in the user-defined area, and says 外字', () => {
    const reason = reasonFor(text, '試験\uE000郎');
    assert.match(reason.ja, /外字/);
    assert.match(reason.en, /gaiji/);
    assert.match(reasonFor(text, '試験\uF8FF').ja, /外字/);
    assert.match(reasonFor(text, '試験\u{F0001}').ja, /外字/, 'supplementary private use planes too');
  });

  it('holds back a value with the 〓 mark a system writes in place of a gaiji', () => {
    assert.match(reasonFor(text, '架空県みなと市〓町1').ja, /外字/);
  });

  it('holds back a value with bytes the encoding could not decode, and says 文字化け', () => {
    const reason = reasonFor(text, '試験\uFFFD@');
    assert.match(reason.ja, /文字化け/);
    assert.match(reason.en, /garbled/);
  });

  it('still reads the characters around the private use area', () => {
    assert.equal(text('試験\uF900', 'name'), '試験\uF900', 'CJK compatibility ideographs follow the area');
    assert.equal(text('①㈱髙﨑', 'name'), '①㈱髙﨑', 'NEC and IBM extensions of CP932 are standard characters');
  });
});

describe('code()', () => {
  it('folds full-width ASCII to half-width for keys and number-like values', () => {
    assert.equal(code('１２３４５６７８９０１８', 'my_number'), '123456789018');
    assert.equal(code('Ａ１', 'resident_no'), 'A1');
    assert.equal(code('　０００１　', 'resident_no'), '0001', 'ideographic padding trimmed');
    assert.equal(code('８８１３１２４８', 'insurer_number'), '88131248');
    assert.equal(code('１', 'sex_code'), '1');
    assert.equal(code('', 'sex_code'), null);
    assert.equal(code(7, 'sex_code'), '7');
  });

  it('rejects what text() rejects', () => {
    assert.match(reasonFor(code, '１２\uFFFD').ja, /文字化け/);
    assert.match(reasonFor(code, 'A\uE000').ja, /外字/);
  });
});

describe('integer()', () => {
  it('reads digits, full-width digits and well-formed thousands separators', () => {
    assert.equal(integer('12000', 'cap'), 12000);
    assert.equal(integer('12,000', 'cap'), 12000);
    assert.equal(integer('1,234,567', 'cap'), 1234567);
    assert.equal(integer('１２，０００', 'cap'), 12000);
    assert.equal(integer('－５', 'cap'), -5);
    assert.equal(integer(' 200 ', 'cap'), 200);
    assert.equal(integer('0', 'cap'), 0);
    assert.equal(integer('-0', 'cap'), 0);
    assert.equal(integer(5, 'cap'), 5);
    assert.equal(integer(5n, 'cap'), 5);
    assert.equal(integer('', 'cap'), null);
  });

  it('refuses misplaced separators, decimals, currency signs and units', () => {
    for (const value of ['1,20', '12,00,0', ',120', '120,', '1,2345', '12.5', '12.0', '¥12,000', '￥12000', '12,000円', '1.2万', '+5', '1e3', '99999999999999999999']) {
      assert.match(reasonFor(integer, value).ja, /整数ではありません/, value);
    }
    assert.match(reasonFor(integer, 12.5).ja, /整数ではありません/);
  });
});

describe('flag()', () => {
  it('reads 1/0, true/false and full-width １/０', () => {
    assert.equal(flag('1', 'f'), true);
    assert.equal(flag('0', 'f'), false);
    assert.equal(flag('１', 'f'), true);
    assert.equal(flag('０', 'f'), false);
    assert.equal(flag('1 ', 'f'), true, 'fixed-width padding');
    assert.equal(flag(1, 'f'), true);
    assert.equal(flag(0n, 'f'), false);
    assert.equal(flag('TRUE', 'f'), true);
    assert.equal(flag(false, 'f'), false);
    assert.equal(flag(null, 'f'), null);
  });

  it('never reads anything else as false, an empty field included', () => {
    for (const value of ['', ' ', '2', 'yes', 'maybe', '〇', 2]) {
      assert.match(reasonFor(flag, value).ja, /フラグ/, String(value));
    }
  });
});

describe('date(): Gregorian forms', () => {
  it('reads ISO, slash, compact and kanji forms, with full-width digits', () => {
    const cases: [string, string][] = [
      ['2024-04-01', '2024-04-01'],
      ['2024/4/1', '2024-04-01'],
      ['2024/04/01', '2024-04-01'],
      ['20240401', '2024-04-01'],
      ['2024-04-01 00:00:00', '2024-04-01'],
      ['2024-04-01T00:00:00.000', '2024-04-01'],
      ['2024年4月1日', '2024-04-01'],
      ['2024年04月01日', '2024-04-01'],
      ['2024年 4月 1日', '2024-04-01'],
      ['２０２４年４月１日', '2024-04-01'],
      ['２０２４／０４／０１', '2024-04-01'],
      ['２０２４０４０１', '2024-04-01'],
      [' 2024-04-01　', '2024-04-01'],
    ];
    for (const [input, expected] of cases) assert.equal(date(input, 'd'), expected, input);
  });

  it('takes a driver Date as the calendar day written', () => {
    assert.equal(date(new Date(2024, 3, 1), 'd'), '2024-04-01');
    assert.equal(date('', 'd'), null);
    assert.equal(date(null, 'd'), null);
  });

  it('refuses non-existent days and ambiguous or malformed forms', () => {
    assert.match(reasonFor(date, '2024-02-30').ja, /存在しない日付/);
    assert.match(reasonFor(date, '2023年2月29日').ja, /存在しない日付/);
    for (const value of ['202404011', '202441', '2024-04/01', '24-04-01', '2024-04-01 12:00', 'April 1', '2024年4月']) {
      assert.match(reasonFor(date, value).ja, /日付ではありません/, value);
    }
  });
});

describe('date(): Japanese era forms', () => {
  it('reads letter forms with dots, slashes or hyphens, padded or not, any case', () => {
    const cases: [string, string][] = [
      ['R06.04.01', '2024-04-01'],
      ['R6.4.1', '2024-04-01'],
      ['R6/4/1', '2024-04-01'],
      ['R6-4-1', '2024-04-01'],
      ['r6.4.1', '2024-04-01'],
      ['Ｒ０６．０４．０１', '2024-04-01'],
      ['H31.4.30', '2019-04-30'],
      ['H1.1.8', '1989-01-08'],
      ['S64.1.7', '1989-01-07'],
      ['S1.12.25', '1926-12-25'],
      ['T15.12.24', '1926-12-24'],
      ['T1.7.30', '1912-07-30'],
      ['M45.7.29', '1912-07-29'],
      ['M1.1.25', '1868-01-25'],
      ['R1.5.1', '2019-05-01'],
      ['H12.2.29', '2000-02-29'],
    ];
    for (const [input, expected] of cases) assert.equal(date(input, 'd'), expected, input);
  });

  it('reads the 7-digit era-digit form of mainframe exports', () => {
    assert.equal(date('5060401', 'd'), '2024-04-01');
    assert.equal(date('4310430', 'd'), '2019-04-30');
    assert.equal(date('5010501', 'd'), '2019-05-01');
    assert.equal(date('3640107', 'd'), '1989-01-07');
    assert.equal(date('2151224', 'd'), '1926-12-24');
    assert.equal(date('1450729', 'd'), '1912-07-29');
    assert.equal(date('５０６０４０１', 'd'), '2024-04-01');
    assert.match(reasonFor(date, '6060401').ja, /日付ではありません/, 'no era has digit 6');
    assert.match(reasonFor(date, '0060401').ja, /日付ではありません/);
    assert.match(reasonFor(date, '2024111').ja, /存在しない日付/, 'seven digits are always the era form, never YYYYMDD');
  });

  it('reads kanji forms, 元年 as year 1', () => {
    const cases: [string, string][] = [
      ['令和6年4月1日', '2024-04-01'],
      ['令和06年04月01日', '2024-04-01'],
      ['令和 6年 4月 1日', '2024-04-01'],
      ['令和６年４月１日', '2024-04-01'],
      ['平成31年4月30日', '2019-04-30'],
      ['令和元年5月1日', '2019-05-01'],
      ['平成元年1月8日', '1989-01-08'],
      ['昭和64年1月7日', '1989-01-07'],
      ['大正15年12月24日', '1926-12-24'],
      ['明治45年7月29日', '1912-07-29'],
    ];
    for (const [input, expected] of cases) assert.equal(date(input, 'd'), expected, input);
  });

  it('refuses a date outside its era instead of moving it into the next one', () => {
    const outside: [string, RegExp][] = [
      ['H31.5.1', /平成の期間（1989-01-08〜2019-04-30）にない日付/],
      ['R1.4.30', /令和の期間/],
      ['S64.1.8', /昭和の期間/],
      ['H1.1.7', /平成の期間/],
      ['T15.12.25', /大正の期間/],
      ['T1.7.29', /大正の期間/],
      ['M45.7.30', /明治の期間/],
      ['M1.1.24', /明治の期間/],
      ['H32.1.1', /平成の期間/],
      ['R0.5.1', /令和の期間/],
      ['平成31年5月1日', /平成の期間/],
      ['令和元年4月30日', /令和の期間/],
      ['昭和64年1月8日', /昭和の期間/],
      ['4310501', /平成の期間/],
      ['5010430', /令和の期間/],
    ];
    for (const [input, pattern] of outside) {
      const reason = reasonFor(date, input);
      assert.match(reason.ja, pattern, input);
      assert.match(reason.en, /not within the/, input);
    }
  });

  it('refuses days the calendar does not have', () => {
    for (const value of ['R6.2.30', 'R5.2.29', '令和6年2月30日', '5060230', 'R6.13.1', 'H31.4.31']) {
      assert.match(reasonFor(date, value).ja, /存在しない日付/, value);
    }
  });

  it('refuses forms that only look like era dates', () => {
    for (const value of ['X6.4.1', 'R6.4/1', 'R6', 'R123.4.1', '令和6年4月', '令6年4月1日', '元年5月1日']) {
      assert.match(reasonFor(date, value).ja, /日付ではありません/, value);
    }
  });
});

describe('reasons', () => {
  it('never repeat the value they refuse', () => {
    const cases: [(value: unknown, column: string) => unknown, string][] = [
      [text, '試験\uE000郎'],
      [text, '架空県みなと市〓1'],
      [text, '試験\uFFFD'],
      [code, '１２\uFFFD'],
      [integer, '12,000円'],
      [integer, '1,20'],
      [flag, 'maybe'],
      [date, 'H31.5.1'],
      [date, '平成31年5月1日'],
      [date, '令和元年4月30日'],
      [date, 'R6.2.30'],
      [date, '2019-04-30x'],
      [date, '5060230'],
    ];
    for (const [read, value] of cases) {
      const reason = reasonFor(read, value);
      assert.ok(!reason.ja.includes(value) && !reason.en.includes(value), `${value} in "${reason.ja}" / "${reason.en}"`);
    }
  });
});
