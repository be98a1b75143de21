import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import knexFactory from 'knex';
import { compileNamedParameters, whyNotReadOnly } from '../../extractors/sql-text.ts';

const missing = (name: string): never => {
  throw new Error(`missing ${name}`);
};

describe('named SQL parameters', () => {
  it('binds :name parameters in order, repeats included, never as text', () => {
    const compiled = compileNamedParameters(
      'SELECT * FROM t WHERE a = :base_date AND b = :program_code OR c = :base_date',
      { base_date: '2026-04-01', program_code: 'KODOMO' },
      missing,
    );
    assert.equal(compiled.sql, 'SELECT * FROM t WHERE a = ? AND b = ? OR c = ?');
    assert.deepEqual(compiled.bindings, ['2026-04-01', 'KODOMO', '2026-04-01']);
  });

  it('leaves colons inside strings, comments, quoted names and PostgreSQL casts alone', () => {
    const sql = `SELECT ':not_a_param' AS s, "col:x", x::date -- :comment\n/* :block */ FROM t WHERE d = :base_date`;
    const compiled = compileNamedParameters(sql, { base_date: 'D' }, missing);
    assert.deepEqual(compiled.names, ['base_date']);
    assert.match(compiled.sql, /':not_a_param'/);
    assert.match(compiled.sql, /x::date/);
    assert.match(compiled.sql, /-- :comment/);
  });

  it('fails on a parameter the bot does not provide', () => {
    assert.throws(() => compileNamedParameters('SELECT :unknown', {}, missing), /missing unknown/);
  });

  it('compiles to each dialect\'s own placeholders through knex, values kept apart', () => {
    const compiled = compileNamedParameters('SELECT * FROM t WHERE d >= :base_date', { base_date: '2026-04-01' }, missing);
    const expected: Record<string, RegExp> = {
      pg: /d >= \$1/,
      mysql2: /d >= \?/,
      mssql: /d >= @p0/,
      oracledb: /d >= :1/,
      'better-sqlite3': /d >= \?/,
    };
    for (const [client, pattern] of Object.entries(expected)) {
      const knex = knexFactory({ client, useNullAsDefault: true });
      const native = knex.raw(compiled.sql, compiled.bindings as string[]).toSQL().toNative();
      assert.match(native.sql, pattern, client);
      assert.doesNotMatch(native.sql, /2026-04-01/, `${client} never inlines the value`);
      assert.deepEqual(native.bindings, ['2026-04-01']);
    }
  });
});

describe('the read-only guard', () => {
  it('accepts a single SELECT or WITH query, with comments and a trailing semicolon', () => {
    assert.equal(whyNotReadOnly('-- list\nSELECT 1;'), null);
    assert.equal(whyNotReadOnly('WITH x AS (SELECT 1 AS a) SELECT a FROM x'), null);
    assert.equal(whyNotReadOnly("SELECT 'delete from t; drop table x' AS s"), null);
  });

  it('refuses writes, several statements and anything that is not a query', () => {
    assert.match(whyNotReadOnly('DELETE FROM t') ?? '', /starts with delete/);
    assert.match(whyNotReadOnly('SELECT 1; DROP TABLE t') ?? '', /several statements/);
    assert.match(whyNotReadOnly('WITH x AS (SELECT 1) DELETE FROM t') ?? '', /DELETE/);
    assert.match(whyNotReadOnly('SELECT * INTO backup FROM t') ?? '', /INTO/);
    assert.match(whyNotReadOnly('/* only a comment */') ?? '', /empty/);
    assert.match(whyNotReadOnly('PRAGMA writable_schema = 1') ?? '', /pragma/);
  });
});
