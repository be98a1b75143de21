/**
 * Mapping PMH's error list back to source keys: PMH names the file (when an upload has
 * several) and the line in it; the key map written beside each file names the resident
 * and certificate on that line. All files are streamed.
 *
 * The list is read in the profile's encoding (UTF-8 or CP932; a byte-order mark is
 * skipped) by the profile's column names. A list whose rows cannot be traced at all
 * (neither the line nor the history key column is there) stops before PMH's answer is
 * applied: applying it would take the rejected records for accepted ones.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { pmhError } from '../../core/errors.ts';
import type { RejectedRecord } from '../delivery.ts';
import type { ScreenProfile } from './profile.ts';

type Row = Record<string, string>;

function csvRows(path: string, encoding: 'utf-8' | 'cp932', onHeader?: (header: string[]) => void): AsyncIterable<Row> {
  const bytes = createReadStream(path);
  const text = bytes.pipe(iconv.decodeStream(encoding === 'cp932' ? 'cp932' : 'utf-8', { stripBOM: true }));
  return text.pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim());
        onHeader?.(names);
        return names;
      },
      relax_column_count: true,
      skip_empty_lines: true,
    }),
  );
}

export interface UploadedFileKeys {
  fileName: string;
  keysPath: string;
}

/** PMH's error list as rejected records, each traced to its source through the file's key map. */
export async function readErrorList(
  errorListPath: string,
  files: UploadedFileKeys[],
  pmhUploadId: string,
  profile: ScreenProfile,
  warn: (missing: string[], header: string[]) => void,
): Promise<RejectedRecord[]> {
  const { columns, encoding } = profile.errors;
  const entries: RejectedRecord[] = [];
  const checkHeader = (header: string[]): void => {
    const missing = Object.entries(columns).filter(([, name]) => name !== undefined && !header.includes(name));
    if (missing.length === 0) return;
    const untraceable = !header.includes(columns.line) && !header.includes(columns.history_key);
    if (untraceable) {
      const [name, column] = missing[0]!;
      throw pmhError('ErrorListColumns', {
        uploadId: pmhUploadId,
        key: `errors.columns.${name}`,
        file: basename(profile.file),
        line: profile.lineOf(`errors.columns.${name}`) ?? '?',
        column: column!,
        header: header.join(', '),
      });
    }
    warn(missing.map(([name, column]) => `errors.columns.${name} (${column})`), header);
  };
  // file name → line → entries on that line; an error list without a file column names the first file.
  const wanted = new Map<string, Map<number, RejectedRecord[]>>();
  let header: string[] = [];
  let checked = false;
  for await (const row of csvRows(errorListPath, encoding, (names) => (header = names))) {
    if (!checked) {
      checked = true;
      checkHeader(header);
    }
    const line = Number(row[columns.line]);
    const entry: RejectedRecord = {
      pmhUploadId,
      line: Number.isInteger(line) && line > 0 ? line : null,
      residentNo: null,
      certificateId: null,
      historyKey: row[columns.history_key] || null,
      column: row[columns.column] ?? '',
      message: row[columns.message] ?? '',
    };
    entries.push(entry);
    if (entry.line === null) continue;
    const fileName = (columns.file_name ? row[columns.file_name] : undefined) || files[0]?.fileName || '';
    const lines = wanted.get(fileName) ?? new Map<number, RejectedRecord[]>();
    lines.set(entry.line, [...(lines.get(entry.line) ?? []), entry]);
    wanted.set(fileName, lines);
  }
  for (const file of files) {
    const lines = wanted.get(file.fileName);
    if (!lines) continue;
    for await (const key of csvRows(file.keysPath, 'utf-8')) {
      const matches = lines.get(Number(key.line));
      if (!matches) continue;
      for (const entry of matches) {
        entry.residentNo = key.residentNo ?? null;
        entry.certificateId = key.certificateId ?? null;
        entry.historyKey ??= key.historyKey ?? null;
      }
    }
  }
  return entries;
}
