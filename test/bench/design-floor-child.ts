/**
 * The floor of the bot's own design (issue 9): what any run shaped like the bot's must pay
 * before a single value is read, shaped or checked. It moves the same rows along the bot's
 * own paths and does nothing else with them:
 * - `staging`: the source driver (`openSqlSource`, the bot's queries) → the staging store
 *   (`StagingStore`, as loaded by extraction, values as the driver gave them) → its join →
 *   one snapshot `pending` row per record (`Snapshot.addPending`, its batches and commits)
 *   → one CSV line per record;
 * - `joined`: the same without the staging store, as if the join ran in the source: one
 *   driver stream of the COPY floor's joined query → `pending` → CSV;
 * - `copy`: the same without the driver, as if each engine were read by its bulk-export
 *   path: the COPY floor's own `COPY … TO STDOUT` (through psql, as the floor runs it),
 *   its text-format lines split into the same rows → `pending` → CSV. What is left is what
 *   a Node.js program pays to touch each record, keep it in the snapshot and write it out.
 * Each variant also reports the seconds spent in `addPending` and its commits.
 * Left out on purpose: normalising, shaping, validation, the encodability check, the content
 * hash, the key map, the ledger. The JSON stored in `pending` is the joined row's, smaller
 * than a PMH record's, so the floor errs low.
 * Input: DesignFloorInput (the full run's config, whose systems are all one PostgreSQL
 * database). Prints its report as its last line.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { BotConfig, DatabaseSourceConfig } from '../../config/schema.ts';
import { readSecret } from '../../config/secrets.ts';
import { csvLine } from '../../bot/output/output-writer.ts';
import type { PmhRecord } from '../../bot/records/pmh-record.ts';
import { historyKeyOf } from '../../bot/records/shape.ts';
import { Snapshot } from '../../bot/state/snapshot.ts';
import { loadQuery } from '../../extractors/extract.ts';
import { openSqlSource, type SourceRow, type SqlSource } from '../../extractors/sql-source.ts';
import { StagingStore } from '../../extractors/staging.ts';
import { report } from './child.ts';
import { JOINED_COLUMNS, psqlArgs } from './pg-load.ts';

export interface DesignFloorInput {
  configFile: string;
  variant: 'staging' | 'joined' | 'copy';
  /** The COPY floor's query, for the `joined` and `copy` variants. */
  joinedSql: string;
  /** An empty folder for the staging store, the snapshot and the CSV files. */
  dir: string;
}

export interface DesignFloorReport {
  variant: DesignFloorInput['variant'];
  /** Seconds from opening the source to the last CSV line written and committed. */
  seconds: number;
  /** Of those, the seconds up to the sealed staging store (0 for `joined` and `copy`). */
  stagingSeconds: number;
  /** Of those, the seconds spent storing the `pending` rows (inserts and commits). */
  pendingSeconds: number;
  records: number;
  /** SHA-256 of the CSV files written, by name (taken after the clock stopped). */
  csvSha256: string;
}

const RUN_ID = 'design-floor';
const line = csvLine(true, '\n');

