/**
 * Whether a record's text can be written in the output encoding. CP932 (Shift_JIS) lacks
 * many characters that a business system can hold in Unicode (gaiji in the private use
 * area, JIS X 0213 kanji such as 𠮷, some dashes and tildes); iconv-lite silently writes
 * '?' for them, or a look-alike (¥ → \). Either would reach PMH as a wrong name or
 * address, so such a record is held back with a problem instead, and the writer refuses
 * one that slipped through.
 *
 * This runs on every record of a run (up to a million): ASCII-only text costs one regex
 * test, and CP932 answers are remembered per character.
 */
import iconv from 'iconv-lite';
import { fill } from '../../core/i18n.ts';
import type { PmhRecord } from './pmh-record.ts';
import type { RecordProblem } from './record-problem.ts';

/** The encodings an upload file can be written in (the layout file's `csv.encoding`). */
export const OUTPUT_ENCODINGS = ['utf-8', 'utf-8-bom', 'cp932'] as const;
export type OutputEncoding = (typeof OUTPUT_ENCODINGS)[number];

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Per BMP code unit: 0 not asked yet, 1 CP932 round-trips it, 2 it does not. */
const cp932Known = new Uint8Array(0x10000);

function cp932RoundTrips(char: string): boolean {
  return iconv.decode(iconv.encode(char, 'cp932'), 'cp932') === char;
}

function cp932Encodes(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x80) continue;
    // CP932 maps nothing outside the BMP: a surrogate, paired or not, cannot be written.
    if (code >= 0xd800 && code <= 0xdfff) return false;
    let known = cp932Known[code] ?? 0;
    if (known === 0) {
      known = cp932RoundTrips(String.fromCharCode(code)) ? 1 : 2;
      cp932Known[code] = known;
    }
    if (known === 2) return false;
  }
  return true;
}

/** Whether `text` can be written in `encoding` and read back unchanged. Cheap for ASCII. */
export function isEncodable(text: string, encoding: OutputEncoding): boolean {
  if (ASCII_ONLY.test(text)) return true;
  if (encoding === 'cp932') return cp932Encodes(text);
  // UTF-8 holds every code point; only an unpaired surrogate half cannot be written.
  return text.isWellFormed();
}

/**
 * The paths of the record's text values that `encoding` cannot hold, e.g.
 * 'basicFiveInfo.name', 'certificationDetail[0].value'. Every string in the record is
 * checked, the nested ones included, so a field added to the record later is covered.
 */
export function unencodableFields(record: PmhRecord, encoding: OutputEncoding): string[] {
  return [...unencodablePaths(record, encoding)];
}

const NONE: readonly string[] = [];

/**
 * The paths, relative to `value`, of its text that `encoding` cannot hold ('' for `value`
 * itself). Built on the way back up, and only for what fails: almost every record passes,
 * and then no path is made at all.
 */
function unencodablePaths(value: unknown, encoding: OutputEncoding): readonly string[] {
  if (typeof value === 'string') return isEncodable(value, encoding) ? NONE : [''];
  if (value === null || typeof value !== 'object') return NONE;
  let found: string[] | null = null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) found = under(index, unencodablePaths(value[index], encoding), found);
  } else {
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields)) found = under(key, unencodablePaths(fields[key], encoding), found);
  }
  return found ?? NONE;
}

/** Adds to `found` the `paths` of the value reached by `step` (a key, or an array index). */
function under(step: string | number, paths: readonly string[], found: string[] | null): string[] | null {
  if (paths.length === 0) return found;
  const into = found ?? [];
  const prefix = typeof step === 'number' ? `[${step}]` : step;
  for (const path of paths) into.push(path === '' || path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`);
  return into;
}

/**
 * The reasons, until record-problem.ts's catalog holds a NotEncodable entry (then this
 * becomes `recordProblem('NotEncodable', field, { encoding })` and gets the field's label).
 * Never a personal value: only the field path and the encoding.
 */
const notEncodableReason = {
  cp932: {
    ja: '項目 {field} に、出力の文字コード（CP932 / Shift_JIS）で表せない文字（外字・機種依存文字・JIS 第3・第4水準漢字など）が含まれています。業務システムで代替の文字に直すか、レイアウト定義の文字コードを見直してください。',
    en: 'The field {field} holds a character the output encoding (CP932 / Shift_JIS) cannot represent (gaiji, vendor-specific or JIS level 3/4 kanji...). Replace it in the business system, or review the layout\'s encoding.',
  },
  unicode: {
    ja: '項目 {field} に、UTF-8 で表せない不正な文字（対になっていないサロゲート）が含まれています。業務システムのデータを確認してください。',
    en: 'The field {field} holds an invalid character UTF-8 cannot represent (an unpaired surrogate). Check the data in the business system.',
  },
} as const;

/** One 'NotEncodable' problem per text field `encoding` cannot hold; [] for almost every record. */
export function encodabilityProblems(record: PmhRecord, encoding: OutputEncoding): RecordProblem[] {
  const reason = encoding === 'cp932' ? notEncodableReason.cp932 : notEncodableReason.unicode;
  return unencodableFields(record, encoding).map((field) => ({
    field,
    code: 'NotEncodable',
    reason: { ja: fill(reason.ja, { field }), en: fill(reason.en, { field }) },
  }));
}
