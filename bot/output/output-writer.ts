/**
 * Writes PMH records into upload files shaped by a layout (layout-file.ts): CSV in the
 * layout's columns, encoding, line ending, quoting and boolean style, or the registration
 * API's JSON array. Streaming: memory stays flat however many records there are.
 *
 * Splitting: a new file (part) starts when the next record would take the current one past
 * max_rows_per_file or max_bytes_per_file. A record is never split: one larger than the
 * byte limit on its own goes alone into its part (the limit is then exceeded, PMH will say
 * so; shrinking the record is not the writer's call). Every CSV part has its own BOM and
 * header row when the layout asks for them; every JSON part is a complete array.
 *
 * Beside every part a key map (`<path>.keys.csv`) names, for each record, the line it
 * starts on in that part and its source key, so that PMH's error list (which names file
 * lines) can be turned back into keys an operator can look up. In a JSON part every record
 * is written on its own line (`[` first, `,\n` between records, `]` last), so a record's
 * line is also its 1-based index in the array.
 *
 * All files are written under `*.part` names, fsynced, and renamed into place only by
 * close(): a crash never leaves a half-written file under a final name.
 */
import { createHash } from 'node:crypto';
import { close as closeFd, createWriteStream, fsync, type WriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';
import { unencodableFields } from '../records/encodable.ts';
import type { Layout, OutputEncoding } from './layout-file.ts';
import { csvColumnsOf } from './layout.ts';
import type { PmhRecord, SourceKey } from '../records/pmh-record.ts';

export interface OutputPart {
  /** Final path of the part. */
  path: string;
  /** `${path}.keys.csv` */
  keysPath: string;
  /** Records in the part (a header row not counted). */
  rows: number;
  /** Size of the part as written (encoded bytes, BOM included). */
  bytes: number;
  /** SHA-256 of the part's bytes, hex. */
  sha256: string;
  /** 1, 2, ... in writing order. */
  part: number;
}

export interface OutputWriter {
  /**
   * Resolves when the record is accepted; waits while the disk is behind (backpressure).
   * Calls may overlap: records keep call order. Rejects a record holding text the
   * layout's encoding cannot represent (run encodabilityProblems() first to hold it back).
   */
  write(record: PmhRecord, source: SourceKey): Promise<void>;
  /** Finishes every part and renames it into place; [] when nothing was written. */
  close(): Promise<OutputPart[]>;
  /** Removes every part and key map, whether close() ran or not. */
  abort(): Promise<void>;
}

/** The values of a file name pattern's placeholders (the part number is the writer's). */
export interface OutputNames {
  /** Certificate type ID. */
  type: string;
  /** Base date, YYYYMMDD. */
  date: string;
  /** Run ID. */
  run: string;
}

const KEY_MAP_HEADER = 'line,residentNo,certificateId,programCode,historyKey\n';
const LF = 0x0a;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const EMPTY = Buffer.alloc(0);
const DONE: Promise<void> = Promise.resolve();

/** How records become bytes in one layout. */
interface Serialiser {
  /** Bytes every part starts with: BOM and header row, or `[`. */
  head: Buffer;
  /** Bytes between two records of a part. */
  separator: Buffer;
  /** Bytes every part ends with. */
  tail: Buffer;
  /** The text encoding, for the encodability check. */
  encoding: OutputEncoding;
  record(record: PmhRecord): Buffer;
}

/** Any character that may call for quotes; the exact rule is in csvLine. */
const MAY_NEED_QUOTES = /[",\r\n]/;

/**
 * One CSV row, byte for byte what csv-stringify (the writer's former serialiser) writes
 * with `quoted` and `quoted_empty` set to `quoteAll`: a cell is quoted when it holds a
 * quote (doubled) or a comma, or the record delimiter itself (csv-stringify checks the
 * delimiter as configured: with CRLF, a lone LF does not cause quotes). Written out
 * because csv-stringify's per-call option handling was the writer's largest cost at a
 * million rows; test/e2e/bench.test.ts holds the two to the same bytes.
 */
export function csvLine(quoteAll: boolean, recordDelimiter: '\n' | '\r\n'): (cells: readonly string[]) => string {
  const cell = (value: string): string => {
    if (value === '') return quoteAll ? '""' : '';
    if (!MAY_NEED_QUOTES.test(value)) return quoteAll ? `"${value}"` : value;
    const hasQuote = value.includes('"');
    const quote = quoteAll || hasQuote || value.includes(',') || value.includes(recordDelimiter);
    const escaped = hasQuote ? value.replaceAll('"', '""') : value;
    return quote ? `"${escaped}"` : escaped;
  };
  return (cells) => {
    let row = '';
    for (let index = 0; index < cells.length; index += 1) {
      if (index > 0) row += ',';
      row += cell(cells[index]!);
    }
    return row + recordDelimiter;
  };
}

/** The key map's rows: as needed quoting, LF. */
const keyMapLine = csvLine(false, '\n');

function csvSerialiser(layout: Layout): Serialiser {
  const { encoding, line_ending: lineEnding, quoting, header } = layout.csv;
  const columns = csvColumnsOf(layout);
  // One row at a time: the writer must know a row's bytes before it decides which part
  // the row goes to.
  const line = csvLine(quoting === 'all', lineEnding === 'crlf' ? '\r\n' : '\n');
  const encode = encoding === 'cp932' ? (text: string) => iconv.encode(text, 'cp932') : (text: string) => Buffer.from(text, 'utf8');
  const bom = encoding === 'utf-8-bom' ? UTF8_BOM : EMPTY;
  return {
    head: Buffer.concat([bom, header ? encode(line(columns.map((column) => column.header))) : EMPTY]),
    separator: EMPTY,
    tail: EMPTY,
    encoding,
    record: (record) => encode(line(columns.map((column) => column.value(record)))),
  };
}

/** The registration API's record: its field order, nested basicFiveInfo, JSON booleans and nulls. */
function apiRecord(record: PmhRecord): object {
  const person = record.basicFiveInfo;
  return {
    orgSpecificCertificateTypeId: record.orgSpecificCertificateTypeId,
    myNumber: record.myNumber,
    basicFiveInfo: {
      name: person.name,
      nameKana: person.nameKana,
      address: person.address,
      dateOfBirth: person.dateOfBirth,
      sex: person.sex,
    },
    isNotDisclosed: record.isNotDisclosed,
    medicalSubsidyInsurerNumber: record.medicalSubsidyInsurerNumber,
    certificationName: record.certificationName,
    medicalSubsidyRecipientNumber: record.medicalSubsidyRecipientNumber,
    certificationSubKey: record.certificationSubKey,
    segment: record.segment,
    incomeSegment: record.incomeSegment,
    additionalConditions: record.additionalConditions,
    designatedMedicalInstitutions: record.designatedMedicalInstitutions,
    isAlwaysReimbursement: record.isAlwaysReimbursement,
    maxCopaymentAmount: record.maxCopaymentAmount,
    validFrom: record.validFrom,
    validTo: record.validTo,
    historyKey: record.historyKey,
    isDeleted: record.isDeleted,
    certificationDetail: record.certificationDetail,
  };
}

function jsonSerialiser(): Serialiser {
  return {
    head: Buffer.from('['),
    separator: Buffer.from(',\n'),
    tail: Buffer.from(']\n'),
    encoding: 'utf-8',
    // JSON.stringify escapes line breaks inside strings: a record is always one line.
    record: (record) => Buffer.from(JSON.stringify(apiRecord(record)), 'utf8'),
  };
}

function serialiserOf(layout: Layout): Serialiser {
  return layout.format === 'json' ? jsonSerialiser() : csvSerialiser(layout);
}

/** The part's file name: placeholders filled, `{part}` as 001; without it, `_002` from the second part on. */
export function partFileName(pattern: string, names: OutputNames, part: number): string {
  const number = String(part).padStart(3, '0');
  const values: Record<string, string> = { type: names.type, date: names.date, run: names.run, part: number };
  const name = pattern.replace(/\{(type|date|run|part)\}/g, (_whole, key: string) => values[key] ?? '');
  if (pattern.includes('{part}') || part === 1) return name;
  const extension = extname(name);
  return `${name.slice(0, name.length - extension.length)}_${number}${extension}`;
}

function countLineFeeds(bytes: Buffer): number {
  let count = 0;
  for (let index = bytes.indexOf(LF); index !== -1; index = bytes.indexOf(LF, index + 1)) count += 1;
  return count;
}

/**
 * Waits for room in the stream's buffer, or for the stream to finish, fail or close (after
 * end() a stream emits 'finish', never 'drain': a part retired while a write waits for
 * room must not leave that write hanging). Listeners are
 * removed each time: racing a long-lived promise instead would add a reaction per wait
 * that is never released.
 */
function drainedOrStopped(stream: WriteStream, onDone: () => void): Promise<void> {
  if (stream.destroyed || stream.errored) {
    onDone();
    return DONE;
  }
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('finish', done);
      stream.off('close', done);
      stream.off('error', done);
      onDone();
      resolve();
    };
    stream.on('drain', done);
    stream.on('finish', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

/** One file being written under its `.part` name, hashed and counted as the bytes go out. */
interface FileSink {
  readonly partPath: string;
  /** Resolves at once, or once the disk has caught up; rejects if the file has failed. */
  write(bytes: Buffer): Promise<void>;
  /** Resolves when the file is open; rejects with the reason it could not be (ENOENT...). */
  opened(): Promise<void>;
  /** Ends the stream, fsyncs and closes the file; resolves to its SHA-256. */
  finish(): Promise<string>;
  /** Stops writing, closes and removes the `.part` file. */
  discard(): Promise<void>;
  bytes(): number;
}

/** How many bytes a sink gathers before it hands them to the file stream. */
const GATHER_BYTES = 32 * 1024;

function openSink(partPath: string): FileSink {
  // autoClose: false keeps the descriptor open after the last byte so that it can be
  // fsynced before it is closed. (destroy() still closes it, so discard() does not.)
  const stream = createWriteStream(partPath, { flags: 'w', autoClose: false });
  const hash = createHash('sha256');
  let bytes = 0;
  let descriptor: number | undefined;
  let failure: unknown;
  stream.on('open', (fd: number) => {
    descriptor = fd;
  });
  stream.on('error', (error) => {
    failure ??= error;
  });
  /** One wait per full buffer, shared by every write that overlaps it (one listener set, not one per write). */
  let draining: Promise<void> | undefined;
  let fdClosed = false;
  let finishing: Promise<string> | undefined;

  const stopped = (): boolean => failure !== undefined || stream.destroyed || finishing !== undefined;
  const failed = (): Promise<never> => Promise.reject(failure ?? new Error(`${partPath} is no longer being written`));
  // A record is written as two or three small buffers; handing each to the stream (and to
  // the hash) on its own was a tenth of a run's CPU. They are gathered and passed on together.
  let gathered: Buffer[] = [];
  let gatheredBytes = 0;
  /** Hands the gathered bytes to the hash and the stream; false when the stream's buffer is full. */
  const passOn = (): boolean => {
    if (gatheredBytes === 0) return true;
    const chunk = gathered.length === 1 ? gathered[0]! : Buffer.concat(gathered, gatheredBytes);
    gathered = [];
    gatheredBytes = 0;
    hash.update(chunk);
    return stream.write(chunk);
  };

  return {
    partPath,
    // Not async: the bytes must reach the stream (or the gathered chunks) before the
    // caller's next write, so that overlapping calls keep their order.
    write(chunk) {
      if (stopped()) return failed();
      bytes += chunk.length;
      gathered.push(chunk);
      gatheredBytes += chunk.length;
      if (gatheredBytes < GATHER_BYTES) return DONE;
      if (passOn() && !draining) return DONE;
      // Cleared the moment the buffer drains, so that a write filling it again waits anew.
      draining ??= drainedOrStopped(stream, () => {
        draining = undefined;
      });
      // Bytes handed over before finish() began are written by it: only a failure rejects.
      return draining.then(() => (failure !== undefined || stream.destroyed ? failed() : undefined));
    },
    opened() {
      if (descriptor !== undefined) return DONE;
      if (failure !== undefined) return failed();
      return new Promise((resolve, reject) => {
        stream.once('ready', () => resolve());
        stream.once('error', reject);
      });
    },
    finish() {
      finishing ??= (async () => {
        if (failure !== undefined) throw failure;
        passOn();
        stream.end();
        await finished(stream);
        const fd = descriptor;
        if (fd === undefined) throw new Error(`${partPath} was never opened`);
        await promisify(fsync)(fd);
        fdClosed = true;
        await promisify(closeFd)(fd);
        return hash.digest('hex');
      })();
      return finishing;
    },
    async discard() {
      if (finishing) await finishing.catch(() => undefined);
      // After finish() closed the descriptor itself, destroy() would close its number again,
      // which by then may belong to another file.
      if (!fdClosed && !stream.closed) {
        const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
        stream.destroy();
        await closed;
      }
      await rm(partPath, { force: true });
    },
    bytes: () => bytes,
  };
}

/** One part: the data file and its key map. */
interface PartFile {
  readonly path: string;
  readonly keysPath: string;
  readonly part: number;
  /** Whether `record` (serialised) still fits in this part under the limits. */
  fits(record: Buffer, limits: Limits): boolean;
  append(record: Buffer, source: SourceKey, historyKey: string): Promise<void>;
  opened(): Promise<void>;
  /** Writes the tail, finishes both files; they stay under their `.part` names. */
  finish(): Promise<OutputPart>;
  /** Moves both files to their final names. */
  rename(): Promise<void>;
  /** Removes both files, under whichever names they have. */
  discard(): Promise<void>;
}

interface Limits {
  rows: number;
  bytes: number;
}

function startPart(serialiser: Serialiser, path: string, part: number): PartFile {
  const keysPath = `${path}.keys.csv`;
  const data = openSink(`${path}.part`);
  const keys = openSink(`${keysPath}.part`);
  let rows = 0;
  // The line the next byte of the data file goes on.
  let line = 1;
  let renamed = false;
  let finishing: Promise<OutputPart> | undefined;

  const writeData = (bytes: Buffer): Promise<void> => {
    if (bytes.length === 0) return DONE;
    line += countLineFeeds(bytes);
    return data.write(bytes);
  };
  const opening = writeData(serialiser.head);
  const keyHeader = keys.write(Buffer.from(KEY_MAP_HEADER));
  // Observed by the next write, finish() or opened(); never left unhandled.
  opening.catch(() => undefined);
  keyHeader.catch(() => undefined);

  return {
    path,
    keysPath,
    part,
    fits(record, limits) {
      if (rows === 0) return true; // alone in its part, whatever its size
      if (rows + 1 > limits.rows) return false;
      return data.bytes() + serialiser.separator.length + record.length + serialiser.tail.length <= limits.bytes;
    },
    append(record, source, historyKey) {
      const separated = rows > 0 ? writeData(serialiser.separator) : DONE;
      const startLine = line;
      const wrote = writeData(record);
      rows += 1;
      const keyRow = keyMapLine([String(startLine), source.residentNo, source.certificateId, source.programCode, historyKey]);
      const keyed = keys.write(Buffer.from(keyRow, 'utf8'));
      if (separated === DONE && wrote === DONE && keyed === DONE) return DONE;
      return Promise.all([separated, wrote, keyed]).then(() => undefined);
    },
    opened: () => Promise.all([data.opened(), keys.opened()]).then(() => undefined),
    finish() {
      finishing ??= (async () => {
        const tailed = writeData(serialiser.tail);
        // Both files settle before a failure is thrown, so that discard() never races a finishing file.
        const outcomes = await Promise.allSettled([tailed, data.finish(), keys.finish()]);
        for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
        // finish() is settled by now and hands back the same digest.
        return { path, keysPath, rows, bytes: data.bytes(), sha256: await data.finish(), part };
      })();
      return finishing;
    },
    async rename() {
      await rename(data.partPath, path);
      renamed = true;
      await rename(keys.partPath, keysPath);
    },
    async discard() {
      if (finishing) await finishing.catch(() => undefined);
      await Promise.all([data.discard(), keys.discard()]);
      if (renamed) await Promise.all([rm(path, { force: true }), rm(keysPath, { force: true })]);
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

function refuseUnencodable(record: PmhRecord, encoding: OutputEncoding, source: SourceKey): Error | undefined {
  const fields = unencodableFields(record, encoding);
  if (fields.length === 0) return undefined;
  // Field paths and system keys only: never the value.
  return new Error(
    `record of resident ${source.residentNo} (certificate ${source.certificateId}) holds text ${encoding} cannot represent ` +
      `in ${fields.join(', ')}: hold it back with encodabilityProblems() before writing`,
  );
}

/**
 * Opens the upload files of one certificate type: parts are named from the layout's
 * file_name with `names`, in `dir` (which must exist), and created as records arrive.
 */
export async function openOutput(layout: Layout, dir: string, names: OutputNames): Promise<OutputWriter> {
  for (const [key, value] of Object.entries(names)) {
    if (/[/\\<>:"|?*\x00-\x1f]/.test(value) || value === '' || value === '.' || value === '..') {
      throw new Error(`output name ${key} "${value}" cannot be part of a file name`);
    }
  }
  if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error(`${dir} is not a folder`), { code: 'ENOTDIR' });
  const serialiser = serialiserOf(layout);
  const limits: Limits = { rows: layout.max_rows_per_file ?? Infinity, bytes: layout.max_bytes_per_file ?? Infinity };
  const parts: PartFile[] = [];
  const finishing: Promise<OutputPart>[] = [];
  let current: PartFile | undefined;
  let state: 'open' | 'closing' | 'closed' | 'aborted' = 'open';
  let failure: unknown;

  const retire = (part: PartFile): void => {
    const done = part.finish();
    // Surfaces at the next write and at close().
    done.catch((error: unknown) => {
      failure ??= error;
    });
    finishing.push(done);
  };

  return {
    write(record, source) {
      if (state !== 'open') return Promise.reject(new Error(`output writer for ${layout.file_name} is ${state}`));
      if (failure !== undefined) return Promise.reject(failure);
      try {
        const refused = refuseUnencodable(record, serialiser.encoding, source);
        if (refused) return Promise.reject(refused);
        const bytes = serialiser.record(record);
        if (current && !current.fits(bytes, limits)) {
          retire(current);
          current = undefined;
        }
        if (!current) {
          const number = parts.length + 1;
          current = startPart(serialiser, join(dir, partFileName(layout.file_name, names, number)), number);
          parts.push(current);
        }
        return current.append(bytes, source, record.historyKey);
      } catch (error) {
        return Promise.reject(error);
      }
    },

    async close() {
      if (state !== 'open') throw new Error(`output writer for ${layout.file_name} is ${state}`);
      state = 'closing';
      if (current) retire(current);
      current = undefined;
      const outcomes = await Promise.allSettled(finishing);
      const written: OutputPart[] = [];
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') throw outcome.reason;
        written.push(outcome.value);
      }
      for (const part of parts) {
        if (state !== 'closing') throw new Error(`output writer for ${layout.file_name} was aborted while closing`);
        await part.rename();
      }
      if (parts.length > 0) await syncDirectory(dir);
      state = 'closed';
      return written;
    },

    async abort() {
      if (state === 'aborted') return;
      state = 'aborted';
      current = undefined;
      await Promise.all(parts.map((part) => part.discard()));
    },
  };
}

/** One file of a layout at `path`, never split, whatever the layout's limits. */
export interface OutputFileWriter {
  write(record: PmhRecord, source: SourceKey): Promise<void>;
  /** Finishes and renames the file into place; a layout with a header gives a header-only file for no record. */
  close(): Promise<OutputPart>;
  abort(): Promise<void>;
}

/** Opens one file (and its key map) at `path`; rejects, leaving nothing behind, if it cannot be created. */
export async function openOutputFile(layout: Layout, path: string): Promise<OutputFileWriter> {
  const serialiser = serialiserOf(layout);
  const file = startPart(serialiser, path, 1);
  try {
    await file.opened();
  } catch (error) {
    await file.discard();
    throw error;
  }
  let state: 'open' | 'closing' | 'closed' | 'aborted' = 'open';
  return {
    write(record, source) {
      if (state !== 'open') return Promise.reject(new Error(`output file ${path} is ${state}`));
      const refused = refuseUnencodable(record, serialiser.encoding, source);
      if (refused) return Promise.reject(refused);
      return file.append(serialiser.record(record), source, record.historyKey);
    },
    async close() {
      if (state !== 'open') throw new Error(`output file ${path} is ${state}`);
      state = 'closing';
      const written = await file.finish();
      await file.rename();
      await syncDirectory(dirname(path));
      state = 'closed';
      return written;
    },
    async abort() {
      if (state === 'aborted') return;
      state = 'aborted';
      await file.discard();
    },
  };
}
