// Check digits as published by MHLW / the Digital Agency (see shared/pmh-domain.md).

const DIGITS = /^[0-9]+$/;

/** Luhn-style check digit of 公費負担者番号 / 保険者番号 / 公費受給者番号 bodies. */
export function luhnCheckDigit(body: string): number {
  if (!DIGITS.test(body)) throw new Error('luhnCheckDigit expects digits only');
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    const product = i % 2 === 0 ? digit * 2 : digit;
    sum += product >= 10 ? product - 9 : product;
  }
  const remainder = sum % 10;
  return remainder === 0 ? 0 : 10 - remainder;
}

/** True when the last digit of `number` is the Luhn check digit of the rest. */
export function hasValidLuhnCheckDigit(number: string): boolean {
  if (number.length < 2 || !DIGITS.test(number)) return false;
  return luhnCheckDigit(number.slice(0, -1)) === Number(number.slice(-1));
}

/** Check digit of a 個人番号 from its 11 body digits. */
export function myNumberCheckDigit(body: string): number {
  if (!/^[0-9]{11}$/.test(body)) throw new Error('myNumberCheckDigit expects 11 digits');
  let sum = 0;
  for (let n = 1; n <= 11; n++) {
    const p = body.charCodeAt(11 - n) - 48;
    const q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

export function isValidMyNumber(value: string): boolean {
  if (!/^[0-9]{12}$/.test(value)) return false;
  return myNumberCheckDigit(value.slice(0, 11)) === Number(value.slice(11));
}
