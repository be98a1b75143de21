/**
 * A named business-system database, opened through knex and read row by row.
 * Connections are read-only where the driver allows it (SQLite opens the file read-only
 * and never creates it); every query has a timeout.
 */
import knexFactory, { type Knex } from 'knex';
import type Database from 'better-sqlite3';
import type { SourceConfig } from '../config/schema.ts';
import { pmhError } from '../core/errors.ts';

export type SourceRow = Record<string, unknown>;

export interface SqlSource {
  readonly name: string;
  readonly client: SourceConfig['client'];
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

function knexConfig(name: string, config: SourceConfig, secret: ResolvedSecrets): Knex.Config {
  const timeoutMs = config.connect_timeout_seconds * 1000;
  if (config.client === 'better-sqlite3') {
    return {
      client: 'better-sqlite3',
      connection: { filename: config.connection.filename, options: { readonly: true } },
      useNullAsDefault: true,
      log: silentLog,
      pool: { min: 1, max: 1 },
      acquireConnectionTimeout: timeoutMs,
    };
  }
  const { host, port, database, user, password_env } = config.connection;
  const password = password_env ? secret(password_env, `sources.${name}.connection.password_env`) : undefined;
  return {
    client: config.client,
    connection: { host, port, database, user, password },
    log: silentLog,
    pool: { min: 0, max: config.pool_size },
    acquireConnectionTimeout: timeoutMs,
  };
}

async function* iterateSqlite(
  knex: Knex,
  sql: string,
  bindings: unknown[],
): AsyncGenerator<SourceRow> {
  // knex's SQLite stream buffers the whole result; iterate the statement instead so a
  // million rows never sit in memory at once.
  const connection = (await knex.client.acquireConnection()) as Database.Database;
  try {
    const native = knex.raw(sql, bindings as Knex.RawBinding[]).toSQL().toNative();
    const statement = connection.prepare(native.sql);
    for (const row of statement.iterate(...(native.bindings as unknown[]))) {
      yield row as SourceRow;
    }
  } finally {
    await knex.client.releaseConnection(connection);
  }
}

async function* iterateStream(knex: Knex, sql: string, bindings: unknown[], timeoutMs: number): AsyncGenerator<SourceRow> {
  const stream = knex.raw(sql, bindings as Knex.RawBinding[]).timeout(timeoutMs, { cancel: true }).stream();
  for await (const row of stream) yield row as SourceRow;
}

export async function openSqlSource(name: string, config: SourceConfig, secret: ResolvedSecrets): Promise<SqlSource> {
  const knex = knexFactory(knexConfig(name, config, secret));
  try {
    await knex.raw(config.client === 'oracledb' ? 'select 1 from dual' : 'select 1');
  } catch (error) {
    await knex.destroy().catch(() => undefined);
    throw pmhError('SourceUnreachable', { source: name, client: config.client, detail: (error as Error).message }, error);
  }
  const timeoutMs = config.query_timeout_seconds * 1000;
  return {
    name,
    client: config.client,
    async *rows(sql, bindings, file) {
      try {
        if (config.client === 'better-sqlite3') yield* iterateSqlite(knex, sql, bindings);
        else yield* iterateStream(knex, sql, bindings, timeoutMs);
      } catch (error) {
        throw pmhError('QueryFailed', { source: name, file, detail: (error as Error).message }, error);
      }
    },
    close: () => knex.destroy(),
  };
}
