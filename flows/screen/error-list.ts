/**
 * Mapping PMH's error list back to source keys: PMH names the file (when an upload has
 * several) and the line in it; the key map written beside each file names the resident
 * and certificate on that line. All files are streamed.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { RejectedRecord } from '../delivery.ts';
import type { ScreenProfile } from './profile.ts';

type Row = Record<string, string>;

function csvRows(path: string): AsyncIterable<Row> {
  return createReadStream(path).pipe(parse({ bom: true, columns: true, relax_column_count: true, skip_empty_lines: true }));
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
): Promise<RejectedRecord[]> {
  const { columns } = profile.errors;
  const entries: RejectedRecord[] = [];
  // file name → line → entries on that line; an error list without a file column names the first file.
  const wanted = new Map<string, Map<number, RejectedRecord[]>>();
  for await (const row of csvRows(errorListPath)) {
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
    for await (const key of csvRows(file.keysPath)) {
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
