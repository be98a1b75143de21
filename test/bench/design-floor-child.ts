/**
 * The floor of the bot's own design (issue 9): what any run shaped like the bot's must pay
 * before a single value is read, shaped or checked. It moves the same rows along the bot's
 * own paths and does nothing else with them:
 * - `staging`: the source driver (`openSqlSource`, the bot's queries) → the staging store
 *   (`StagingStore`, as loaded by extraction, values as the driver gave them) → its join →
 *   one snapshot `pending` row per record (`Snapshot.addPending`, its batches and commits)
 *   → one CSV line per record;
 * - `joined`: the same without the staging store, as if the join ran in the source: one
 *   driver stream of the COPY floor's joined query → `pending` → CSV.
 * Left out on purpose: normalising, shaping, validation, the encodability check, the content
 * hash, the key map, the ledger. The JSON stored in `pending` is the joined row's, smaller
 * than a PMH record's, so the floor errs low.
 * Input: DesignFloorInput (the full run's config, whose systems are all one PostgreSQL
 * database). Prints its report as its last line.
 */
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { BotConfig, DatabaseSourceConfig } from '../../config/schema.ts';
import { readSecret } from '../../config/secrets.ts';
import { csvLine } from '../../bot/output-writer.ts';
import type { PmhRecord } from '../../bot/pmh-record.ts';
import { historyKeyOf } from '../../bot/shape.ts';
import { Snapshot } from '../../bot/snapshot.ts';
import { loadQuery } from '../../extractors/extract.ts';
import { openSqlSource, type SourceRow, type SqlSource } from '../../extractors/sql-source.ts';
import { StagingStore } from '../../extractors/staging.ts';
import { report } from './child.ts';

export interface DesignFloorInput {
  configFile: string;
  variant: 'staging' | 'joined';
  /** The COPY floor's query, for the `joined` variant. */
  joinedSql: string;
  /** An empty folder for the staging store, the snapshot and the CSV files. */
  dir: string;
}

export interface DesignFloorReport {
  variant: DesignFloorInput['variant'];
  /** Seconds from opening the source to the last CSV line written and committed. */
  seconds: number;
  /** Of those, the seconds up to the sealed staging store (0 for `joined`). */
  stagingSeconds: number;
  records: number;
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
        snapshot.addPending(RUN_ID, 'upsert', pendingRecord(program.certificate_type_id, historyKeyOf(c), p?.myNumber), c, { json: JSON.stringify(row), hash: '' });
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

async function joinedInSource(config: BotConfig, source: SqlSource, joinedSql: string, dir: string, snapshot: Snapshot): Promise<number> {
  const types = new Map(config.programs.map((program) => [program.code, program.certificate_type_id]));
  let records = 0;
  let csv: CsvFile | undefined;
  let program: string | undefined;
  for await (const row of source.rows(joinedSql, [], 'joined query')) {
    const code = cell(row.program_code).trim();
    if (code !== program) {
      await csv?.close();
      program = code;
      csv = new CsvFile(join(dir, `${code}.csv`));
    }
    const values = Object.values(row).map(cell);
    const sourceKey = { residentNo: cell(row.atena_no), certificateId: cell(row.cert_id), programCode: code };
    const historyKey = historyKeyOf({ certificateId: sourceKey.certificateId, historyNo: Number(row.history_no) });
    snapshot.addPending(RUN_ID, 'upsert', pendingRecord(types.get(code) ?? code, historyKey, row.kojin_no), sourceKey, { json: JSON.stringify(row), hash: '' });
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
const source = await openSqlSource(sourceName, config.sources[sourceName] as DatabaseSourceConfig, readSecret);
const snapshot = new Snapshot(join(input.dir, 'snapshot.sqlite'));
let result: { records: number; stagingSeconds: number };
try {
  result = input.variant === 'staging'
    ? await stageAndJoin(config, source, input.dir, snapshot)
    : { records: await joinedInSource(config, source, input.joinedSql, input.dir, snapshot), stagingSeconds: 0 };
  snapshot.flush();
} finally {
  snapshot.close();
  await source.close();
}
const floorReport: DesignFloorReport = { variant: input.variant, seconds: (performance.now() - started) / 1000, ...result };
report(floorReport);
