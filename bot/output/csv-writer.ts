/**
 * The single-file CSV API the run used before layouts: one UTF-8 file at a given path, in
 * the default layout's columns (config/layouts/pmh-v1.yaml), with the line ending and
 * header chosen by the caller. Kept for callers not yet on output-writer.ts's openOutput();
 * the writing itself (streaming, key map, `.part` + fsync + rename) is output-writer.ts's.
 */
import type { PmhRecord, SourceKey } from '../records/pmh-record.ts';
import { DEFAULT_LAYOUT_PATH, loadLayout, type Layout } from './layout-file.ts';
import { openOutputFile } from './output-writer.ts';

export interface CsvWriteOptions {
  lineEnding: 'crlf' | 'lf';
  header: boolean;
}

export interface WrittenFile {
  path: string;
  keysPath: string;
  /** Data rows (the header not counted). */
  rows: number;
  /** Size of the CSV file. */
  bytes: number;
  /** SHA-256 of the CSV file, hex. */
  sha256: string;
}

export interface PmhCsvFileWriter {
  /** Resolves when the row is accepted; waits while the disk is behind (backpressure). */
  write(record: PmhRecord, source: SourceKey): Promise<void>;
  /** Flushes, fsyncs, closes and renames both files into place. */
  close(): Promise<WrittenFile>;
  /** Closes and removes both files (the `.part` files, or the final ones if close had renamed them). */
  abort(): Promise<void>;
}

let defaultLayout: Layout | undefined;

export async function openPmhCsvFile(path: string, options: CsvWriteOptions): Promise<PmhCsvFileWriter> {
  defaultLayout ??= loadLayout(DEFAULT_LAYOUT_PATH);
  // Encoding, quoting and booleans stay what this API always wrote, whatever the default
  // layout file says about them.
  const layout: Layout = {
    ...defaultLayout,
    format: 'csv',
    csv: { encoding: 'utf-8', quoting: 'as_needed', booleans: 'true_false', line_ending: options.lineEnding, header: options.header },
    max_rows_per_file: null,
    max_bytes_per_file: null,
  };
  const file = await openOutputFile(layout, path);
  return {
    write: (record, source) => file.write(record, source),
    async close() {
      const { path: written, keysPath, rows, bytes, sha256 } = await file.close();
      return { path: written, keysPath, rows, bytes, sha256 };
    },
    abort: () => file.abort(),
  };
}
