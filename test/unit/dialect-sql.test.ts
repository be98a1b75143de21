import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import knexFactory from 'knex';
import { compileNamedParameters, stripComments, whyNotReadOnly } from '../../extractors/sql-text.ts';

/**
 * The example queries in config/sql/examples/ are what vendors copy. Each must pass the
 * read-only guard, return the aliases the bot reads, and reach its engine with the named
 * parameters turned into that engine's own placeholders, the values travelling apart.
 */

const EXAMPLES = new URL('../../config/sql/examples/', import.meta.url);
const PARAMETERS = { base_date: '2026-04-01', program_code: 'KODOMO' } as const;
type ParameterName = keyof typeof PARAMETERS;

const missing = (name: string): never => {
  throw new Error(`missing ${name}`);
};

interface Dialect {
  folder: string;
  client: string;
  /** Every placeholder the engine's SQL can contain. */
  placeholder: RegExp;
  /** The placeholder for the i-th (0-based) binding. */
  nth: (i: number) => string;
  /** Oracle returns unquoted aliases in upper case: its aliases must be quoted. */
  quotedAliases: boolean;
  /** The named parameters of each example file, in order of appearance. */
  parameters: Record<QueryFile, ParameterName[]>;
}

type QueryFile = 'certificates.sql' | 'persons.sql' | 'support-measures.sql';

const DIALECTS: Dialect[] = [
  {
    folder: 'postgresql',
    client: 'pg',
    placeholder: /\$\d+/g,
    nth: (i) => `$${i + 1}`,
    quotedAliases: false,
    parameters: {
      'certificates.sql': ['program_code', 'base_date'],
      'persons.sql': ['base_date'],
      'support-measures.sql': ['base_date'],
    },
  },
  {
    folder: 'mysql',
    client: 'mysql2',
    placeholder: /\?/g,
    nth: () => '?',
    quotedAliases: false,
    parameters: {
      'certificates.sql': ['program_code', 'base_date'],
      'persons.sql': [],
      'support-measures.sql': ['base_date', 'base_date'],
    },
  },
  {
    folder: 'sqlserver',
    client: 'mssql',
    placeholder: /@p\d+/g,
    nth: (i) => `@p${i}`,
    quotedAliases: false,
    parameters: {
      'certificates.sql': ['program_code', 'base_date'],
      'persons.sql': [],
      'support-measures.sql': ['base_date', 'base_date'],
    },
  },
  {
    folder: 'oracle',
    client: 'oracledb',
    placeholder: /:\d+/g,
    nth: (i) => `:${i + 1}`,
    quotedAliases: true,
    parameters: {
      'certificates.sql': ['program_code', 'base_date'],
      'persons.sql': ['base_date'],
      'support-measures.sql': ['base_date', 'base_date'],
    },
  },
];

/** The aliases docs/vendor-sql-guide.md promises the bot reads. */
const ALIASES: Record<QueryFile, string[]> = {
  'certificates.sql': [
    'resident_no', 'certificate_id', 'history_no', 'insurer_number', 'recipient_number',
    'valid_from', 'valid_to', 'income_segment', 'copay_cap_yen', 'always_reimburse',
  ],
  'persons.sql': ['resident_no', 'my_number', 'name', 'name_kana', 'address', 'date_of_birth', 'sex_code'],
  'support-measures.sql': ['resident_no', 'is_not_disclosed'],
};

const QUERY_FILES = Object.keys(ALIASES).sort() as QueryFile[];

function readExample(dialect: Dialect, file: QueryFile): string {
  return readFileSync(new URL(`${dialect.folder}/${file}`, EXAMPLES), 'utf8');
}

/** The SQL and bindings the engine's driver receives, as the bot builds them. */
function toNative(dialect: Dialect, sql: string): { sql: string; bindings: unknown[]; names: string[] } {
  const compiled = compileNamedParameters(sql, PARAMETERS, missing);
  const knex = knexFactory({ client: dialect.client });
  const native = knex.raw(compiled.sql, compiled.bindings as string[]).toSQL().toNative();
  return { sql: native.sql, bindings: [...native.bindings], names: compiled.names };
}

