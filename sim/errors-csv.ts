// The downloadable error list: UTF-8 with BOM (so Excel opens it as UTF-8), CRLF line ends.
// The first column names the file of the upload a row is in; 行番号 is the line in that file.

import type { ServerResponse } from 'node:http';
import { write } from './http.ts';
import type { SimStore, StoredUpload } from './store.ts';
import { UPLOAD_STATUS } from './types.ts';

const HEADER = ['ファイル名', '行番号', '履歴キー', '項目', 'エラー内容'];
const PAGE_SIZE = 2000;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

export async function sendErrorsCsv(res: ServerResponse, store: SimStore, upload: StoredUpload): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="errors-${upload.id}.csv"`,
    'Cache-Control': 'no-store',
  });
  await write(res, `\uFEFF${csvLine(HEADER)}`);
  if (upload.status === UPLOAD_STATUS.refused) {
    const fileName = upload.refusedFileName ?? (upload.files.length === 1 ? upload.fileName : '');
    res.end(csvLine([fileName, '', '', 'ファイル全体', upload.refusalReason ?? '']));
    return;
  }
  let after: number | null = 0;
  while (after !== null && !res.destroyed) {
    const page = store.errorsPage(upload.seq, after, PAGE_SIZE);
    const text = page.items.map((e) => csvLine([e.fileName, String(e.line), e.historyKey, e.column, e.message])).join('');
    if (text) await write(res, text);
    after = page.next;
  }
  res.end();
}
