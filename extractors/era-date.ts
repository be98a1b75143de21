/**
 * Japanese era dates (和暦) as business systems write them, read into the Gregorian
 * calendar. A date outside its era (平成31年5月1日, 昭和64年1月8日) is reported as such and
 * never moved into the next era: such a value means the source is wrong, and guessing
 * which half is wrong would hand PMH a birth date nobody checked.
 *
 * Expects text already trimmed and folded to half-width (digits, letters, '/', '-', '.').
 */

export interface Era {
  kanji: string;
  /** The initial used in letter forms (R06.04.01). */
  letter: string;
  /** The digit used by 7-digit mainframe forms (5060401 = Reiwa 6-04-01). */
  digit: number;
  /** First day, YYYY-MM-DD. Meiji is taken from 1868-01-25, when its lunisolar 1/1 fell. */
  first: string;
  /** Last day, YYYY-MM-DD; none for the current era. */
  last: string | null;
}

export const ERAS: readonly Era[] = [
  { kanji: '明治', letter: 'M', digit: 1, first: '1868-01-25', last: '1912-07-29' },
  { kanji: '大正', letter: 'T', digit: 2, first: '1912-07-30', last: '1926-12-24' },
  { kanji: '昭和', letter: 'S', digit: 3, first: '1926-12-25', last: '1989-01-07' },
  { kanji: '平成', letter: 'H', digit: 4, first: '1989-01-08', last: '2019-04-30' },
  { kanji: '令和', letter: 'R', digit: 5, first: '2019-05-01', last: null },
];

export type EraReading =
  | { kind: 'date'; iso: string }
  | { kind: 'noSuchDate' }
  | { kind: 'outsideEra'; era: Era };

export function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Year `eraYear` of `era` (1 = 元年) with month and day, checked against the calendar and the era. */
export function fromEra(era: Era, eraYear: number, month: number, day: number): EraReading {
  const year = Number(era.first.slice(0, 4)) + eraYear - 1;
  if (!isRealDate(year, month, day)) return { kind: 'noSuchDate' };
  const iso = formatDate(year, month, day);
  // YYYY-MM-DD strings order as the dates do.
  if (iso < era.first || (era.last !== null && iso > era.last)) return { kind: 'outsideEra', era };
  return { kind: 'date', iso };
}

const LETTER_FORM = /^([MTSHR])(\d{1,2})([./-])(\d{1,2})\3(\d{1,2})$/i;
const DIGIT_FORM = /^([1-5])(\d{2})(\d{2})(\d{2})$/;
const SPACE = '[ \\u3000]*';
const KANJI_FORM = new RegExp(
  `^(${ERAS.map((e) => e.kanji).join('|')})${SPACE}(元|\\d{1,2})${SPACE}年${SPACE}(\\d{1,2})${SPACE}月${SPACE}(\\d{1,2})${SPACE}日$`,
);

/**
 * Reads the era forms: 'R06.04.01', 'H31/4/30', 'S64-1-7' (initial + year, then month and
 * day with one separator), '5060401' (era digit + YYMMDD) and '令和元年5月1日' (spaces
 * between the parts allowed, as printed forms pad them). Not an era form: null.
 */
export function readEraDate(text: string): EraReading | null {
  const letter = LETTER_FORM.exec(text);
  if (letter) {
    const era = ERAS.find((e) => e.letter === letter[1]!.toUpperCase())!;
    return fromEra(era, Number(letter[2]), Number(letter[4]), Number(letter[5]));
  }
  const digits = DIGIT_FORM.exec(text);
  if (digits) {
    const era = ERAS.find((e) => e.digit === Number(digits[1]))!;
    return fromEra(era, Number(digits[2]), Number(digits[3]), Number(digits[4]));
  }
  const kanji = KANJI_FORM.exec(text);
  if (kanji) {
    const era = ERAS.find((e) => e.kanji === kanji[1])!;
    const eraYear = kanji[2] === '元' ? 1 : Number(kanji[2]);
    return fromEra(era, eraYear, Number(kanji[3]), Number(kanji[4]));
  }
  return null;
}
