import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isValidInsurerNumber,
  isValidMyNumber,
  isValidNationalRecipientNumber,
  luhnCheckDigit,
  myNumberCheckDigit,
} from '../../bot/check-digits.ts';

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
