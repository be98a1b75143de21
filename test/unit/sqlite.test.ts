/**
 * SQLite through Node's own node:sqlite: the stores' adapter (core/sqlite.ts) and the knex
 * client the SQLite sources are read with (extractors/knex-node-sqlite.ts), on real files.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import knexFactory from 'knex';
import type { DatabaseSourceConfig } from '../../config/schema.ts';
import { Database } from '../../core/sqlite.ts';
import { knexConfig, openSqlSource, type SourceRow } from '../../extractors/sql-source.ts';

const noSecret = (): string => {
  throw new Error('no secret expected');
};

function scratch(): { dir: string; path: string; db: Database } {
  const dir = mkdtempSync(join(tmpdir(), 'pmh-sqlite-'));
  const path = join(dir, 'test.sqlite');
  const db = new Database(path);
  db.exec('CREATE TABLE t (n INTEGER, s TEXT)');
  return { dir, path, db };
}

const count = (db: Database): number => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;

describe('the SQLite adapter', () => {
  it('commits a transaction\'s writes together, and undoes them all when its body throws', () => {
    const { db } = scratch();
    const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
    db.transaction(() => {
      insert.run(1);
      insert.run(2);
    });
    assert.throws(() => db.transaction(() => {
      insert.run(3);
      throw new Error('half way');
    }), /half way/);
    assert.equal(count(db), 2);
    assert.equal(db.inTransaction, false);
  });

  it('makes a nested transaction a savepoint: an inner failure the outer body catches undoes only the inner writes', () => {
    const { db } = scratch();
    const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
    const result = db.transaction(() => {
      insert.run(1);
      assert.throws(() => db.transaction(() => {
        insert.run(2);
        throw new Error('inner');
      }));
      db.transaction(() => insert.run(3));
      return 'outer done';
    });
    assert.equal(result, 'outer done');
    assert.deepEqual((db.prepare('SELECT n FROM t ORDER BY n').all() as { n: number }[]).map((row) => row.n), [1, 3]);
    assert.throws(() => db.transaction(() => {
      db.transaction(() => insert.run(4));
      throw new Error('outer');
    }));
    assert.equal(count(db), 2, 'an outer failure undoes the inner writes it had kept');
  });

  it('refuses a transaction body that returns a promise, and writes nothing of it', () => {
    const { db } = scratch();
    assert.throws(() => db.transaction(async () => db.prepare('INSERT INTO t (n) VALUES (1)').run()), /synchronous/);
    assert.equal(count(db), 0);
  });

  it('reads a pragma\'s rows, or its single value', () => {
    const { db } = scratch();
    db.pragma('user_version = 7');
    assert.equal(db.pragma('user_version', { simple: true }), 7);
    assert.deepEqual(db.pragma('user_version').map((row) => ({ ...(row as object) })), [{ user_version: 7 }]);
  });

  it('reports what a write changed, as numbers', () => {
    const { db } = scratch();
    const first = db.prepare('INSERT INTO t (n) VALUES (?), (?)').run(1, 2);
    assert.deepEqual({ ...first }, { changes: 2, lastInsertRowid: 2 });
  });

  it('opens read-only without writing, and never creates a missing file', () => {
    const { dir, path, db } = scratch();
    db.close();
    const reader = new Database(path, { readonly: true });
    assert.throws(() => reader.exec('INSERT INTO t (n) VALUES (1)'), /readonly/);
    reader.close();
    assert.throws(() => new Database(join(dir, 'missing.sqlite'), { readonly: true }), /unable to open/);
    assert.equal(existsSync(join(dir, 'missing.sqlite')), false);
  });
});

describe('a SQLite source read through knex', () => {
  const source = (path: string): DatabaseSourceConfig => ({
    client: 'sqlite', connection: { filename: path }, connect_timeout_seconds: 5, query_timeout_seconds: 5,
  });

  it('refuses a write at the file, even one the SQL guard would not see', async () => {
    const { path, db } = scratch();
    db.prepare('INSERT INTO t (n) VALUES (1)').run();
    db.close();
    const knex = knexFactory(knexConfig('s', source(path), noSecret));
    try {
      await assert.rejects(knex.raw('DELETE FROM t'), /readonly/);
      assert.deepEqual(await knex('t').pluck('n'), [1n], 'queries built by knex still read');
    } finally {
      await knex.destroy();
    }
  });

  it('hands over an integer too large for a JavaScript number digit for digit', async () => {
    const { path, db } = scratch();
    db.exec("INSERT INTO t (n, s) VALUES (9007199254740993, 'big'), (12, 'small')");
    db.close();
    const sqlite = await openSqlSource('s', source(path), noSecret);
    const rows: SourceRow[] = [];
    try {
      for await (const row of sqlite.rows('SELECT n, s FROM t ORDER BY s', [], 'big.sql')) rows.push(row);
    } finally {
      await sqlite.close();
    }
    assert.deepEqual(rows.map((row) => [row.n, row.s]), [[9007199254740993n, 'big'], [12n, 'small']]);
  });

  it('streams rows through knex in order, and a stream left early frees the connection', async () => {
    const { path, db } = scratch();
    const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
    db.transaction(() => {
      for (let n = 1; n <= 5000; n += 1) insert.run(n);
    });
    db.close();
    const knex = knexFactory(knexConfig('s', source(path), noSecret));
    try {
      let expected = 1n;
      for await (const row of knex.raw('SELECT n FROM t ORDER BY n').stream()) {
        assert.equal((row as { n: bigint }).n, expected);
        expected += 1n;
      }
      assert.equal(expected, 5001n);
      for await (const row of knex.raw('SELECT n FROM t ORDER BY n').stream()) {
        if ((row as { n: bigint }).n === 10n) break;
      }
      // The pool holds one connection: this only answers when the abandoned stream gave it back.
      const [total] = await knex('t').count({ rows: '*' });
      assert.equal(total?.rows, 5000n);
    } finally {
      await knex.destroy();
    }
  });
});
