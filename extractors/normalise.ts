/**
 * Turning values as drivers return them into canonical values. A value that cannot be
 * read is never guessed: the reader reports it with the column, and the caller decides.
 */

import type { Bilingual } from '../core/i18n.ts';

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
  badDateObject: { ja: '日付として不正な値です', en: 'invalid date object' },
  notDate: { ja: '日付ではありません（YYYY-MM-DD・YYYY/MM/DD・YYYYMMDD）', en: 'not a date (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)' },
  noSuchDate: { ja: '存在しない日付です', en: 'no such calendar date' },
  notInteger: { ja: '整数ではありません', en: 'not a whole number' },
  notFlag: { ja: 'フラグ（1/0・true/false）ではありません', en: 'not a flag (1/0 or true/false)' },
} satisfies Record<string, Bilingual>;

/** Trims ASCII and ideographic spaces (CHAR padding); empty becomes null. */
export function text(value: unknown, column: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const trimmed = value.replace(/^[\s\u3000]+|[\s\u3000]+$/g, '');
    return trimmed === '' ? null : trimmed;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new UnreadableValue(column, WHY.notText);
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Dates as YYYY-MM-DD from 'YYYY-MM-DD', 'YYYY/MM/DD', 'YYYYMMDD' or a driver Date. */
export function date(value: unknown, column: string): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    // Drivers hand DATE columns over as local midnight; take the calendar day as written.
    if (Number.isNaN(value.getTime())) throw new UnreadableValue(column, WHY.badDateObject);
    return formatDate(value.getFullYear(), value.getMonth() + 1, value.getDate());
  }
  const raw = text(value, column);
  if (raw === null) return null;
  const match = /^(\d{4})[-/]?(\d{1,2})[-/]?(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$/.exec(raw);
  if (!match || (raw.length === 8 && !/^\d{8}$/.test(raw))) {
    throw new UnreadableValue(column, WHY.notDate);
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!isRealDate(year, month, day)) throw new UnreadableValue(column, WHY.noSuchDate);
  return formatDate(year, month, day);
}

export function integer(value: unknown, column: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  const raw = text(value, column);
  if (raw === null) return null;
  if (!/^-?\d+$/.test(raw)) throw new UnreadableValue(column, WHY.notInteger);
  return Number(raw);
}

/** 1/0, true/false, '1'/'0'; anything else is unreadable, never false. */
export function flag(value: unknown, column: string): boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 1n || value === '1' || value === 'true' || value === 'TRUE') return true;
  if (value === 0 || value === 0n || value === '0' || value === 'false' || value === 'FALSE') return false;
  throw new UnreadableValue(column, WHY.notFlag);
}
