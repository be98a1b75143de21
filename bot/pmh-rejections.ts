/**
 * Mapping PMH's error list back to source keys: PMH names the line of the uploaded file;
 * the key map written beside the file names the resident and certificate on that line.
 * Both files are streamed.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { ScreenProfile } from '../flows/screen/profile.ts';
import type { RejectedEntry } from './ledger.ts';

type Row = Record<string, string>;

function csvRows(path: string): AsyncIterable<Row> {
  return createReadStream(path).pipe(parse({ bom: true, columns: true, relax_column_count: true, skip_empty_lines: true }));
}

export async function mapRejections(
  errorListPath: string,
  keysPath: string,
  pmhUploadId: string,
  profile: ScreenProfile,
): Promise<RejectedEntry[]> {
  const { columns } = profile.errors;
  const entries: RejectedEntry[] = [];
  for await (const row of csvRows(errorListPath)) {
    const line = Number(row[columns.line]);
    entries.push({
      pmhUploadId,
      line: Number.isInteger(line) && line > 0 ? line : null,
      residentNo: null,
      certificateId: null,
      historyKey: row[columns.historyKey] || null,
      column: row[columns.column] ?? '',
      message: row[columns.message] ?? '',
    });
  }
  const wanted = new Map<number, RejectedEntry[]>();
  for (const entry of entries) {
    if (entry.line === null) continue;
    wanted.set(entry.line, [...(wanted.get(entry.line) ?? []), entry]);
  }
  if (wanted.size === 0) return entries;
  for await (const key of csvRows(keysPath)) {
    const matches = wanted.get(Number(key.line));
    if (!matches) continue;
    for (const entry of matches) {
      entry.residentNo = key.residentNo ?? null;
      entry.certificateId = key.certificateId ?? null;
      entry.historyKey ??= key.historyKey ?? null;
    }
  }
  return entries;
}
