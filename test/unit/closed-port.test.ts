/**
 * SQL Server and Oracle cannot run here; their drivers must still load, and a connection
 * to a port where nothing listens must fail within the configured timeout with a
 * Japanese message that names the source.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { PmhBotError } from '../../core/errors.ts';
import { openSqlSource } from '../../extractors/sql-source.ts';

const require = createRequire(import.meta.url);

function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

describe('SQL Server and Oracle drivers', () => {
  it('load', () => {
    assert.equal(typeof require('tedious').Connection, 'function');
    assert.equal(typeof require('oracledb').getConnection, 'function');
  });

  for (const client of ['mssql', 'oracledb'] as const) {
    it(`${client}: a closed port fails within the connect timeout, naming the source in Japanese`, async () => {
      const port = await closedPort();
      process.env.PMH_TEST_DB_PASSWORD = 'not-a-real-password-41';
      const started = Date.now();
      await assert.rejects(
        openSqlSource('fukushi', {
          client,
          connection: { host: '127.0.0.1', port, database: 'FUKUSHI', user: 'euc_reader', password_env: 'PMH_TEST_DB_PASSWORD' },
          pool_size: 1,
          connect_timeout_seconds: 3,
          query_timeout_seconds: 10,
        }, (env) => process.env[env]!),
        (error: unknown) => {
          assert.ok(error instanceof PmhBotError, String(error));
          assert.equal(error.code, 'SourceUnreachable');
          assert.equal(error.kind, 'system');
          const { title, message, hint } = error.describeIn('ja');
          assert.match(title, /データベースに接続できません/);
          assert.match(message, /データソース fukushi（/);
          assert.match(hint, /接続先/);
          assert.ok(!message.includes('not-a-real-password-41'), 'the password never appears');
          return true;
        },
      );
      assert.ok(Date.now() - started < 3000 + 2000, `failed within the timeout (${Date.now() - started} ms)`);
    });
  }
});
