/**
 * A knex client for SQLite through Node's own `node:sqlite`. knex knows only the sqlite3 and
 * better-sqlite3 drivers, both native add-ons; this is knex's better-sqlite3 client (its SQL
 * dialect, its bindings, its response handling) with the driver swapped underneath:
 * - a connection is a `DatabaseSync`, opened as better-sqlite3 opened it: `readonly` opens
 *   the file read-only and never creates it, `safeIntegers` reads INTEGERs as bigints, and a
 *   locked file is waited for 5 s (core/sqlite.ts);
 * - a query runs as better-sqlite3 ran it: a statement that returns rows gives them all,
 *   any other gives knex its changes and last rowid;
 * - a stream reads rows one at a time as the consumer takes them (knex's SQLite clients
 *   read the whole result first).
 */
import { createRequire } from 'node:module';
import { Readable, type Transform } from 'node:stream';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { Knex } from 'knex';
import { openSqlite } from '../core/sqlite.ts';

/** The query object knex hands a client. */
interface KnexQuery {
  sql: string;
  bindings?: unknown[];
  options?: unknown;
  response?: unknown;
  context?: { lastID: number | bigint; changes: number | bigint };
}

interface ConnectionSettings {
  filename: string;
  options?: { readonly?: boolean; safeIntegers?: boolean };
}

/** What the better-sqlite3 client adds to knex's Client, as far as this client uses it. */
declare class KnexBetterSqlite3Client extends Knex.Client {
  _formatBindings(bindings: unknown[] | undefined): SQLInputValue[];
  _optSafeIntegers(options: unknown): boolean | undefined;
}

// knex publishes its dialects as files, not exports: loaded from the installed knex itself.
const require = createRequire(import.meta.url);
const BetterSqlite3Client = require('knex/lib/dialects/better-sqlite3/index.js') as typeof KnexBetterSqlite3Client;

export class NodeSqliteClient extends BetterSqlite3Client {
  // Called by knex when a connection is configured; the driver is built into Node.
  _driver(): unknown {
    return { openSqlite };
  }

  override async acquireRawConnection(): Promise<DatabaseSync> {
    const { filename, options = {} } = this.connectionSettings as ConnectionSettings;
    return openSqlite(filename, { readonly: options.readonly === true, readBigInts: options.safeIntegers === true });
  }

  override async destroyRawConnection(connection: DatabaseSync): Promise<void> {
    connection.close();
  }

  async _query(connection: DatabaseSync | undefined, obj: KnexQuery): Promise<KnexQuery> {
    if (!obj.sql) throw new Error('The query is empty');
    if (!connection) throw new Error('No connection provided');
    const statement = connection.prepare(obj.sql);
    const safeIntegers = this._optSafeIntegers(obj.options);
    if (safeIntegers !== undefined) statement.setReadBigInts(safeIntegers);
    const bindings = this._formatBindings(obj.bindings);
    // better-sqlite3's `reader`: the statement returns rows (a SELECT, a PRAGMA, a RETURNING).
    if (statement.columns().length > 0) {
      obj.response = statement.all(...bindings);
      return obj;
    }
    const response = statement.run(...bindings);
    obj.response = response;
    obj.context = { lastID: response.lastInsertRowid, changes: response.changes };
    return obj;
  }

  async _stream(connection: DatabaseSync, obj: KnexQuery, stream: Transform): Promise<void> {
    if (!obj.sql) throw new Error('The query is empty');
    const statement = connection.prepare(obj.sql);
    const safeIntegers = this._optSafeIntegers(obj.options);
    if (safeIntegers !== undefined) statement.setReadBigInts(safeIntegers);
    // Pulled a row at a time as `stream` drains; destroying it ends the iterator, which frees the statement.
    const rows = Readable.from(statement.iterate(...this._formatBindings(obj.bindings)));
    return new Promise((resolve, reject) => {
      rows.on('error', (error) => {
        reject(error);
        stream.emit('error', error);
      });
      rows.on('end', resolve);
      rows.pipe(stream);
    });
  }
}

Object.assign(NodeSqliteClient.prototype, { driverName: 'node:sqlite' });