/** The comment lines a file starts with: the native SQL carries them as they are. */
function header(sql: string): string {
  return /^(?:--[^\n]*\n)*/.exec(sql)![0];
}

describe('example SQL for each engine', () => {
  for (const dialect of DIALECTS) {
    describe(dialect.folder, () => {
      it('holds exactly the three queries the bot runs', () => {
        assert.deepEqual(readdirSync(new URL(`${dialect.folder}/`, EXAMPLES)).sort(), QUERY_FILES);
      });

      for (const file of QUERY_FILES) {
        it(`${file} is one read-only statement that starts with a Japanese comment naming its parameters`, () => {
          const sql = readExample(dialect, file);
          assert.equal(whyNotReadOnly(sql), null);
          assert.match(sql, /^-- .*SQL の例/);
          const comment = header(sql);
          for (const name of new Set(dialect.parameters[file])) assert.ok(comment.includes(`:${name}`), `${file} names :${name}`);
        });

        it(`${file} returns every column alias the bot reads`, () => {
          const sql = readExample(dialect, file);
          for (const alias of ALIASES[file]) {
            const written = dialect.quotedAliases ? `"${alias}"` : alias;
            assert.match(sql, new RegExp(`\\bAS ${written}(?=\\s|,|$)`, 'm'), `${file} AS ${written}`);
          }
        });

        it(`${file} reaches ${dialect.client} with its own placeholders in place of each named parameter`, () => {
          const sql = readExample(dialect, file);
          const native = toNative(dialect, sql);
          const expected = dialect.parameters[file];

          assert.deepEqual(native.names, expected);
          assert.deepEqual(native.bindings, expected.map((name) => PARAMETERS[name]));
          assert.deepEqual(
            native.sql.match(dialect.placeholder) ?? [],
            expected.map((_, i) => dialect.nth(i)),
          );
          // Putting the names back where the placeholders stand gives the file as written, less
          // its comments: nothing but the parameters was rewritten, each where it was written.
          let i = 0;
          const restored = native.sql.replace(dialect.placeholder, () => `:${expected[i++]!}`);
          assert.equal(restored, stripComments(sql));
          for (const value of Object.values(PARAMETERS)) {
            assert.ok(!native.sql.includes(value), `${value} is never written into the SQL text`);
          }
        });
      }
    });
  }

  describe('the support-measure queries, exactly as each driver receives them', () => {
    const exact = (folder: string): { sql: string; bindings: unknown[]; header: string } => {
      const dialect = DIALECTS.find((d) => d.folder === folder)!;
      const sql = readExample(dialect, 'support-measures.sql');
      return { ...toNative(dialect, sql), header: stripComments(header(sql)) };
    };

    it('PostgreSQL ($1, cast with ::date)', () => {
      const native = exact('postgresql');
      assert.equal(
        native.sql,
        `${native.header}SELECT
  s.atena_no AS resident_no,
  1          AS is_not_disclosed
FROM juki.t_shien_sochi s
WHERE $1::date BETWEEN s.kaishi_bi AND coalesce(s.shuryo_bi, 'infinity'::date)
`,
      );
      assert.deepEqual(native.bindings, ['2026-04-01']);
    });

    it('MySQL/MariaDB (?, once per use)', () => {
      const native = exact('mysql');
      assert.equal(
        native.sql,
        `${native.header}SELECT
  s.atena_no AS resident_no,
  1          AS is_not_disclosed
FROM t_shien_sochi s
WHERE s.kaishi_bi <= ?
  AND (s.shuryo_bi IS NULL OR s.shuryo_bi >= ?)
`,
      );
      assert.deepEqual(native.bindings, ['2026-04-01', '2026-04-01']);
    });

    it('SQL Server (@p0, @p1)', () => {
      const native = exact('sqlserver');
      assert.equal(
        native.sql,
        `${native.header}SELECT
  RTRIM(s.ATENA_NO) AS resident_no,
  1                 AS is_not_disclosed
FROM dbo.T_SHIENSOCHI s
WHERE s.SOCHI_KAISHI_YMD <= CONVERT(date, @p0, 23)
  AND (s.SOCHI_SHURYO_YMD IS NULL OR s.SOCHI_SHURYO_YMD >= CONVERT(date, @p1, 23))
`,
      );
      assert.deepEqual(native.bindings, ['2026-04-01', '2026-04-01']);
    });

    it('Oracle (:1, :2, quoted lower-case aliases)', () => {
      const native = exact('oracle');
      assert.equal(
        native.sql,
        `${native.header}SELECT
  LPAD(TO_CHAR(S.ATENA_NO), 15, '0') AS "resident_no",
  1                                  AS "is_not_disclosed"
FROM JUKI.T_SHIEN_SOCHI S
WHERE S.KAISHI_YMD <= TO_DATE(:1, 'YYYY-MM-DD')
  AND NVL(S.SHURYO_YMD, DATE '9999-12-31') >= TO_DATE(:2, 'YYYY-MM-DD')
`,
      );
      assert.deepEqual(native.bindings, ['2026-04-01', '2026-04-01']);
    });
  });
});

