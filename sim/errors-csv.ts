// The downloadable error list, streamed page by page, CRLF line ends. The first column names
// the file of the upload a row is in; the second is the line in that file. Each screen
// chooses its header, encoding and file name: the classic one is UTF-8 with BOM (so Excel
// opens it as UTF-8).

import type { ServerResponse } from 'node:http';
import { write } from './http.ts';
import type { SimStore, StoredUpload } from './store.ts';
import { UPLOAD_STATUS } from './types.ts';

export interface ErrorsCsvFormat {
  header: readonly string[];
  contentType: string;
  fileName(uploadId: string): string;
  /** Text to the bytes sent; the first chunk is the header line with any byte-order mark. */
  encode(text: string): Buffer;
  byteOrderMark: string;
}

export const CLASSIC_ERRORS_CSV: ErrorsCsvFormat = {
  header: ['ファイル名', '行番号', '履歴キー', '項目', 'エラー内容'],
  contentType: 'text/csv; charset=utf-8',
  fileName: (uploadId) => `errors-${uploadId}.csv`,
  encode: (text) => Buffer.from(text, 'utf8'),
  byteOrderMark: '\uFEFF',
};

const PAGE_SIZE = 2000;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

export async function sendErrorsCsv(
  res: ServerResponse,
  store: SimStore,
  upload: StoredUpload,
  format: ErrorsCsvFormat = CLASSIC_ERRORS_CSV,
): Promise<void> {
  res.writeHead(200, {
    'Content-Type': format.contentType,
    'Content-Disposition': `attachment; filename="${format.fileName(upload.id)}"`,
    'Cache-Control': 'no-store',
  });
  await write(res, format.encode(`${format.byteOrderMark}${csvLine(format.header)}`));
  if (upload.status === UPLOAD_STATUS.refused) {
    const fileName = upload.refusedFileName ?? (upload.files.length === 1 ? upload.fileName : '');
    res.end(format.encode(csvLine([fileName, '', '', 'ファイル全体', upload.refusalReason ?? ''])));
    return;
  }
  let after: number | null = 0;
  while (after !== null && !res.destroyed) {
    const page = store.errorsPage(upload.seq, after, PAGE_SIZE);
    const text = page.items.map((e) => csvLine([e.fileName, String(e.line), e.historyKey, e.column, e.message])).join('');
    if (text) await write(res, format.encode(text));
    after = page.next;
  }
  res.end();
}
