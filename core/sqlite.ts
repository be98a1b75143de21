/**
 * SQLite through Node's own `node:sqlite`: the bot's files (ledger, snapshot, staging) open
 * here. It gives what the stores used of better-sqlite3, which had no Windows binary in the
 * npm registry, and keeps the defaults its build gave them without their asking:
 * - a busy timeout of 5 s (node:sqlite waits 0 ms: a second connection, or `pmh-bot status`
 *   reading while a run writes, failed at once with "database is locked");
 * - a 64 MB page cache (node:sqlite's build: 2 MB, slower on a million-row staging join).
 * In WAL mode better-sqlite3's build synced at NORMAL, node:sqlite's at FULL: a store that
 * uses WAL says which it wants (see ledger.ts, snapshot.ts).
 *
 * What differs from better-sqlite3 and stays different:
 * - rows are objects with a null prototype (no toString, hasOwnProperty or constructor);
 *   `column in row` and spreading work as before;
 * - an INTEGER beyond Number.MAX_SAFE_INTEGER throws instead of coming back rounded (the
 *   stores keep none; `openSqlite` with `readBigInts` reads every INTEGER as a bigint);
 * - a BLOB comes back as a Uint8Array, not a Buffer;
 * - `transaction(body)` runs the body at once, where better-sqlite3 returned a function.
 * Named parameters take the bare name as key (`{ id }` for `:id`, `@id` or `$id`), as in
 * better-sqlite3; node:sqlite accepts the prefixed key too.
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';

/** A bound value: positional, or named parameters in one object. */
export type Parameter = SQLInputValue | Record<string, SQLInputValue>;

/** What a write did. Numbers: a `Database` never reads bigints. */
export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

/** A prepared statement. Rows are `unknown` until the caller says what its SQL returns. */
export interface Statement {
  run(...parameters: Parameter[]): RunResult;
  get(...parameters: Parameter[]): unknown;
  all(...parameters: Parameter[]): unknown[];
  /** Rows one at a time; the statement is busy until the iterator ends (prepare one per stream). */
  iterate(...parameters: Parameter[]): IterableIterator<unknown>;
  /** Rows as arrays of values in column order (better-sqlite3's `raw()`): cheaper than objects. */
  setReturnArrays(enabled: boolean): void;
}

export interface OpenOptions {
  /** Opens the file read-only; a missing file is an error, never created. */
  readonly?: boolean;
}

const BUSY_TIMEOUT_MS = 5000;
const CACHE_KIB = 16000;
/** Any name does: SQLite nests savepoints of the same name, and RELEASE takes the innermost. */
const SAVEPOINT = '"pmh_nested"';

/**
 * Opens a SQLite file with the defaults the project's stores were written for.
 * `readBigInts`: every INTEGER is read as a bigint, so none beyond 2^53 is refused.
 */
export function openSqlite(path: string, options: OpenOptions & { readBigInts?: boolean } = {}): DatabaseSync {
  const db = new DatabaseSync(path, {
    readOnly: options.readonly ?? false,
    readBigInts: options.readBigInts ?? false,
    timeout: BUSY_TIMEOUT_MS,
  });
  db.exec(`PRAGMA cache_size = -${CACHE_KIB}`);
  return db;
}

export class Database {
  private readonly db: DatabaseSync;

  constructor(path: string, options: OpenOptions = {}) {
    this.db = openSqlite(path, options);
  }

  prepare(sql: string): Statement {
    // node:sqlite types changes and rowids as number | bigint; without readBigInts they are numbers.
    return this.db.prepare(sql) as Statement;
  }

  /** Runs one or more statements that return nothing. */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  /** `PRAGMA <source>`: its rows, or with `simple` the first value of the first row. */
  pragma(source: string, options: { simple: true }): unknown;
  pragma(source: string, options?: { simple?: false }): unknown[];
  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const statement = this.db.prepare(`PRAGMA ${source}`);
    if (!options.simple) return statement.all();
    statement.setReturnArrays(true);
    return (statement.get() as unknown[] | undefined)?.[0];
  }

  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  /**
   * Runs `body` in a transaction: all its writes land, or, when it throws, none. Called
   * within another transaction (a `BEGIN` of the caller's own included) it is a savepoint,
   * so an inner failure the outer body catches undoes only the inner writes.
   */
  transaction<T>(body: () => T): T {
    const nested = this.db.isTransaction;
    this.db.exec(nested ? `SAVEPOINT ${SAVEPOINT}` : 'BEGIN');
    try {
      const result = body();
      if (result instanceof Promise) throw new TypeError('a transaction body must be synchronous: it returned a promise');
      this.db.exec(nested ? `RELEASE ${SAVEPOINT}` : 'COMMIT');
      return result;
    } catch (error) {
      // SQLite ends the transaction itself after some errors (a full disk, an I/O error).
      if (this.db.isTransaction) this.db.exec(nested ? `ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}` : 'ROLLBACK');
      throw error;
    }
  }

  close(): void {
    this.db.close();
  }
}
