/**
 * A file exported by a business system's EUC function (CSV, TSV or fixed width; UTF-8 or
 * CP932), read record by record. Files can hold a million rows: bytes are streamed and
 * decoded incrementally, never loaded whole.
 *
 * Values come out exactly as written (no trimming, an empty field is ''): the normalisers
 * trim and judge them. Bytes the encoding cannot decode become U+FFFD and 外字 in CP932's
 * user-defined area become Private Use Area characters; both reach the normalisers, which
 * report them, instead of vanishing here.
 *
 * - csv: RFC 4180 (double quotes, "" inside quotes), every record with the same number
 *   of fields as the first.
 * - tsv: tab-separated with no quoting at all, as EUC tools write it: a '"' is an ordinary
 *   character and a value cannot hold a tab or a line break.
 * - fixed: one record per line (CRLF or LF); `start` and `length` count bytes of the
 *   file's encoding (a full-width CP932 character is 2 bytes, a half-width kana 1), so
 *   each column is cut from the line's bytes and then decoded. With `header: true` the
 *   first line is skipped.
 * Empty lines carry no record and are skipped (a last empty line especially); a trailing
 * EOF byte 0x1A, as old DOS tools append, is ignored.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { CsvError, parse } from 'csv-parse';
import iconv from 'iconv-lite';
import type { FileSourceConfig } from '../config/schema.ts';
import { PmhBotError, pmhError } from '../core/errors.ts';
import type { SourceRow } from './sql-source.ts';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const DOS_EOF = 0x1a;
const LF = 0x0a;
const CR = 0x0d;
/**
 * No real record comes near this; an unclosed quote or a file with no line breaks would
 * otherwise pull the rest of the file into memory before failing.
 */
const MAX_RECORD_BYTES = 1024 * 1024;

/** A file-level failure: the whole file is unusable, and nothing in it may be taken. */
class FileUnusable extends Error {}

/** Streams a file source's records, keyed by each configured column's name. */
export function readFileSource(name: string, config: FileSourceConfig): AsyncIterable<SourceRow> {
  const records = config.format === 'fixed' ? fixedRecords(config) : delimitedRecords(config);
  return withFileErrors(name, config, records);
}

async function* withFileErrors(
  name: string,
  config: FileSourceConfig,
  records: AsyncIterable<SourceRow>,
): AsyncGenerator<SourceRow> {
  try {
    yield* records;
  } catch (error) {
    if (error instanceof PmhBotError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // The export may simply not have run yet: a later run can succeed.
      throw pmhError('ExportFileMissing', { source: name, file: config.path }, error);
    }
    throw pmhError('ExportFileInvalid', { source: name, file: config.path, detail: describeFailure(error) }, error);
  }
}

/** What went wrong, with line numbers but never the file's content (it is personal data). */
function describeFailure(error: unknown): string {
  if (error instanceof FileUnusable) return error.message;
  if (error instanceof CsvError) {
    const line = `line ${String(error.lines)}`;
    switch (error.code) {
      case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
        // csv-parse's message holds only the two counts ("expect 3, got 2"), never content.
        const counts = /expect (\d+), got (\d+)/.exec(error.message);
        return counts
          ? `${line}: ${counts[2]} fields where the first record has ${counts[1]}`
          : `${line}: a different number of fields than the first record`;
      }
      case 'CSV_QUOTE_NOT_CLOSED':
        return `${line}: a quoted field is never closed`;
      case 'CSV_MAX_RECORD_SIZE':
        return `${line}: a record longer than ${MAX_RECORD_BYTES} bytes (an unclosed quote?)`;
      case 'INVALID_OPENING_QUOTE':
      case 'CSV_INVALID_CLOSING_QUOTE':
        return `${line}: a double quote inside a field that does not follow CSV quoting`;
      default:
        return `${line}: not valid CSV (${error.code})`;
    }
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'the file does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'the file cannot be read (permission denied)';
  if (code === 'EISDIR') return 'the path is a folder, not a file';
  return error instanceof Error ? error.message : String(error);
}

/**
 * The file's bytes, chunk by chunk, without a UTF-8 BOM (for the UTF-8 encodings) and
 * without trailing 0x1A EOF bytes. One chunk is held back to know which one is last.
 */
async function* fileBytes(config: FileSourceConfig): AsyncGenerator<Buffer> {
  let pending: Buffer | null = null;
  let first = true;
  for await (const chunk of createReadStream(config.path) as AsyncIterable<Buffer>) {
    let bytes = chunk;
    if (first && config.encoding !== 'cp932' && bytes.subarray(0, 3).equals(UTF8_BOM)) bytes = bytes.subarray(3);
    first = false;
    if (pending?.length) yield pending;
    pending = bytes;
  }
  if (pending === null) return;
  let end = pending.length;
  while (end > 0 && pending[end - 1] === DOS_EOF) end -= 1;
  if (end > 0) yield pending.subarray(0, end);
}

