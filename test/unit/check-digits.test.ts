import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isValidInsurerNumber,
  isValidMyNumber,
  isValidNationalRecipientNumber,
  luhnCheckDigit,
  myNumberCheckDigit,
} from '../../bot/records/check-digits.ts';

describe('公費負担者番号 (Luhn) against the published examples', () => {
  it('accepts the published valid numbers 81136244, 88131248, 54016027', () => {
    for (const number of ['81136244', '88131248', '54016027']) {
      assert.equal(isValidInsurerNumber(number), true, number);
    }
  });

  it('rejects 88134458, issued by mistake, and accepts its correction 88134457', () => {
    assert.equal(isValidInsurerNumber('88134458'), false);
    assert.equal(isValidInsurerNumber('88134457'), true);
  });

  it('computes the published check digits from the 7 body digits', () => {
    assert.equal(luhnCheckDigit('8113624'), 4);
    assert.equal(luhnCheckDigit('8813124'), 8);
    assert.equal(luhnCheckDigit('5401602'), 7);
    assert.equal(luhnCheckDigit('8813445'), 7);
  });

  it('gives 0, not 10, when the weighted sum is a multiple of 10', () => {
    // 5 → 5×2 = 10 → 1+0 = 1; 9 → 9×1 = 9; sum 10.
    assert.equal(luhnCheckDigit('95'), 0);
  });

  it('rejects full-width digits and wrong lengths', () => {
    assert.equal(isValidInsurerNumber('８１１３６２４４'), false);
    assert.equal(isValidInsurerNumber('8113624'), false);
    assert.equal(isValidInsurerNumber('811362440'), false);
    assert.equal(isValidInsurerNumber(''), false);
    assert.equal(isValidInsurerNumber('8113624a'), false);
  });
});

describe('公費受給者番号 of national programs (7 digits, Luhn over 6)', () => {
  it('accepts a number whose last digit is the Luhn digit of the first six', () => {
    const body = '123456';
    const valid = `${body}${luhnCheckDigit(body)}`;
    assert.equal(valid, '1234566');
    assert.equal(isValidNationalRecipientNumber(valid), true);
  });

  it('rejects a wrong check digit, full-width digits and wrong lengths', () => {
    assert.equal(isValidNationalRecipientNumber('1234567'), false);
    assert.equal(isValidNationalRecipientNumber('１２３４５６６'), false);
    assert.equal(isValidNationalRecipientNumber('123456'), false);
    assert.equal(isValidNationalRecipientNumber('12345666'), false);
  });
});

