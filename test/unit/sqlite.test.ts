/**
 * SQLite through Node's own node:sqlite: the stores' adapter (core/sqlite.ts), on real files.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Database } from '../../core/sqlite.ts';

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
