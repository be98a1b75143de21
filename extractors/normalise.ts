/**
 * Turning values as drivers and export files give them into canonical values. A value that
 * cannot be read is never guessed: the reader reports it with the column, and the caller
 * decides. Reasons name what is wrong, never the value (it may be personal data).
 */

import type { Bilingual } from '../core/i18n.ts';
import { formatDate, isRealDate, readEraDate, type Era } from './era-date.ts';

export class UnreadableValue extends Error {
  constructor(
    readonly column: string,
    readonly detail: Bilingual,
  ) {
    super(`${column}: ${detail.en}`);
  }
}

const WHY = {
  notText: { ja: '文字列ではありません', en: 'not text' },
  garbled: {
    ja: '文字化けしています（ファイルの文字コードで読めないバイトを含みます）。文字コードの設定と元データを確認してください',
    en: 'garbled: holds bytes the encoding cannot decode; check the encoding setting and the source data',
  },
  gaiji: {
    ja: '外字（利用者定義文字、または外字の代わりの〓）を含みます。業務システムで標準の文字に置き換えてください',
    en: 'holds a gaiji (a user-defined character, or the 〓 written in place of one); replace it with a standard character in the business system',
  },
  badDateObject: { ja: '日付として不正な値です', en: 'invalid date object' },
  notDate: {
    ja: '日付ではありません（西暦 YYYY-MM-DD・YYYY/MM/DD・YYYYMMDD・YYYY年M月D日、和暦 R6.4.1・令和6年4月1日・5060401）',
    en: 'not a date (YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD, YYYY年M月D日, or an era date such as R6.4.1, 令和6年4月1日, 5060401)',
  },
  noSuchDate: { ja: '存在しない日付です', en: 'no such calendar date' },
  notInteger: {
    ja: '整数ではありません（桁区切りのカンマは可。小数・通貨記号・単位は不可）',
    en: 'not a whole number (thousands separators allowed; no decimals, currency signs or units)',
  },
  notFlag: { ja: 'フラグ（1/0・true/false）ではありません', en: 'not a flag (1/0 or true/false)' },
} satisfies Record<string, Bilingual>;

function outsideEra(era: Era): Bilingual {
  const range = `${era.first}〜${era.last ?? ''}`;
  return {
    ja: `${era.kanji}の期間（${range}）にない日付です。元号と年を確認してください`,
    en: `not within the ${era.kanji} era (${range}); check the era and year`,
  };
}

const SPACES_AT_ENDS = /^[\s\u3000]+|[\s\u3000]+$/g;
/** U+FFFD is what decoding leaves for bytes the encoding does not define. */
const UNDECODED = /\uFFFD/u;
/** Private Use Areas (where 外字 are mapped) and 〓 (the geta mark written in place of one). */
const GAIJI = /[\uE000-\uF8FF\u{F0000}-\u{FFFFD}\u{100000}-\u{10FFFD}\u3013]/u;
const FULL_WIDTH_ASCII = /[\uFF01-\uFF5E]/g;

