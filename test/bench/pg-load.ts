/**
 * The benchmark's business systems on PostgreSQL: the demo generator's three SQLite
 * systems (test/generators/demo-data.ts) copied into a scratch database with the column
 * types of test/helpers/engines.ts (CHAR keys that pad, DATE columns), bulk-loaded through
 * psql's COPY FROM STDIN (knex inserts would take longer than the measurement itself).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Database } from '../../core/sqlite.ts';
import type { DemoData } from '../generators/demo-data.ts';
import type { ScratchDatabase } from '../helpers/engines.ts';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;

const DDL = `
CREATE TABLE certificates (
  cert_id varchar(20) NOT NULL, atena_no char(10) NOT NULL, program_code varchar(20) NOT NULL, history_no integer NOT NULL,
  futansha_no char(8), jukyusha_no varchar(30), valid_from date NOT NULL, valid_to varchar(10) NOT NULL,
  income_segment varchar(10), copay_cap integer, always_reimburse integer NOT NULL, updated_at date NOT NULL);
CREATE TABLE residents (
  atena_no char(10) NOT NULL, kojin_no char(12), shimei varchar(100), shimei_kana varchar(100),
  jusho varchar(200), seinengappi char(8), seibetsu char(1));
CREATE TABLE support_measures (atena_no char(10) NOT NULL, measure_type varchar(20) NOT NULL, start_date date NOT NULL, end_date date);
`;

/** Keys and the index a real system has, built after the load (as a bulk load would). */
const INDEXES = `
ALTER TABLE certificates ADD PRIMARY KEY (cert_id, history_no);
CREATE INDEX certificates_program ON certificates (program_code, valid_to);
ALTER TABLE residents ADD PRIMARY KEY (atena_no);
CREATE INDEX support_resident ON support_measures (atena_no);
ANALYZE;
`;

const TABLES: { system: keyof DemoData['files']; table: string; columns: string[] }[] = [
  {
    system: 'subsidy',
    table: 'certificates',
    columns: ['cert_id', 'atena_no', 'program_code', 'history_no', 'futansha_no', 'jukyusha_no', 'valid_from', 'valid_to',
      'income_segment', 'copay_cap', 'always_reimburse', 'updated_at'],
  },
  { system: 'registry', table: 'residents', columns: ['atena_no', 'kojin_no', 'shimei', 'shimei_kana', 'jusho', 'seinengappi', 'seibetsu'] },
  { system: 'support', table: 'support_measures', columns: ['atena_no', 'measure_type', 'start_date', 'end_date'] },
];

export function psqlArgs(database: string, ...commands: string[]): string[] {
  return ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', database,
    ...commands.flatMap((c) => ['-c', c])];
}

/** Runs psql; with `input`, feeds it the rows on stdin (respecting backpressure). */
export async function psql(database: string, commands: string[], input?: Iterable<string>): Promise<string> {
  const child = spawn('psql', psqlArgs(database, ...commands), { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (errors += c));
  const closed = once(child, 'close');
  if (input) {
    for (const chunk of input) {
      if (!child.stdin.write(chunk)) await Promise.race([once(child.stdin, 'drain'), closed]);
    }
  }
  child.stdin.end();
  const [code] = (await closed) as [number];
  if (code !== 0) throw new Error(`psql failed (${code}): ${errors.slice(0, 2000)}`);
  return output;
}

/** CSV for COPY: NULL is an unquoted empty field, text is always quoted (so '' stays ''). */
function csvLine(row: unknown[]): string {
  return `${row.map((v) => (v === null || v === undefined ? '' : typeof v === 'string' ? `"${v.replaceAll('"', '""')}"` : String(v))).join(',')}\n`;
}

function* csvChunks(file: string, table: string, columns: string[]): Generator<string> {
  const db = new Database(file, { readonly: true });
  try {
    const statement = db.prepare(`SELECT ${columns.join(', ')} FROM ${table}`);
    statement.setReturnArrays(true);
    let batch = '';
    let rows = 0;
    for (const row of statement.iterate()) {
      batch += csvLine(row as unknown[]);
      if (++rows % 5000 === 0) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  } finally {
    db.close();
  }
}

/** Creates the three tables in `target` and copies the generated systems into them. */
export async function loadIntoPostgres(files: DemoData['files'], target: ScratchDatabase): Promise<void> {
  await psql(target.database, [DDL]);
  for (const { system, table, columns } of TABLES) {
    await psql(target.database, [`\\copy ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT csv)`], csvChunks(files[system], table, columns));
  }
  await psql(target.database, [INDEXES]);
}

/** The joined query's columns, in its order, as a driver names them. */
export const JOINED_COLUMNS = ['program_code', 'atena_no', 'cert_id', 'history_no', 'futansha_no', 'jukyusha_no', 'valid_from',
  'valid_to', 'income_segment', 'copay_cap', 'always_reimburse', 'kojin_no', 'shimei', 'shimei_kana', 'jusho', 'seinengappi',
  'seibetsu', 'not_disclosed'] as const;

/**
 * The bot's three queries joined in one statement, as the bot joins them: every current
 * certificate with its person and its disclosure flag, in the bot's order. This is what the
 * COPY floor exports.
 */
export function joinedQuery(baseDate: string): string {
  return `SELECT c.program_code, c.atena_no, c.cert_id, c.history_no, c.futansha_no, c.jukyusha_no, c.valid_from,
      c.valid_to, c.income_segment, c.copay_cap, c.always_reimburse,
      r.kojin_no, r.shimei, r.shimei_kana, r.jusho, r.seinengappi, r.seibetsu, coalesce(s.flag, 0) AS not_disclosed
    FROM certificates c
    LEFT JOIN residents r ON r.atena_no = c.atena_no
    LEFT JOIN (SELECT atena_no, 1 AS flag FROM support_measures
               WHERE start_date <= '${baseDate}' AND (end_date IS NULL OR end_date >= '${baseDate}') GROUP BY atena_no) s
      ON s.atena_no = c.atena_no
    WHERE c.valid_to >= '${baseDate}'
    ORDER BY c.program_code, c.atena_no, c.cert_id, c.history_no`.replace(/\s+/g, ' ');
}

/**
 * Changes about `percent`% of the current certificates (those whose ID ends in 00, for 1%):
 * their monthly copay cap goes up by one yen, which changes the record PMH holds.
 */
export async function changeCertificates(database: string, baseDate: string): Promise<number> {
  const output = await psql(database, [
    `UPDATE certificates SET copay_cap = coalesce(copay_cap, 0) + 1 WHERE valid_to >= '${baseDate}' AND right(cert_id, 2) = '00'`,
  ]);
  void output;
  const count = await psql(database, [`\\pset tuples_only on`, `SELECT count(*) FROM certificates WHERE valid_to >= '${baseDate}' AND right(cert_id, 2) = '00'`]);
  return Number(count.trim());
}
