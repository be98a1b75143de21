/**
 * Writes PMH records to a CSV file in the layout of layout.ts, streaming: memory stays flat
 * however many records there are. Beside the CSV it writes a key map (`<path>.keys.csv`)
 * naming, for each data row, the line it starts on and its source key, so that PMH's error
 * list (which names file lines) can be turned back into keys an operator can look up.
 *
 * Both files are written under `*.part` names, fsynced and renamed into place on close:
 * a crash never leaves a half-written file under the final name.
 */
import { createHash } from 'node:crypto';
import { close, createWriteStream, fsync, open as openFd } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { stringify } from 'csv-stringify';
import type { PmhRecord, SourceKey } from './pmh-record.ts';
import { pmhCsvColumns } from './layout.ts';

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

const keyColumns = ['line', 'residentNo', 'certificateId', 'programCode', 'historyKey'];

export async function openPmhCsvFile(path: string, options: CsvWriteOptions): Promise<PmhCsvFileWriter> {
  const keysPath = `${path}.keys.csv`;
  const data = await openCsvSink(`${path}.part`, {
    header: options.header,
    columns: pmhCsvColumns.map((column) => column.header),
    lineEnding: options.lineEnding,
  });
  let keys: CsvSink;
  try {
    keys = await openCsvSink(`${keysPath}.part`, { header: true, columns: keyColumns, lineEnding: 'lf' });
  } catch (error) {
    await data.discard();
    throw error;
  }

  let state: 'open' | 'closing' | 'closed' | 'aborted' = 'open';
  let renamed = false;
  let rows = 0;
  // The line the next data row starts on; the header, when written, is line 1.
  let nextLine = options.header ? 2 : 1;

  return {
    async write(record, source) {
      if (state !== 'open') throw new Error(`PMH CSV writer for ${path} is ${state}`);
      const fields = pmhCsvColumns.map((column) => column.value(record));
      const line = nextLine;
      // A quoted field may hold line breaks: the next row starts that many lines further down.
      nextLine += 1 + fields.reduce((breaks, field) => breaks + lineFeedsIn(field), 0);
      rows += 1;
      // Both rows are handed over before waiting, so rows stay in order even if calls overlap.
      const written = [
        data.write(fields),
        keys.write([String(line), source.residentNo, source.certificateId, source.programCode, record.historyKey]),
      ];
      await Promise.all(written);
    },

    async close() {
      if (state !== 'open') throw new Error(`PMH CSV writer for ${path} is ${state}`);
      state = 'closing';
      // Both settle before a failure is thrown, so that abort() never races a finishing file.
      const finished = await Promise.allSettled([data.finish(), keys.finish()]);
      for (const outcome of finished) if (outcome.status === 'rejected') throw outcome.reason;
      await rename(data.partPath, path);
      renamed = true;
      await rename(keys.partPath, keysPath);
      await syncDirectory(dirname(path));
      state = 'closed';
      return { path, keysPath, rows, bytes: data.bytes(), sha256: data.sha256() };
    },

    async abort() {
      if (state === 'aborted') return;
      state = 'aborted';
      await Promise.all([data.discard(), keys.discard()]);
      if (renamed) await Promise.all([rm(path, { force: true }), rm(keysPath, { force: true })]);
    },
  };
}

/**
 * Waits for room in the stream's buffer, or for the stream to close (the pipeline destroys
 * it on any failure). Listeners are removed each time: racing a long-lived promise instead
 * would add a reaction per wait that is never released.
 */
function drainedOrClosed(stream: Writable): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function lineFeedsIn(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count += 1;
  return count;
}

/** One CSV file being streamed: csv-stringify → byte counter and hash → the file. */
interface CsvSink {
  partPath: string;
  write(fields: string[]): Promise<void>;
  /** Ends the stream, waits until everything is on disk (fsync), closes the file. */
  finish(): Promise<void>;
  /** Stops writing, closes and removes the file. */
  discard(): Promise<void>;
  bytes(): number;
  sha256(): string;
}

async function openCsvSink(
  partPath: string,
  options: { header: boolean; columns: string[]; lineEnding: 'crlf' | 'lf' },
): Promise<CsvSink> {
  // A numeric descriptor, not a FileHandle: FileHandle.close() never settles after a
  // createWriteStream({ autoClose: false }) on it (Node 20), and we must fsync before closing.
  const fd = await promisify(openFd)(partPath, 'w');
  const stringifier = stringify({
    header: options.header,
    columns: options.columns,
    record_delimiter: options.lineEnding === 'crlf' ? 'windows' : 'unix',
    bom: false,
  });
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  // The descriptor stays open after the stream finishes so that it can be fsynced before closing.
  const file = createWriteStream(partPath, { fd, autoClose: false });

  let failure: unknown;
  const flowing = pipeline(stringifier, tap, file).catch((error: unknown) => {
    failure ??= error;
    throw error;
  });
  flowing.catch(() => undefined); // observed through `failure` and finish()

  const stopped = (): boolean => failure !== undefined || stringifier.destroyed;
  /** Rejects with the reason the pipeline stopped (a failure, or discard()). */
  const whyStopped = async (): Promise<never> => {
    if (failure === undefined) await flowing;
    throw failure ?? new Error(`CSV stream for ${partPath} has stopped`);
  };

  let digest: string | undefined;
  let fdClosed = false;
  const closeFd = async (): Promise<void> => {
    if (fdClosed) return;
    fdClosed = true;
    await promisify(close)(fd);
  };

  return {
    partPath,
    // Not async: the row must reach the stringifier before the caller's next write, so that
    // overlapping calls keep their order.
    write(fields) {
      if (stopped()) return whyStopped();
      if (stringifier.write(fields)) return Promise.resolve();
      return drainedOrClosed(stringifier).then(() => (stopped() ? whyStopped() : undefined));
    },
    async finish() {
      stringifier.end();
      await flowing;
      await promisify(fsync)(fd);
      await closeFd();
      digest = hash.digest('hex');
    },
    async discard() {
      stringifier.destroy();
      file.destroy();
      await flowing.catch(() => undefined);
      await closeFd().catch(() => undefined);
      await rm(partPath, { force: true });
    },
    bytes: () => bytes,
    sha256: () => {
      if (digest === undefined) throw new Error('sha256 is known once the file is finished');
      return digest;
    },
  };
}

/** Makes the renames durable. Windows cannot open a directory; NTFS journals renames itself. */
async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