interface Decoder {
  write(bytes: Buffer): string;
  end(): string | undefined;
}

/** Decoders replace bytes they cannot decode with U+FFFD; a character split across chunks is kept whole. */
function decoder(encoding: FileSourceConfig['encoding']): Decoder {
  return encoding === 'cp932' ? iconv.getDecoder('cp932') : new StringDecoder('utf8');
}

async function* decodedText(config: FileSourceConfig): AsyncGenerator<string> {
  const decode = decoder(config.encoding);
  for await (const bytes of fileBytes(config)) {
    const text = decode.write(bytes);
    if (text) yield text;
  }
  const rest = decode.end();
  if (rest) yield rest;
}

/** Where each column's value sits in a record: a 0-based field index. */
function fieldIndexes(config: FileSourceConfig, header: string[] | null): number[] {
  const trim = (label: string): string => label.replace(/^[\s\u3000]+|[\s\u3000]+$/g, '');
  return config.columns.map((column, position) => {
    const field = column.field ?? (header ? column.name : position + 1);
    if (typeof field === 'number') return field - 1;
    if (!header) {
      throw new FileUnusable(`column ${column.name} names the header label "${field}", but the file is configured without a header (header: false); give a field number`);
    }
    const found = header.map(trim).flatMap((label, i) => (label === trim(field) ? [i] : []));
    if (found.length === 0) throw new FileUnusable(`the header has no column labelled "${field}" (for ${column.name})`);
    if (found.length > 1) throw new FileUnusable(`the header has ${found.length} columns labelled "${field}" (for ${column.name}); which one is meant is unclear`);
    return found[0]!;
  });
}

function checkFieldCount(config: FileSourceConfig, indexes: number[], fieldCount: number): void {
  indexes.forEach((index, i) => {
    if (index >= fieldCount) {
      throw new FileUnusable(`column ${config.columns[i]!.name} is field ${index + 1}, but the file's records have ${fieldCount} fields`);
    }
  });
}

async function* delimitedRecords(config: FileSourceConfig): AsyncGenerator<SourceRow> {
  const parser = parse({
    delimiter: config.format === 'tsv' ? '\t' : ',',
    quote: config.format === 'tsv' ? false : '"',
    relax_column_count: false,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
  });
  // Errors of any stage reach the loop below through the parser; a consumer that stops
  // early destroys the parser, and the pipeline then closes the file.
  const flowing = pipeline(Readable.from(decodedText(config)), parser).catch(() => undefined);
  try {
    let indexes: number[] | null = null;
    for await (const record of parser as AsyncIterable<string[]>) {
      if (indexes === null) {
        indexes = fieldIndexes(config, config.header ? record : null);
        checkFieldCount(config, indexes, record.length);
        if (config.header) continue;
      }
      const row: SourceRow = {};
      for (const [i, column] of config.columns.entries()) row[column.name] = record[indexes[i]!];
      yield row;
    }
    if (indexes === null && config.header) throw new FileUnusable('the file is empty: it has no header line');
  } finally {
    parser.destroy();
    await flowing;
  }
}

/** Lines as bytes, without their CRLF or LF. */
async function* byteLines(config: FileSourceConfig): AsyncGenerator<Buffer> {
  const withoutCr = (bytes: Buffer): Buffer => (bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes);
  let rest: Buffer = Buffer.alloc(0);
  let lines = 0;
  for await (const chunk of fileBytes(config)) {
    const bytes = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = bytes.indexOf(LF, start); end !== -1; end = bytes.indexOf(LF, start)) {
      lines += 1;
      yield withoutCr(bytes.subarray(start, end));
      start = end + 1;
    }
    rest = bytes.subarray(start);
    if (rest.length > MAX_RECORD_BYTES) {
      throw new FileUnusable(`line ${lines + 1}: longer than ${MAX_RECORD_BYTES} bytes without a line break; is this a fixed-width file?`);
    }
  }
  if (rest.length) yield withoutCr(rest);
}

async function* fixedRecords(config: FileSourceConfig): AsyncGenerator<SourceRow> {
  const decode =
    config.encoding === 'cp932'
      ? (bytes: Buffer): string => iconv.decode(bytes, 'cp932')
      : (bytes: Buffer): string => bytes.toString('utf8');
  // The schema requires start and length for fixed-width columns.
  const spans = config.columns.map((column) => ({ name: column.name, from: column.start! - 1, to: column.start! - 1 + column.length! }));
  let skipHeader = config.header;
  for await (const line of byteLines(config)) {
    if (line.length === 0) continue;
    if (skipHeader) {
      skipHeader = false;
      continue;
    }
    const row: SourceRow = {};
    // subarray stops at the line's end: a column cut off gives its partial bytes, one wholly beyond it ''.
    for (const span of spans) row[span.name] = decode(line.subarray(span.from, span.to));
    yield row;
  }
}
