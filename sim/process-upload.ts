// Checks an upload row by row and records the verdicts; does not touch the current records
// (the queue applies them together with the final status, in one transaction). An upload
// holds one or more files, checked in order as one: counts are summed, a duplicate key is
// a duplicate across files too, and a file that is bad as a whole refuses the whole upload.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CsvRecord } from './csv-parser.ts';
import { CSV_COLUMNS, columnIndex } from './layout.ts';
import { FileRefusal, readCsvRecords } from './read-upload-file.ts';
import { rowPosition } from './store.ts';
import type { SimStore, StoredUpload } from './store.ts';
import { validateRow } from './validate-row.ts';
import type { ColumnProblem } from './validate-row.ts';

export type ProcessingResult =
  | { kind: 'checked'; total: number; accepted: number; rejected: number }
  | { kind: 'refused'; reason: string; fileName: string | null }
  | { kind: 'stopped' };

export interface FileToCheck {
  fileName: string;
  path: string;
}

/** An extra verdict on a row (a fault mode): the message to reject it with, or null. */
export type ExtraRejection = (historyKey: string, dataRow: number) => string | null;

/** The column an extra rejection is reported under. */
export const EXTRA_REJECTION_COLUMN = '履歴キー';

/** Rows checked per transaction: big enough to be fast, small enough to keep pages responsive. */
const BATCH_SIZE = 500;

const TYPE_COLUMN = columnIndex('orgSpecificCertificateTypeId');
const HISTORY_KEY_COLUMN = columnIndex('historyKey');

interface Counts {
  total: number;
  accepted: number;
  rejected: number;
}

interface Check {
  store: SimStore;
  upload: StoredUpload;
  files: readonly FileToCheck[];
  counts: Counts;
  extraRejection: ExtraRejection | null;
}

export async function checkUploadFiles(
  store: SimStore,
  upload: StoredUpload,
  files: readonly FileToCheck[],
  shouldStop: () => boolean,
  extraRejection: ExtraRejection | null = null,
): Promise<ProcessingResult> {
  const check: Check = { store, upload, files, counts: { total: 0, accepted: 0, rejected: 0 }, extraRejection };
  for (const [fileIndex, file] of files.entries()) {
    try {
      if (!(await checkFile(check, fileIndex, shouldStop))) return { kind: 'stopped' };
    } catch (error) {
      if (!(error instanceof FileRefusal)) throw error;
      // With one file the reason reads as before; with several it names the file.
      const reason = files.length > 1 ? `ファイル「${file.fileName}」：${error.reason}` : error.reason;
      return { kind: 'refused', reason, fileName: file.fileName };
    }
  }
  return { kind: 'checked', ...check.counts };
}

/** Returns false when told to stop; throws FileRefusal when the file is bad as a whole. */
async function checkFile(check: Check, fileIndex: number, shouldStop: () => boolean): Promise<boolean> {
  const { store, upload, counts } = check;
  const file = check.files[fileIndex]!;
  let headerSeen = false;
  let selectedTypeSeen = false;
  let dataRows = 0;
  for await (const records of readCsvRecords(file.path)) {
    let start = 0;
    if (!headerSeen && records.length > 0) {
      checkHeader(records[0]!);
      headerSeen = true;
      start = 1;
    }
    for (let i = start; i < records.length; i += BATCH_SIZE) {
      if (shouldStop()) return false;
      const batch = records.slice(i, Math.min(i + BATCH_SIZE, records.length));
      store.transaction(() => {
        for (const record of batch) {
          if (record.cells[TYPE_COLUMN] === upload.certificateTypeId) selectedTypeSeen = true;
          dataRows++;
          counts.total++;
          const accepted = checkRow(check, fileIndex, record, counts.total);
          if (accepted) counts.accepted++;
          else counts.rejected++;
        }
      });
      await yieldToEventLoop();
    }
  }
  if (!headerSeen) throw new FileRefusal('ファイルが空です。ヘッダー行とデータ行を含むCSVファイルを指定してください。');
  if (dataRows === 0) throw new FileRefusal('データ行がありません（ヘッダー行のみのファイルです）。');
  if (!selectedTypeSeen) {
    throw new FileRefusal(
      `選択した受給者証種別（${upload.certificateTypeId}）の行がファイルに1件もありません。` +
        '受給者証種別の選択とファイルの内容を確認してください。',
    );
  }
  return true;
}

function checkHeader(header: CsvRecord): void {
  // The header's cells are not echoed back: a file without a header starts with personal data.
  const cells = header.cells;
  const wrongAt = CSV_COLUMNS.findIndex((column, i) => cells[i] !== column);
  if (wrongAt >= 0) {
    throw new FileRefusal(
      `ヘッダー行が正しくありません。${wrongAt + 1}列目の項目名は「${CSV_COLUMNS[wrongAt]}」である必要があります。` +
        `（ヘッダー行は ${CSV_COLUMNS.length} 項目を定められた順に並べてください。）`,
    );
  }
  if (cells.length !== CSV_COLUMNS.length) {
    throw new FileRefusal(
      `ヘッダー行の項目数が正しくありません（${cells.length}項目）。${CSV_COLUMNS.length}項目である必要があります。`,
    );
  }
}

/** Returns true when the row is accepted; `dataRow` counts data rows across the upload from 1. */
function checkRow(check: Check, fileIndex: number, record: CsvRecord, dataRow: number): boolean {
  const { store, upload, files } = check;
  const verdict = validateRow(record.cells, upload.certificateTypeId);
  const problems: ColumnProblem[] = [...verdict.problems];
  const historyKey = record.cells[HISTORY_KEY_COLUMN] ?? '';
  if (verdict.key) {
    const first = store.claimKey(upload.seq, verdict.key, fileIndex, record.line);
    if (first !== null) {
      const where =
        first.fileIndex === fileIndex ? `${first.line}行目` : `ファイル「${files[first.fileIndex]?.fileName ?? ''}」の${first.line}行目`;
      const scope = files.length > 1 ? '同じアップロード内' : '同じファイル内';
      problems.push({
        column: 'historyKey',
        message:
          `${where}と orgSpecificCertificateTypeId・myNumber・historyKey の組み合わせが重複しています` +
          `（${scope}では2件目以降を受け付けません）。`,
      });
    } else if (
      upload.mode === 'diff' &&
      verdict.isDeleted &&
      verdict.key.certificateTypeId === upload.certificateTypeId &&
      !store.recordExists(verdict.key)
    ) {
      problems.push({ column: 'isDeleted', message: '削除対象の履歴が存在しません。' });
    }
  }
  const extra = check.extraRejection?.(historyKey, dataRow) ?? null;
  if (extra !== null) problems.push({ column: EXTRA_REJECTION_COLUMN, message: extra });
  if (problems.length === 0 && verdict.key && verdict.record) {
    store.insertAcceptedRow(upload.seq, rowPosition(fileIndex, record.line), verdict.key, verdict.isDeleted, verdict.record);
    return true;
  }
  const fileName = files[fileIndex]?.fileName ?? '';
  for (const problem of problems) {
    store.insertError(upload.seq, { fileName, line: record.line, historyKey, ...problem });
  }
  return false;
}
