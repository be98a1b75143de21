// Checks an upload row by row and records the verdicts; does not touch the current records
// (the queue applies them together with the final status, in one transaction).

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CsvRecord } from './csv-parser.ts';
import { CSV_COLUMNS, columnIndex } from './layout.ts';
import { FileRefusal, readCsvRecords } from './read-upload-file.ts';
import type { SimStore, StoredUpload } from './store.ts';
import { validateRow } from './validate-row.ts';
import type { ColumnProblem } from './validate-row.ts';

export type ProcessingResult =
  | { kind: 'checked'; total: number; accepted: number; rejected: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'stopped' };

/** Rows checked per transaction: big enough to be fast, small enough to keep pages responsive. */
const BATCH_SIZE = 500;

const TYPE_COLUMN = columnIndex('orgSpecificCertificateTypeId');
const HISTORY_KEY_COLUMN = columnIndex('historyKey');

export async function checkUploadFile(
  store: SimStore,
  upload: StoredUpload,
  filePath: string,
  shouldStop: () => boolean,
): Promise<ProcessingResult> {
  const counts = { total: 0, accepted: 0, rejected: 0 };
  let headerSeen = false;
  let selectedTypeSeen = false;
  try {
    for await (const records of readCsvRecords(filePath)) {
      let start = 0;
      if (!headerSeen && records.length > 0) {
        checkHeader(records[0]!);
        headerSeen = true;
        start = 1;
      }
      for (let i = start; i < records.length; i += BATCH_SIZE) {
        if (shouldStop()) return { kind: 'stopped' };
        const batch = records.slice(i, Math.min(i + BATCH_SIZE, records.length));
        store.transaction(() => {
          for (const record of batch) {
            if (record.cells[TYPE_COLUMN] === upload.certificateTypeId) selectedTypeSeen = true;
            const accepted = checkRow(store, upload, record);
            counts.total++;
            if (accepted) counts.accepted++;
            else counts.rejected++;
          }
        });
        await yieldToEventLoop();
      }
    }
    if (!headerSeen) throw new FileRefusal('ファイルが空です。ヘッダー行とデータ行を含むCSVファイルを指定してください。');
    if (counts.total === 0) throw new FileRefusal('データ行がありません（ヘッダー行のみのファイルです）。');
    if (!selectedTypeSeen) {
      throw new FileRefusal(
        `選択した受給者証種別（${upload.certificateTypeId}）の行がファイルに1件もありません。` +
          '受給者証種別の選択とファイルの内容を確認してください。',
      );
    }
  } catch (error) {
    if (error instanceof FileRefusal) return { kind: 'refused', reason: error.reason };
    throw error;
  }
  return { kind: 'checked', ...counts };
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

/** Returns true when the row is accepted. */
function checkRow(store: SimStore, upload: StoredUpload, record: CsvRecord): boolean {
  const verdict = validateRow(record.cells, upload.certificateTypeId);
  const problems: ColumnProblem[] = [...verdict.problems];
  if (verdict.key) {
    const firstLine = store.claimKey(upload.seq, verdict.key, record.line);
    if (firstLine !== null) {
      problems.push({
        column: 'historyKey',
        message:
          `${firstLine}行目と orgSpecificCertificateTypeId・myNumber・historyKey の組み合わせが重複しています` +
          '（同じファイル内では2件目以降を受け付けません）。',
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
  if (problems.length === 0 && verdict.key && verdict.record) {
    store.insertAcceptedRow(upload.seq, record.line, verdict.key, verdict.isDeleted, verdict.record);
    return true;
  }
  const historyKey = record.cells[HISTORY_KEY_COLUMN] ?? '';
  for (const problem of problems) {
    store.insertError(upload.seq, { line: record.line, historyKey, ...problem });
  }
  return false;
}
