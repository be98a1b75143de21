/**
 * The check digits of the numbers a subsidy record carries (see shared/pmh-domain.md):
 * 公費負担者番号 and 公費受給者番号 use Luhn; 個人番号 has its own mod-11 rule.
 * Only half-width digits count as digits: a full-width digit is a data error, not a digit.
 */

const halfWidthDigits = /^[0-9]+$/;

/**
 * Luhn over `body` (the digits without the check digit): from the rightmost digit, weights
 * 2, 1, 2, 1, ...; the digits of each product are added (12 counts as 1 + 2);
 * the check digit is 10 − (sum mod 10), or 0 when the sum is a multiple of 10.
 */
export function luhnCheckDigit(body: string): number {
  if (!halfWidthDigits.test(body)) {
    throw new RangeError('luhnCheckDigit: the body must be half-width digits only');
  }
  let sum = 0;
  for (let fromRight = 0; fromRight < body.length; fromRight++) {
    const digit = Number(body[body.length - 1 - fromRight]);
    const product = digit * (fromRight % 2 === 0 ? 2 : 1);
    sum += Math.floor(product / 10) + (product % 10);
  }
  const remainder = sum % 10;
  return remainder === 0 ? 0 : 10 - remainder;
}

function hasLuhnCheckDigit(value: string, length: number): boolean {
  if (value.length !== length || !halfWidthDigits.test(value)) return false;
  return luhnCheckDigit(value.slice(0, -1)) === Number(value.slice(-1));
}

/** 公費負担者番号: exactly 8 half-width digits, the last a Luhn check digit over the first 7. */
export function isValidInsurerNumber(value: string): boolean {
  return hasLuhnCheckDigit(value, 8);
}

/** 公費受給者番号 of national programs: exactly 7 half-width digits, Luhn over the first 6. */
export function isValidNationalRecipientNumber(value: string): boolean {
  return hasLuhnCheckDigit(value, 7);
}

/** Weights of the 11 body digits of a 個人番号, left to right. */
const myNumberWeights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

/** 個人番号 check digit over the 11 body digits: r = Σ digit × weight mod 11; 0 when r ≤ 1, else 11 − r. */
export function myNumberCheckDigit(body: string): number {
  if (body.length !== myNumberWeights.length || !halfWidthDigits.test(body)) {
    throw new RangeError('myNumberCheckDigit: the body must be 11 half-width digits');
  }
  let sum = 0;
  myNumberWeights.forEach((weight, index) => {
    sum += Number(body[index]) * weight;
  });
  const remainder = sum % 11;
  return remainder <= 1 ? 0 : 11 - remainder;
}

/** 個人番号: exactly 12 half-width digits, the last the check digit over the first 11. */
export function isValidMyNumber(value: string): boolean {
  if (value.length !== 12 || !halfWidthDigits.test(value)) return false;
  return myNumberCheckDigit(value.slice(0, 11)) === Number(value.slice(11));
}
