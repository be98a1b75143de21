/**
 * The same business systems on the real database servers of this machine: a scratch
 * database per test on PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306), filled
 * with the demo systems' rows under the column types real systems use (CHAR keys that
 * pad, DATE columns), so drivers hand values back as they really do.
 */
import { randomBytes } from 'node:crypto';
import { Database } from '../../core/sqlite.ts';
import knexFactory, { type Knex } from 'knex';
import type { DatabaseSourceConfig } from '../../config/schema.ts';
import type { DemoData } from '../generators/demo-data.ts';

export type ServerEngine = 'pg' | 'mysql2';

const SERVERS: Record<ServerEngine, { host: string; port: number; user: string; database: string }> = {
  pg: { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' },
  mysql2: { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' },
};

function admin(engine: ServerEngine, database?: string): Knex {
  const server = SERVERS[engine];
  return knexFactory({ client: engine, connection: { ...server, database: database ?? server.database }, pool: { min: 0, max: 2 } });
}

export interface ScratchDatabase {
  engine: ServerEngine;
  database: string;
  /** A source config pointing at this database. */
  source(): DatabaseSourceConfig;
  knex(): Knex;
  drop(): Promise<void>;
}

export async function createScratchDatabase(engine: ServerEngine): Promise<ScratchDatabase> {
  const database = `pmh_test_${randomBytes(4).toString('hex')}`;
  const root = admin(engine);
  await root.raw(engine === 'pg' ? `CREATE DATABASE ${database} ENCODING 'UTF8' TEMPLATE template0` : `CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await root.destroy();
  let connection: Knex | undefined;
  return {
    engine,
    database,
    source: () => ({
      client: engine,
      connection: { host: SERVERS[engine].host, port: SERVERS[engine].port, database, user: SERVERS[engine].user },
      pool_size: 2,
      connect_timeout_seconds: 10,
      query_timeout_seconds: 60,
    }),
    knex: () => (connection ??= admin(engine, database)),
    async drop() {
      await connection?.destroy();
      const r = admin(engine);
      if (engine === 'pg') await r.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      else await r.raw(`DROP DATABASE IF EXISTS ${database}`);
      await r.destroy();
    },
  };
}

type Column = [name: string, type: (t: Knex.CreateTableBuilder, name: string) => Knex.ColumnBuilder, nullable?: boolean];

const char = (n: number) => (t: Knex.CreateTableBuilder, name: string) => t.specificType(name, `char(${n})`);
const varchar = (n: number) => (t: Knex.CreateTableBuilder, name: string) => t.string(name, n);
const date = (t: Knex.CreateTableBuilder, name: string) => t.date(name);
const int = (t: Knex.CreateTableBuilder, name: string) => t.integer(name);

/** The demo systems' tables with the types a real business system would use. */
const TABLES: Record<keyof DemoData['files'], { table: string; columns: Column[] }> = {
  subsidy: {
    table: 'certificates',
    columns: [
      ['cert_id', varchar(20)], ['atena_no', char(10)], ['program_code', varchar(20)], ['history_no', int],
      ['futansha_no', char(8), true], ['jukyusha_no', varchar(30), true], ['valid_from', date], ['valid_to', varchar(10)],
      ['income_segment', varchar(10), true], ['copay_cap', int, true], ['always_reimburse', int], ['updated_at', date],
    ],
  },
  registry: {
    table: 'residents',
    columns: [
      ['atena_no', char(10)], ['kojin_no', char(12), true], ['shimei', varchar(100), true], ['shimei_kana', varchar(100), true],
      ['jusho', varchar(200), true], ['seinengappi', char(8), true], ['seibetsu', char(1), true],
    ],
  },
  support: {
    table: 'support_measures',
    columns: [['atena_no', char(10)], ['measure_type', varchar(20)], ['start_date', date], ['end_date', date, true]],
  },
};

/**
 * Copies one demo system (a SQLite file) into a scratch database.
 * valid_to stays text on purpose: the demo plants an impossible date there, which a DATE
 * column could not even hold, and real systems do keep dates as text.
 */
export async function copySystem(files: DemoData['files'], system: keyof DemoData['files'], target: ScratchDatabase): Promise<void> {
  const { table, columns } = TABLES[system];
  const knex = target.knex();
  await knex.schema.createTable(table, (t) => {
    for (const [name, type, nullable] of columns) {
      const column = type(t, name);
      if (nullable) column.nullable();
      else column.notNullable();
    }
  });
  const source = new Database(files[system], { readonly: true });
  try {
    const rows = source.prepare(`SELECT ${columns.map(([name]) => name).join(', ')} FROM ${table}`).all() as Record<string, unknown>[];
    for (let i = 0; i < rows.length; i += 500) await knex(table).insert(rows.slice(i, i + 500));
  } finally {
    source.close();
  }
}