describe('個人番号 check digit against the published examples', () => {
  it('accepts 123456789018 and rejects 123456789019', () => {
    assert.equal(isValidMyNumber('123456789018'), true);
    assert.equal(isValidMyNumber('123456789019'), false);
  });

  it('computes the check digit 8 for the body 12345678901', () => {
    assert.equal(myNumberCheckDigit('12345678901'), 8);
  });

  it('gives 0 when the remainder is 0 or 1', () => {
    assert.equal(myNumberCheckDigit('00000000000'), 0); // r = 0
    // 1 × weight 6 (first) + 1 × weight 6 (seventh) = 12, 12 mod 11 = 1
    assert.equal(myNumberCheckDigit('10000010000'), 0);
    // weight 2 alone: r = 2 → 9 (the rule is not simply "r")
    assert.equal(myNumberCheckDigit('00001000000'), 9);
  });

  it('rejects full-width digits and wrong lengths', () => {
    assert.equal(isValidMyNumber('１２３４５６７８９０１８'), false);
    assert.equal(isValidMyNumber('12345678901'), false);
    assert.equal(isValidMyNumber('1234567890180'), false);
    assert.equal(isValidMyNumber('1234 5678 9018'), false);
  });

  it('refuses to compute a check digit from a body that is not digits', () => {
    assert.throws(() => myNumberCheckDigit('1234567890'), RangeError);
    assert.throws(() => luhnCheckDigit('８１１'), RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Generated numbers: "every single-digit change and adjacent swap of a valid number is caught
// where the algorithm can catch it".
//
// The expectations below come from an independent, deliberately plain implementation of the
// rules as shared/pmh-domain.md words them (not from the module), so the module cannot grade
// its own homework. What the rules can and cannot catch:
//
// Luhn (公費負担者番号, national 公費受給者番号). Read over the whole number, a valid number is one
//   whose weighted digit sum is ≡ 0 (mod 10), the check digit carrying weight 1 and the digits
//   to its left 2, 1, 2, ... . Doubling-and-adding-digits is a permutation of 0..9, so every
//   single-digit change moves the sum: all are caught. Swapping adjacent digits a ≠ b moves the
//   sum by (g(a) − a) − (g(b) − b), g(x) the digit sum of 2x; g(x) − x is 0,1,2,3,4,−4,−3,−2,−1,0
//   for x = 0..9, so only {a, b} = {0, 9} leaves it unchanged. That holds for every adjacent pair,
//   including the last body digit and the check digit (e.g. 109 ↔ 190): a 09 ↔ 90 swap always
//   slips through, every other swap is always caught.
//
// 個人番号 (mod 11). Every weight is 2..7 and 11 is prime, so changing one body digit by d ≠ 0
//   always moves r = Σ P×Q mod 11 (w×d ≢ 0). The check digit (0 when r ≤ 1, else 11 − r) still
//   collapses r = 0 and r = 1 onto 0, so a body change escapes exactly when it moves r from 0 to
//   1 or from 1 to 0. A change of the check digit itself is always caught. Swapping adjacent body
//   digits moves r by (Qi − Qi+1)(b − a) with weight differences 1 or −5, never ≡ 0: the same
//   0 ↔ 1 collapse is the only way through. Swapping the last body digit with the check digit
//   changes both sides; whether the result is valid is left to the independent implementation.
// ---------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so the generated numbers are the same on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomDigits(random: () => number, length: number): string {
  let digits = '';
  for (let i = 0; i < length; i++) digits += String(Math.floor(random() * 10));
  return digits;
}

const digitsOnly = /^[0-9]+$/;

/** Independent Luhn, straight from the domain text. */
const reference = {
  luhnCheckDigit(body: string): number {
    const digits = body.split('').map(Number);
    let sum = 0;
    // "starting from the rightmost, multiply by 2, 1, 2, 1, ...; add the digits of each product"
    digits.reverse().forEach((digit, fromRight) => {
      const product = digit * (fromRight % 2 === 0 ? 2 : 1);
      sum += String(product)
        .split('')
        .reduce((total, d) => total + Number(d), 0);
    });
    // "10 − (sum mod 10), or 0 when sum mod 10 is 0"
    return sum % 10 === 0 ? 0 : 10 - (sum % 10);
  },

  isValidLuhn(value: string, length: number): boolean {
    if (value.length !== length || !digitsOnly.test(value)) return false;
    return this.luhnCheckDigit(value.slice(0, -1)) === Number(value.slice(-1));
  },

  /**
   * r = (Σ Pn × Qn) mod 11, P1..P11 the body digits read from the right,
   * Qn = n + 1 for n ≤ 6 and n − 5 for n ≥ 7.
   */
  myNumberRemainder(body: string): number {
    assert.equal(body.length, 11);
    let sum = 0;
    for (let n = 1; n <= 11; n++) {
      const p = Number(body.charAt(11 - n));
      const q = n <= 6 ? n + 1 : n - 5;
      sum += p * q;
    }
    return sum % 11;
  },

  myNumberCheckDigit(body: string): number {
    const r = this.myNumberRemainder(body);
    return r <= 1 ? 0 : 11 - r;
  },

  isValidMyNumber(value: string): boolean {
    if (value.length !== 12 || !digitsOnly.test(value)) return false;
    return this.myNumberCheckDigit(value.slice(0, 11)) === Number(value.slice(11));
  },
};

/**
 * The published examples, through both implementations. Every generator calls this first, so no
 * number is generated with the module's functions unless they reproduce the published examples.
 */
function assertPublishedExamples(): void {
  for (const valid of ['81136244', '88131248', '54016027']) {
    assert.equal(isValidInsurerNumber(valid), true, valid);
    assert.equal(reference.isValidLuhn(valid, 8), true, valid);
  }
  assert.equal(isValidInsurerNumber('88134458'), false);
  assert.equal(reference.isValidLuhn('88134458', 8), false);
  assert.equal(isValidInsurerNumber('88134457'), true);
  assert.equal(reference.isValidLuhn('88134457', 8), true);
  assert.equal(isValidMyNumber('123456789018'), true);
  assert.equal(reference.isValidMyNumber('123456789018'), true);
  assert.equal(isValidMyNumber('123456789019'), false);
  assert.equal(reference.isValidMyNumber('123456789019'), false);
}

const generatedCount = 300;

/** Valid numbers: a seeded random body, the module's check digit, checked against the reference. */
function generateValid(
  seed: number,
  bodyLength: number,
  moduleCheckDigit: (body: string) => number,
  referenceCheckDigit: (body: string) => number,
  moduleIsValid: (value: string) => boolean,
): string[] {
  assertPublishedExamples();
  const random = mulberry32(seed);
  const numbers: string[] = [];
  for (let i = 0; i < generatedCount; i++) {
    const body = randomDigits(random, bodyLength);
    const checkDigit = moduleCheckDigit(body);
    assert.equal(checkDigit, referenceCheckDigit(body), `check digit of ${body}`);
    const valid = `${body}${checkDigit}`;
    assert.equal(moduleIsValid(valid), true, valid);
    numbers.push(valid);
  }
  return numbers;
}

const generateInsurerNumbers = (): string[] =>
  generateValid(
    0x5eed_0008,
    7,
    luhnCheckDigit,
    (body) => reference.luhnCheckDigit(body),
    isValidInsurerNumber,
  );
const generateRecipientNumbers = (): string[] =>
  generateValid(
    0x5eed_0007,
    6,
    luhnCheckDigit,
    (body) => reference.luhnCheckDigit(body),
    isValidNationalRecipientNumber,
  );
const generateMyNumbers = (): string[] =>
  generateValid(
    0x5eed_0012,
    11,
    myNumberCheckDigit,
    (body) => reference.myNumberCheckDigit(body),
    isValidMyNumber,
  );

/** Every number differing from `value` in exactly one position. */
function* singleDigitChanges(value: string): Generator<{ position: number; mutated: string }> {
  for (let position = 0; position < value.length; position++) {
    for (let digit = 0; digit <= 9; digit++) {
      if (String(digit) === value.charAt(position)) continue;
      yield {
        position,
        mutated: `${value.slice(0, position)}${digit}${value.slice(position + 1)}`,
      };
    }
  }
}

/** Every adjacent swap of two different digits (position i with i + 1). */
function* adjacentSwaps(
  value: string,
): Generator<{ position: number; pair: string; mutated: string }> {
  for (let position = 0; position + 1 < value.length; position++) {
    const left = value.charAt(position);
    const right = value.charAt(position + 1);
    if (left === right) continue;
    yield {
      position,
      pair: `${left}${right}`,
      mutated: `${value.slice(0, position)}${right}${left}${value.slice(position + 2)}`,
    };
  }
}

describe('check digits against generated numbers (single-digit changes and adjacent swaps)', () => {
  it('the independent reference implementation reproduces the published examples', () => {
    assertPublishedExamples();
    assert.equal(reference.luhnCheckDigit('8113624'), 4);
    assert.equal(reference.luhnCheckDigit('8813445'), 7);
    assert.equal(reference.luhnCheckDigit('123456'), 6);
    assert.equal(reference.luhnCheckDigit('95'), 0);
    assert.equal(reference.myNumberCheckDigit('12345678901'), 8);
    assert.equal(reference.myNumberRemainder('00000000000'), 0);
    assert.equal(reference.myNumberRemainder('10000010000'), 1);
    assert.equal(reference.myNumberCheckDigit('10000010000'), 0);
    assert.equal(reference.myNumberCheckDigit('00001000000'), 9);
  });

  it('the module and the reference agree on the check digit of every generated body', (t) => {
    // generateValid asserts the agreement (and that the module accepts the result) per body.
    const insurer = generateInsurerNumbers();
    const recipient = generateRecipientNumbers();
    const myNumbers = generateMyNumbers();
    for (const numbers of [insurer, recipient, myNumbers]) {
      assert.equal(numbers.length, generatedCount);
      assert.equal(new Set(numbers).size > generatedCount * 0.95, true, 'the PRNG varies');
    }
    // The bodies really spread over the check digits, including the collapsed r ≤ 1 case.
    const myNumberRemainders = new Set(
      myNumbers.map((n) => reference.myNumberRemainder(n.slice(0, 11))),
    );
    assert.equal(myNumberRemainders.size, 11);
    assert.equal(new Set(insurer.map((n) => n.slice(-1))).size, 10);
    t.diagnostic(`bodies compared: ${insurer.length + recipient.length + myNumbers.length}`);
  });

  for (const rule of [
    {
      name: '公費負担者番号 (8 digits)',
      length: 8,
      generate: generateInsurerNumbers,
      isValid: isValidInsurerNumber,
    },
    {
      name: 'national 公費受給者番号 (7 digits)',
      length: 7,
      generate: generateRecipientNumbers,
      isValid: isValidNationalRecipientNumber,
    },
  ]) {
    it(`Luhn ${rule.name}: every single-digit change is rejected`, (t) => {
      let checked = 0;
      for (const valid of rule.generate()) {
        for (const { mutated } of singleDigitChanges(valid)) {
          checked++;
          assert.equal(rule.isValid(mutated), false, `${valid} → ${mutated}`);
          assert.equal(reference.isValidLuhn(mutated, rule.length), false, `${valid} → ${mutated}`);
        }
      }
      assert.equal(checked, generatedCount * rule.length * 9);
      t.diagnostic(`single-digit changes checked: ${checked}, escaped: 0`);
    });

    const swapTitle =
      `Luhn ${rule.name}: every adjacent swap is rejected except 09 ↔ 90, which always passes`;
    it(swapTitle, (t) => {
      let checked = 0;
      let escaped = 0;
      let escapedAtCheckDigit = 0;
      for (const valid of rule.generate()) {
        for (const { position, pair, mutated } of adjacentSwaps(valid)) {
          checked++;
          const undetectable = pair === '09' || pair === '90';
          const where = `${valid} → ${mutated} (swap at ${position})`;
          // The mutated number is itself valid exactly when the pair is 0 and 9: the algorithm
          // cannot tell it from a real number, and for every other pair it must reject it.
          assert.equal(reference.isValidLuhn(mutated, rule.length), undetectable, where);
          assert.equal(rule.isValid(mutated), undetectable, where);
          if (undetectable) {
            escaped++;
            if (position === rule.length - 2) escapedAtCheckDigit++;
          }
        }
      }
      // The seeded data must exercise the exception, or the test proves less than it says.
      assert.equal(escaped > 0, true, 'some generated number has an adjacent 0 and 9');
      t.diagnostic(
        `adjacent swaps checked: ${checked}, escaped (09 ↔ 90): ${escaped}` +
          ` (of which with the check digit: ${escapedAtCheckDigit})`,
      );
    });
  }

  const singleChangeTitle =
    '個人番号: every single-digit change is rejected except a body change moving r between 0 and 1';
  it(singleChangeTitle, (t) => {
    let checked = 0;
    let escaped = 0;
    for (const valid of generateMyNumbers()) {
      const body = valid.slice(0, 11);
      const r = reference.myNumberRemainder(body);
      for (const { position, mutated } of singleDigitChanges(valid)) {
        checked++;
        const where = `${valid} → ${mutated} (position ${position})`;
        let undetectable = false;
        if (position < 11) {
          const mutatedR = reference.myNumberRemainder(mutated.slice(0, 11));
          // 11 is prime and no weight is a multiple of it: a one-digit change always moves r.
          assert.notEqual(mutatedR, r, where);
          undetectable = (r === 0 && mutatedR === 1) || (r === 1 && mutatedR === 0);
        }
        // A change of the check digit itself (position 11) is always caught.
        assert.equal(reference.isValidMyNumber(mutated), undetectable, where);
        assert.equal(isValidMyNumber(mutated), undetectable, where);
        if (undetectable) escaped++;
      }
    }
    assert.equal(checked, generatedCount * 12 * 9);
    assert.equal(escaped > 0, true, 'the seeded data exercises the r ≤ 1 collapse');
    t.diagnostic(`single-digit changes checked: ${checked}, escaped (r 0 ↔ 1): ${escaped}`);
  });

  const swapTitle =
    '個人番号: every adjacent swap is rejected except those the r ≤ 1 collapse cannot distinguish';
  it(swapTitle, (t) => {
    let checked = 0;
    let escapedInBody = 0;
    let escapedAtCheckDigit = 0;
    for (const valid of generateMyNumbers()) {
      const r = reference.myNumberRemainder(valid.slice(0, 11));
      for (const { position, mutated } of adjacentSwaps(valid)) {
        checked++;
        const where = `${valid} → ${mutated} (swap at ${position})`;
        const mutatedIsValid = reference.isValidMyNumber(mutated);
        if (position < 10) {
          // Both digits in the body: adjacent weights differ by 1 or −5, so r always moves and
          // only the collapse of r = 0 and r = 1 onto check digit 0 lets the swap through.
          const mutatedR = reference.myNumberRemainder(mutated.slice(0, 11));
          assert.notEqual(mutatedR, r, where);
          const collapsed = (r === 0 && mutatedR === 1) || (r === 1 && mutatedR === 0);
          assert.equal(mutatedIsValid, collapsed, where);
          if (collapsed) escapedInBody++;
        } else if (mutatedIsValid) {
          // The last body digit swapped with the check digit: the result is itself a valid
          // 個人番号, so no checker of this rule can tell it from a real one.
          escapedAtCheckDigit++;
        }
        // The module rejects exactly what the rule can reject.
        assert.equal(isValidMyNumber(mutated), mutatedIsValid, where);
      }
    }
    t.diagnostic(
      `adjacent swaps checked: ${checked}, escaped: ${escapedInBody + escapedAtCheckDigit}` +
        ` (body r 0 ↔ 1: ${escapedInBody}, with the check digit: ${escapedAtCheckDigit})`,
    );
  });
});