/** One CSV file per program, written with the stream's back-pressure honoured. */
class CsvFile {
  private readonly stream: WriteStream;
  constructor(path: string) {
    this.stream = createWriteStream(path);
  }
  async write(cells: string[]): Promise<void> {
    if (!this.stream.write(line(cells))) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** `Snapshot.addPending`, timed: the floors say how much of them the snapshot is. */
let pendingMs = 0;
function addPending(snapshot: Snapshot, ...args: Parameters<Snapshot['addPending']>): void {
  const started = performance.now();
  snapshot.addPending(...args);
  pendingMs += performance.now() - started;
}

const cell = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

/** What `addPending` reads of a record: its type, history key and My Number. */
function pendingRecord(type: string, historyKey: string, myNumber: unknown): PmhRecord {
  return { orgSpecificCertificateTypeId: type, historyKey, myNumber: cell(myNumber) } as PmhRecord;
}

async function stageAndJoin(config: BotConfig, source: SqlSource, dir: string, snapshot: Snapshot): Promise<{ records: number; stagingSeconds: number }> {
  const started = performance.now();
  const staging = new StagingStore(join(dir, 'staging.sqlite'));
  const parameters = { base_date: config.base_date };
  const rowsOf = async function* (file: string | undefined, extra: Record<string, unknown> = {}): AsyncGenerator<SourceRow> {
    // The benchmark reads every system from PostgreSQL: each query has its SQL file.
    if (!file) throw new Error('the design floor reads SQL sources only');
    const compiled = await loadQuery(file, { ...parameters, ...extra });
    yield* source.rows(compiled.sql, compiled.bindings, file);
  };
  // Object literals, as extraction builds them: the values as the driver gave them.
  const orNull = (value: unknown): string | null => value as string | null;
  for (const program of config.programs) {
    for await (const row of rowsOf(program.sql, { program_code: program.code })) {
      staging.addCertificate({
        residentNo: cell(row.resident_no), certificateId: cell(row.certificate_id), programCode: program.code,
        historyNo: Number(row.history_no), insurerNumber: orNull(row.insurer_number), recipientNumber: orNull(row.recipient_number),
        validFrom: orNull(row.valid_from), validTo: orNull(row.valid_to), incomeSegment: orNull(row.income_segment),
        copayCapYen: row.copay_cap_yen as number | null, alwaysReimburse: row.always_reimburse === null ? null : Boolean(row.always_reimburse),
      }, []);
    }
  }
  for await (const row of rowsOf(config.extraction.persons.sql)) {
    staging.addPerson({
      residentNo: cell(row.resident_no), myNumber: orNull(row.my_number), name: orNull(row.name), nameKana: orNull(row.name_kana),
      address: orNull(row.address), dateOfBirth: orNull(row.date_of_birth), sexCode: orNull(row.sex_code),
    }, []);
  }
  for await (const row of rowsOf(config.extraction.support_measures.sql)) {
    staging.addSupportMeasure({ residentNo: cell(row.resident_no), isNotDisclosed: row.is_not_disclosed === null ? null : Boolean(row.is_not_disclosed) });
  }
  staging.sealed();
  const stagingSeconds = (performance.now() - started) / 1000;
  let records = 0;
  try {
    for (const program of config.programs) {
      const csv = new CsvFile(join(dir, `${program.code}.csv`));
      for (const row of staging.joined(program.code)) {
        const { certificate: c, person: p } = row;
        addPending(snapshot, RUN_ID, 'upsert', pendingRecord(program.certificate_type_id, historyKeyOf(c), p?.myNumber), c, { json: JSON.stringify(row), hash: '' });
        await csv.write([c.programCode, c.residentNo, c.certificateId, cell(c.historyNo), cell(c.insurerNumber), cell(c.recipientNumber),
          cell(c.validFrom), cell(c.validTo), cell(c.incomeSegment), cell(c.copayCapYen), cell(c.alwaysReimburse),
          cell(p?.myNumber), cell(p?.name), cell(p?.nameKana), cell(p?.address), cell(p?.dateOfBirth), cell(p?.sexCode), cell(row.isNotDisclosed)]);
        records += 1;
      }
      await csv.close();
    }
  } finally {
    staging.close();
  }
  return { records, stagingSeconds };
}

/** COPY's text format: `\\N` is null, and a backslash escapes a tab, a line break or itself. */
const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
function copyText(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (_, escaped: string) => ESCAPES[escaped] ?? escaped);
}

/**
 * The joined query's rows as COPY sends them, read from psql's standard output (psql run as
 * the COPY floor runs it): a row per line, named by the query's columns as the driver would
 * name them.
 */
async function* copyRows(database: string, joinedSql: string): AsyncGenerator<SourceRow> {
  const child = spawn('psql', psqlArgs(database, `COPY (${joinedSql}) TO STDOUT`), { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const closed = once(child, 'close');
  let rest = '';
  try {
    // Decoded as a stream, so a character split between two chunks waits for its other bytes.
    for await (const chunk of child.stdout.setEncoding('utf8')) {
      const text = rest + (chunk as string);
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        const fields = text.slice(start, end).split('\t');
        if (fields.length !== JOINED_COLUMNS.length) throw new Error(`COPY sent ${fields.length} fields, not ${JOINED_COLUMNS.length}`);
        const row: SourceRow = {};
        for (let i = 0; i < fields.length; i++) row[JOINED_COLUMNS[i]!] = copyText(fields[i]!);
        yield row;
        start = end + 1;
      }
      rest = text.slice(start);
    }
    const [code] = (await closed) as [number | null];
    if (code !== 0 || rest !== '') throw new Error(`psql COPY failed (${code}): ${errors.trim()}`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

/** The benchmark's systems are one PostgreSQL database: its name. */
function pgDatabase(source: DatabaseSourceConfig): string {
  if (source.client !== 'pg') throw new Error('the COPY design floor reads PostgreSQL only');
  return source.connection.database;
}

async function joinedInSource(config: BotConfig, rows: AsyncIterable<SourceRow>, dir: string, snapshot: Snapshot): Promise<number> {
  const types = new Map(config.programs.map((program) => [program.code, program.certificate_type_id]));
  let records = 0;
  let csv: CsvFile | undefined;
  let program: string | undefined;
  for await (const row of rows) {
    const code = cell(row.program_code).trim();
    if (code !== program) {
      await csv?.close();
      program = code;
      csv = new CsvFile(join(dir, `${code}.csv`));
    }
    const values = Object.values(row).map(cell);
    const sourceKey = { residentNo: cell(row.atena_no), certificateId: cell(row.cert_id), programCode: code };
    const historyKey = historyKeyOf({ certificateId: sourceKey.certificateId, historyNo: Number(row.history_no) });
    addPending(snapshot, RUN_ID, 'upsert', pendingRecord(types.get(code) ?? code, historyKey, row.kojin_no), sourceKey, { json: JSON.stringify(row), hash: '' });
    await csv!.write(values);
    records += 1;
  }
  await csv?.close();
  return records;
}

const input = JSON.parse(process.argv[2] ?? '{}') as DesignFloorInput;
const config = JSON.parse(readFileSync(input.configFile, 'utf8')) as BotConfig;
mkdirSync(input.dir, { recursive: true });
const started = performance.now();
const sourceName = config.extraction.certificates_source;
const sourceConfig = config.sources[sourceName] as DatabaseSourceConfig;
// The `copy` variant reads through psql only: no driver connection at all.
const source = input.variant === 'copy' ? null : await openSqlSource(sourceName, sourceConfig, readSecret);
const snapshot = new Snapshot(join(input.dir, 'snapshot.sqlite'));
let result: { records: number; stagingSeconds: number };
try {
  if (source && input.variant === 'staging') result = await stageAndJoin(config, source, input.dir, snapshot);
  else {
    const rows = source ? source.rows(input.joinedSql, [], 'joined query') : copyRows(pgDatabase(sourceConfig), input.joinedSql);
    result = { records: await joinedInSource(config, rows, input.dir, snapshot), stagingSeconds: 0 };
  }
  const flushed = performance.now();
  snapshot.flush();
  pendingMs += performance.now() - flushed;
} finally {
  snapshot.close();
  await source?.close();
}
const seconds = (performance.now() - started) / 1000;
// The variants must have carried the same rows: the benchmark compares these.
const csvHash = createHash('sha256');
for (const file of readdirSync(input.dir).filter((name) => name.endsWith('.csv')).sort()) {
  csvHash.update(`${file}\n`);
  for await (const chunk of createReadStream(join(input.dir, file))) csvHash.update(chunk as Buffer);
}
const floorReport: DesignFloorReport = { variant: input.variant, seconds, pendingSeconds: pendingMs / 1000, ...result, csvSha256: csvHash.digest('hex') };
report(floorReport);