describe('the read-only guard refuses each engine\'s ways of writing', () => {
  const refused: { engine: string; trick: string; sql: string; why: RegExp }[] = [
    { engine: 'SQL Server', trick: 'SELECT ... INTO a temporary table', sql: 'SELECT * INTO #tmp FROM dbo.T_JUKYUSHA', why: /contains INTO/ },
    { engine: 'SQL Server', trick: 'SELECT ... INTO a global temporary table', sql: 'SELECT a.ATENA_NO INTO ##shared FROM dbo.T_ATENA a', why: /contains INTO/ },
    { engine: 'SQL Server', trick: 'EXEC of a system procedure', sql: "EXEC sp_executesql N'DELETE FROM dbo.T_JUKYUSHA'", why: /starts with exec/ },
    { engine: 'SQL Server', trick: 'EXECUTE of a stored procedure', sql: 'EXECUTE dbo.usp_jukyusha_seiri', why: /starts with execute/ },
    {
      engine: 'SQL Server',
      trick: 'MERGE',
      sql: 'MERGE dbo.T_JUKYUSHA AS t USING dbo.W_JUKYUSHA AS w ON t.JUKYUSHA_SHO_NO = w.JUKYUSHA_SHO_NO WHEN MATCHED THEN DELETE;',
      why: /starts with merge/,
    },
    {
      engine: 'SQL Server',
      trick: 'MERGE behind a WITH',
      sql: 'WITH w AS (SELECT 1 AS a) MERGE dbo.T_JUKYUSHA AS t USING w ON 1 = 1 WHEN MATCHED THEN DELETE',
      why: /contains MERGE/,
    },
    {
      engine: 'SQL Server',
      trick: 'UPDATE behind a WITH',
      sql: "WITH x AS (SELECT JUKYUSHA_SHO_NO FROM dbo.T_JUKYUSHA) UPDATE dbo.T_JUKYUSHA SET SAKUJO_FLG = '1' WHERE JUKYUSHA_SHO_NO IN (SELECT JUKYUSHA_SHO_NO FROM x)",
      why: /contains UPDATE/,
    },
    { engine: 'SQL Server', trick: 'DELETE behind a WITH', sql: 'WITH x AS (SELECT * FROM dbo.T_JUKYUSHA) DELETE FROM x', why: /contains DELETE/ },
    { engine: 'SQL Server', trick: 'a second statement', sql: 'SELECT 1; DELETE FROM dbo.T_JUKYUSHA', why: /several statements/ },
    { engine: 'Oracle', trick: 'an anonymous BEGIN ... END; block', sql: 'BEGIN DELETE FROM IRYO.T_JUKYUSHA; END;', why: /several statements/ },
    { engine: 'Oracle', trick: 'a BEGIN ... END block with no inner semicolon', sql: 'BEGIN NULL END', why: /starts with begin/ },
    { engine: 'Oracle', trick: 'a DECLARE ... BEGIN ... END; block', sql: 'DECLARE n NUMBER; BEGIN n := 1; END;', why: /several statements/ },
    { engine: 'Oracle', trick: 'a second statement', sql: 'SELECT 1 FROM DUAL; DELETE FROM IRYO.T_JUKYUSHA', why: /several statements/ },
    { engine: 'Oracle', trick: 'CREATE TABLE AS SELECT', sql: 'CREATE TABLE W_JUKYUSHA AS SELECT * FROM IRYO.T_JUKYUSHA', why: /starts with create/ },
    { engine: 'Oracle', trick: 'SELECT ... FOR UPDATE', sql: 'SELECT * FROM IRYO.T_JUKYUSHA FOR UPDATE NOWAIT', why: /contains UPDATE/ },
    { engine: 'Oracle', trick: 'a multi-table INSERT', sql: 'INSERT ALL INTO W_A VALUES (1) SELECT 1 FROM DUAL', why: /starts with insert/ },
    { engine: 'Oracle', trick: 'an inline PL/SQL function in WITH', sql: 'WITH FUNCTION f RETURN NUMBER IS BEGIN RETURN 1; END; SELECT f FROM DUAL', why: /several statements/ },
    { engine: 'PostgreSQL', trick: 'COPY a table to a file', sql: "COPY iryo.t_jukyusha_rireki TO '/tmp/jukyusha.csv'", why: /starts with copy/ },
    { engine: 'PostgreSQL', trick: 'COPY a query', sql: 'COPY (SELECT * FROM iryo.t_jukyusha_rireki) TO STDOUT', why: /starts with copy/ },
    { engine: 'PostgreSQL', trick: 'CREATE TABLE AS SELECT', sql: 'CREATE TABLE w AS SELECT * FROM iryo.t_jukyusha_rireki', why: /starts with create/ },
    { engine: 'PostgreSQL', trick: 'a data-modifying WITH', sql: 'WITH d AS (DELETE FROM iryo.t_jukyusha_rireki RETURNING *) SELECT * FROM d', why: /contains DELETE/ },
    { engine: 'PostgreSQL', trick: 'SELECT ... FOR NO KEY UPDATE', sql: 'SELECT * FROM iryo.t_jukyusha_rireki FOR NO KEY UPDATE', why: /contains UPDATE/ },
    { engine: 'PostgreSQL', trick: 'a second statement', sql: 'SELECT 1; DELETE FROM iryo.t_jukyusha_rireki', why: /several statements/ },
    { engine: 'MySQL', trick: 'LOAD DATA', sql: "LOAD DATA INFILE '/tmp/x.csv' INTO TABLE t_jukyusha", why: /starts with load/ },
    { engine: 'MySQL', trick: 'LOAD DATA LOCAL', sql: "LOAD DATA LOCAL INFILE 'x.csv' INTO TABLE t_jukyusha", why: /starts with load/ },
    { engine: 'MySQL', trick: 'REPLACE', sql: "REPLACE INTO t_jukyusha (atena_no) VALUES ('1')", why: /starts with replace/ },
    { engine: 'MySQL', trick: 'LOCK TABLES', sql: 'LOCK TABLES t_jukyusha WRITE', why: /starts with lock/ },
    { engine: 'MySQL', trick: 'SELECT ... FOR UPDATE', sql: 'SELECT * FROM t_jukyusha WHERE atena_no = 1 FOR UPDATE', why: /contains UPDATE/ },
    { engine: 'MySQL', trick: 'SELECT ... LOCK IN SHARE MODE', sql: 'SELECT * FROM t_jukyusha LOCK IN SHARE MODE', why: /contains LOCK/ },
    { engine: 'MySQL', trick: 'SELECT ... INTO OUTFILE', sql: "SELECT * FROM t_jukyusha INTO OUTFILE '/tmp/x.csv'", why: /contains INTO/ },
    { engine: 'MySQL', trick: 'SELECT ... INTO a variable', sql: 'SELECT count(*) FROM t_jukyusha INTO @n', why: /contains INTO/ },
    { engine: 'MySQL', trick: 'a second statement', sql: 'SELECT 1; DELETE FROM t_jukyusha', why: /several statements/ },
  ];

  for (const { engine, trick, sql, why } of refused) {
    it(`${engine}: ${trick}`, () => {
      assert.match(whyNotReadOnly(sql) ?? 'accepted', why);
    });
  }
});
