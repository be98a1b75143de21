import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import knexFactory from 'knex';
import { NodeSqliteClient } from '../../extractors/knex-node-sqlite.ts';
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
    assert.doesNotMatch(compiled.sql, /:comment|:block/, 'comments are dropped, never bound');
  });

  it('keeps a ? in a comment from being taken as a binding, and refuses one inside a string', () => {
    const compiled = compileNamedParameters('SELECT a /* why? */ FROM t -- really?\nWHERE a = :base_date', { base_date: 'D' }, missing);
    for (const client of ['pg', 'mysql2', 'mssql', 'oracledb']) {
      const native = knexFactory({ client }).raw(compiled.sql, compiled.bindings as string[]).toSQL().toNative();
      assert.deepEqual(native.bindings, ['D'], client);
      assert.doesNotMatch(native.sql, /why|really/, `${client}: comments dropped`);
    }
    assert.match(whyNotReadOnly("SELECT 'why?' AS s FROM t") ?? '', /CHR\(63\)/);
  });

  it('fails on a parameter the bot does not provide', () => {
    assert.throws(() => compileNamedParameters('SELECT :unknown', {}, missing), /missing unknown/);
  });

  it('compiles to each dialect\'s own placeholders through knex, values kept apart', () => {
    const compiled = compileNamedParameters('SELECT * FROM t WHERE d >= :base_date', { base_date: '2026-04-01' }, missing);
    const expected: [client: string | typeof NodeSqliteClient, placeholder: RegExp][] = [
      ['pg', /d >= \$1/],
      ['mysql2', /d >= \?/],
      ['mssql', /d >= @p0/],
      ['oracledb', /d >= :1/],
      [NodeSqliteClient, /d >= \?/],
    ];
    for (const [client, pattern] of expected) {
      const name = typeof client === 'string' ? client : 'sqlite';
      const knex = knexFactory({ client, useNullAsDefault: true });
      const native = knex.raw(compiled.sql, compiled.bindings as string[]).toSQL().toNative();
      assert.match(native.sql, pattern, name);
      assert.doesNotMatch(native.sql, /2026-04-01/, `${name} never inlines the value`);
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

  it('refuses quoting an engine reads differently from the guard, so no write can hide in a "string"', () => {
    const tricks: [string, RegExp][] = [
      ["SELECT '\\'' FROM t FOR UPDATE -- '", /backslash/],
      ["SELECT E'\\'' FROM t FOR UPDATE -- '", /backslash|prefixed/],
      ["SELECT q'[']' FROM t FOR UPDATE --'", /prefixed|bracketed/],
      ["SELECT $$'$$ FROM t FOR UPDATE --'", /dollar/],
      ["SELECT ARRAY[']'] FROM t FOR UPDATE --'", /bracketed/],
      ['SELECT * FROM t /*!50000 FOR UPDATE */', /executable comment/],
      ["SELECT * FROM t /*! INTO OUTFILE '/tmp/x' */", /executable comment/],
    ];
    for (const [sql, why] of tricks) assert.match(whyNotReadOnly(sql) ?? 'accepted', why, sql);
  });

  it('refuses lock hints and functions with side effects', () => {
    for (const sql of [
      'SELECT * FROM t WITH (UPDLOCK)',
      'SELECT * FROM t WITH (TABLOCKX, HOLDLOCK)',
      'SELECT * FROM t FOR SHARE',
      "SELECT * FROM OPENQUERY(LNK, 'SELECT 1')",
      "SELECT dblink_exec('db', 'x')",
      "SELECT nextval('s')",
      'SELECT pg_advisory_lock(1)',
      "SELECT lo_export(1, '/tmp/x')",
    ]) {
      assert.notEqual(whyNotReadOnly(sql), null, sql);
    }
  });

  it('still accepts ordinary EUC SQL: N\'\' strings, bracketed names, casts, CASE', () => {
    for (const sql of [
      "SELECT [宛名番号] AS resident_no FROM [dbo].[T_ATENA] WHERE [区分] = N'1'",
      "SELECT x::date AS d, CASE WHEN a = 'E' THEN 1 ELSE 0 END AS f FROM t",
      "SELECT name FROM t WHERE code IN ('Q', 'X') AND memo <> 'e'",
    ]) {
      assert.equal(whyNotReadOnly(sql), null, sql);
    }
  });
});
