/**
 * A named business-system database, opened through knex and read row by row.
 * Read-only at every level the engine offers: the SQL guard (sql-text.ts), a read-only
 * transaction (PostgreSQL, MySQL/MariaDB, Oracle), read-only intent (SQL Server), a
 * read-only file handle (SQLite, through Node's own node:sqlite, never created when missing).
 * Every query has a timeout: the server's own statement timeout where the engine has one,
 * and a deadline checked between rows.
 */
import knexFactory, { type Knex } from 'knex';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { DatabaseSourceConfig } from '../config/schema.ts';
import { pmhError } from '../core/errors.ts';
import { NodeSqliteClient } from './knex-node-sqlite.ts';
import pg from 'pg';

const pgTypes = pg.types;

export type SourceRow = Record<string, unknown>;

export interface SqlSource {
  readonly name: string;
  readonly client: DatabaseSourceConfig['client'];
  /** Streams the rows of one compiled query (`?` placeholders). */
  rows(sql: string, bindings: unknown[], file: string): AsyncIterable<SourceRow>;
  close(): Promise<void>;
}

export interface ResolvedSecrets {
  /** Reads a secret by the environment-variable name the config gives. */
  (envName: string, configPath: string): string;
}

// knex would print driver errors (which can carry connection details) to the console;
// failures reach the operator through our own classified errors instead.
const quiet = (): void => undefined;
const silentLog = { warn: quiet, error: quiet, deprecate: quiet, debug: quiet };

/** PostgreSQL DATE (OID 1082) stays the calendar day as written, never a shifted JS Date. */
const PG_DATE_OID = 1082;

type PoolConnection = { query?: unknown; callTimeout?: number };

/** The knex configuration of one source: connection, timeouts, read-only settings. */
export function knexConfig(name: string, config: DatabaseSourceConfig, secret: ResolvedSecrets): Knex.Config {
  const connectMs = config.connect_timeout_seconds * 1000;
  const queryMs = config.query_timeout_seconds * 1000;
  const base = { log: silentLog, acquireConnectionTimeout: connectMs + 5000 };
  if (config.client === 'sqlite') {
    return {
      ...base,
      client: NodeSqliteClient,
      // Integers as bigints: a key beyond 2^53 (a 16-digit number kept as INTEGER) reaches
      // normalise.ts digit for digit, as pg and mysql2 hand theirs over as text.
      connection: { filename: config.connection.filename, options: { readonly: true, safeIntegers: true } },
      useNullAsDefault: true,
      pool: { min: 1, max: 1 },
    };
  }
  const { host, port, database, user, password_env } = config.connection;
  const password = password_env ? secret(password_env, `sources.${name}.connection.password_env`) : undefined;
  const pool = { min: 0, max: config.pool_size };
  switch (config.client) {
    case 'pg':
      return {
        ...base,
        client: 'pg',
        connection: {
          host, port, database, user, password,
          connectionTimeoutMillis: connectMs,
          statement_timeout: queryMs,
          application_name: 'pmh-bot',
          types: {
            getTypeParser: ((oid: number, format?: string) =>
              oid === PG_DATE_OID ? (value: string) => value : pgTypes.getTypeParser(oid, format as 'text')) as never,
          },
        } as Knex.PgConnectionConfig,
        pool,
      };
    case 'mysql2':
      return {
        ...base,
        client: 'mysql2',
        connection: { host, port, database, user, password, connectTimeout: connectMs, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true },
        pool: {
          ...pool,
          afterCreate: (connection: { query(sql: string, done: (error: Error | null) => void): void }, done: (error: Error | null, c: unknown) => void) => {
            // MariaDB's statement timeout is in seconds, MySQL's in milliseconds; each ignores the other's.
            connection.query(`SET SESSION max_statement_time = ${Math.ceil(queryMs / 1000)}`, () => {
              connection.query(`SET SESSION max_execution_time = ${queryMs}`, () => done(null, connection));
            });
          },
        },
      };
    case 'mssql':
      return {
        ...base,
        client: 'mssql',
        connection: {
          server: host, port, database, user, password,
          connectionTimeout: connectMs,
          requestTimeout: queryMs,
          options: { readOnlyIntent: true, useUTC: false, appName: 'pmh-bot', trustServerCertificate: false },
        } as Knex.MsSqlConnectionConfig,
        pool,
      };
    case 'oracledb':
      return {
        ...base,
        client: 'oracledb',
        connection: {
          user, password,
          connectString: `${host}:${port ?? 1521}/${database}`,
          connectTimeout: config.connect_timeout_seconds,
          transportConnectTimeout: config.connect_timeout_seconds,
        } as unknown as Knex.OracleDbConnectionConfig,
        pool: {
          ...pool,
          afterCreate: (connection: PoolConnection, done: (error: Error | null, c: unknown) => void) => {
            connection.callTimeout = queryMs;
            done(null, connection);
          },
        },
      };
  }
}