/** '１２３' → '123', 'Ａ１' → 'A1': full-width ASCII to half-width; other characters kept. */
function halfWidth(value: string): string {
  return value.replace(FULL_WIDTH_ASCII, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

/**
 * Trims ASCII and ideographic spaces (CHAR padding); empty becomes null. Text holding
 * undecodable bytes or 外字 is unreadable: sending it would put mojibake on a certificate.
 */
export function text(value: unknown, column: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const trimmed = value.replace(SPACES_AT_ENDS, '');
    if (trimmed === '') return null;
    if (UNDECODED.test(trimmed)) throw new UnreadableValue(column, WHY.garbled);
    if (GAIJI.test(trimmed)) throw new UnreadableValue(column, WHY.gaiji);
    return trimmed;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new UnreadableValue(column, WHY.notText);
}

/**
 * Keys and number-like values (resident numbers, My Number, insurer and recipient numbers,
 * sex codes): text() with full-width ASCII folded to half-width, so '１２３' matches '123'.
 */
export function code(value: unknown, column: string): string | null {
  const raw = text(value, column);
  return raw === null ? null : halfWidth(raw);
}

const ISO_TIME = '(?:[ T]00:00(?::00(?:\\.0+)?)?)?';
const SPACE = '[ \\u3000]*';
const GREGORIAN = [
  new RegExp(`^(?<y>\\d{4})(?<sep>[-/])(?<m>\\d{1,2})\\k<sep>(?<d>\\d{1,2})${ISO_TIME}$`),
  new RegExp(`^(?<y>\\d{4})(?<m>\\d{2})(?<d>\\d{2})${ISO_TIME}$`),
  new RegExp(`^(?<y>\\d{4})${SPACE}年${SPACE}(?<m>\\d{1,2})${SPACE}月${SPACE}(?<d>\\d{1,2})${SPACE}日$`),
];

/** YYYY-MM-DD and YYYYMMDD exactly: no spaces to trim, nothing to fold, never an era form. */
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const COMPACT_DAY = /^(\d{4})(\d{2})(\d{2})$/;

function gregorian(raw: string, column: string): string {
  const parts = GREGORIAN.map((form) => form.exec(raw)?.groups).find((groups) => groups !== undefined);
  if (!parts) throw new UnreadableValue(column, WHY.notDate);
  const [year, month, day] = [Number(parts.y), Number(parts.m), Number(parts.d)];
  if (!isRealDate(year, month, day)) throw new UnreadableValue(column, WHY.noSuchDate);
  return formatDate(year, month, day);
}

/**
 * Dates as YYYY-MM-DD from a driver Date, 'YYYY-MM-DD', 'YYYY/MM/DD' (one separator used
 * twice; a midnight time part allowed), 'YYYYMMDD', 'YYYY年M月D日', or an era form
 * ('R06.04.01', 'H31/4/30', '5060401', '令和元年5月1日': see era-date.ts). Full-width
 * digits are read as digits.
 */
export function date(value: unknown, column: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    // What drivers and most systems hand over: read at once, as the general path below would.
    const plain = ISO_DAY.exec(value) ?? COMPACT_DAY.exec(value);
    if (plain) {
      const [year, month, day] = [Number(plain[1]), Number(plain[2]), Number(plain[3])];
      if (!isRealDate(year, month, day)) throw new UnreadableValue(column, WHY.noSuchDate);
      return formatDate(year, month, day);
    }
  }
  if (value instanceof Date) {
    // Drivers hand DATE columns over as local midnight; take the calendar day as written.
    if (Number.isNaN(value.getTime())) throw new UnreadableValue(column, WHY.badDateObject);
    return formatDate(value.getFullYear(), value.getMonth() + 1, value.getDate());
  }
  const trimmed = text(value, column);
  if (trimmed === null) return null;
  const raw = halfWidth(trimmed);
  const era = readEraDate(raw);
  if (era === null) return gregorian(raw, column);
  if (era.kind === 'noSuchDate') throw new UnreadableValue(column, WHY.noSuchDate);
  if (era.kind === 'outsideEra') throw new UnreadableValue(column, outsideEra(era.era));
  return era.iso;
}

/** Digits, optionally with well-formed thousands separators ('12,000'; never '1,20'). */
const WHOLE_NUMBER = /^-?(?:\d+|\d{1,3}(?:,\d{3})+)$/;

/**
 * Whole numbers from numbers, bigints or text ('12000', '12,000', '－１２'). Decimals,
 * currency signs and units ('¥12,000', '12,000円') are unreadable: a value formatted for
 * people says the export is not the one configured, and '12.5' is not a whole number of yen.
 */
export function integer(value: unknown, column: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  const trimmed = text(value, column);
  if (trimmed === null) return null;
  const raw = halfWidth(trimmed);
  if (!WHOLE_NUMBER.test(raw)) throw new UnreadableValue(column, WHY.notInteger);
  const number = Number(raw.replaceAll(',', ''));
  if (!Number.isSafeInteger(number)) throw new UnreadableValue(column, WHY.notInteger);
  return number === 0 ? 0 : number;
}

/**
 * 1/0, true/false, '1'/'0' (also full-width '１'/'０', and padded as fixed-width files pad).
 * Anything else, an empty string included, is unreadable, never false.
 */
export function flag(value: unknown, column: string): boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 1n) return true;
  if (value === 0 || value === 0n) return false;
  if (typeof value === 'string') {
    const raw = halfWidth(value.replace(SPACES_AT_ENDS, ''));
    if (raw === '1' || raw === 'true' || raw === 'TRUE') return true;
    if (raw === '0' || raw === 'false' || raw === 'FALSE') return false;
  }
  throw new UnreadableValue(column, WHY.notFlag);
}
