// Reads an uploaded file as a stream of CSV records, refusing it as a whole when it is not
// UTF-8 or not CSV. Memory stays proportional to one read chunk, whatever the file size.

import { createReadStream } from 'node:fs';
import { CsvParser, CsvSyntaxError } from './csv-parser.ts';
import type { CsvRecord } from './csv-parser.ts';

/** A reason to refuse the whole file, written for the operator (Japanese). */
export class FileRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FileRefusal';
  }
}

const NOT_UTF8 = 'ファイルの文字コードがUTF-8ではありません。UTF-8（BOM付きも可）で保存してください。';

/** Yields the file's records chunk by chunk; throws FileRefusal for encoding or CSV syntax errors. */
export async function* readCsvRecords(path: string): AsyncGenerator<CsvRecord[]> {
  // TextDecoder drops a leading BOM and, being fatal, rejects any byte sequence that is not UTF-8.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parser = new CsvParser();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    yield parse(parser, decode(decoder, chunk as Buffer, true));
  }
  yield parse(parser, decode(decoder, undefined, false));
  try {
    yield parser.end();
  } catch (error) {
    throw asRefusal(error);
  }
}

function decode(decoder: TextDecoder, chunk: Buffer | undefined, stream: boolean): string {
  try {
    return decoder.decode(chunk, { stream });
  } catch {
    throw new FileRefusal(NOT_UTF8);
  }
}

function parse(parser: CsvParser, text: string): CsvRecord[] {
  try {
    return parser.push(text);
  } catch (error) {
    throw asRefusal(error);
  }
}

function asRefusal(error: unknown): unknown {
  if (error instanceof CsvSyntaxError) {
    return new FileRefusal(`CSVの形式が正しくありません（${error.line}行目）：${error.message}`);
  }
  return error;
}