class Deadline {
  private readonly end: number;
  private seen = 0;

  constructor(private readonly ms: number) {
    this.end = Date.now() + ms;
  }

  /** Checked every 1,000 rows: cheap, and enough for a query that streams slowly. */
  tick(): void {
    this.seen += 1;
    if (this.seen % 1000 === 0 && Date.now() > this.end) {
      throw new Error(`query timeout: still running after ${Math.round(this.ms / 1000)} s`);
    }
  }
}

async function* iterateSqlite(knex: Knex, sql: string, bindings: unknown[], deadline: Deadline): AsyncGenerator<SourceRow> {
  // The statement's own iterator, without a stream between: the rows of a local file come
  // faster than a stream passes them on, and a million rows never sit in memory at once.
  const connection = (await knex.client.acquireConnection()) as DatabaseSync;
  try {
    const native = knex.raw(sql, bindings as Knex.RawBinding[]).toSQL().toNative();
    const statement = connection.prepare(native.sql);
    for (const row of statement.iterate(...(native.bindings as SQLInputValue[]))) {
      deadline.tick();
      yield row as SourceRow;
    }
  } finally {
    await knex.client.releaseConnection(connection);
  }
}

async function* iterateInReadOnlyTransaction(
  knex: Knex,
  client: DatabaseSourceConfig['client'],
  sql: string,
  bindings: unknown[],
  deadline: Deadline,
): AsyncGenerator<SourceRow> {
  if (client === 'mssql') {
    // SQL Server has no read-only transaction: the login's rights and ApplicationIntent=ReadOnly stand in.
    for await (const row of knex.raw(sql, bindings as Knex.RawBinding[]).stream()) {
      deadline.tick();
      yield row as SourceRow;
    }
    return;
  }
  const trx = await knex.transaction({ readOnly: client === 'pg' || client === 'mysql2' });
  try {
    if (client === 'oracledb') await trx.raw('SET TRANSACTION READ ONLY');
    // pg's cursor fetches 100 rows per round trip by default: a million rows took 10,000
    // of them. 2,000 rows (about 1 MB) per fetch keeps memory flat and the server busy.
    const options = client === 'pg' ? { batchSize: 2000 } : undefined;
    for await (const row of trx.raw(sql, bindings as Knex.RawBinding[]).stream(options)) {
      deadline.tick();
      yield row as SourceRow;
    }
  } finally {
    await trx.rollback().catch(() => undefined);
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).slice(0, 300);
}

export async function openSqlSource(name: string, config: DatabaseSourceConfig, secret: ResolvedSecrets): Promise<SqlSource> {
  const knex = knexFactory(knexConfig(name, config, secret));
  const unreachable = (error: unknown) =>
    pmhError('SourceUnreachable', { source: name, client: config.client, detail: firstLine(error) }, error);
  let timer: NodeJS.Timeout | undefined;
  try {
    // Drivers differ in how they honour connect timeouts; the configured limit holds regardless.
    await Promise.race([
      knex.raw(config.client === 'oracledb' ? 'select 1 from dual' : 'select 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${config.connect_timeout_seconds} s`)), config.connect_timeout_seconds * 1000);
      }),
    ]);
  } catch (error) {
    void knex.destroy().catch(() => undefined);
    throw unreachable(error);
  } finally {
    clearTimeout(timer);
  }
  const timeoutMs = config.query_timeout_seconds * 1000;
  return {
    name,
    client: config.client,
    async *rows(sql, bindings, file) {
      const deadline = new Deadline(timeoutMs);
      try {
        if (config.client === 'sqlite') yield* iterateSqlite(knex, sql, bindings, deadline);
        else yield* iterateInReadOnlyTransaction(knex, config.client, sql, bindings, deadline);
      } catch (error) {
        throw pmhError('QueryFailed', { source: name, file, detail: firstLine(error) }, error);
      }
    },
    close: () => knex.destroy(),
  };
}
