/**
 * Whatever happens in a run, its logs hold no personal data and no secret. Real cycles
 * (one source on PostgreSQL with a password, the others SQLite; the PMH simulator over
 * HTTP with real Chromium), succeeding and failing, then every log file under the data
 * directory is searched for the generated residents' My Numbers, names, kana, addresses and
 * birth dates and for the passwords in play.
 */
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Database } from '../../core/sqlite.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { type RunSummary } from '../../bot/pipeline/context.ts';
import type { BotConfig } from '../../config/schema.ts';
import { configureSecrets } from '../../config/secrets.ts';
import { startDemoEnv, TEST_PASSWORD, type DemoEnv } from '../helpers/demo-env.ts';
import { copySystem, createScratchDatabase, type ScratchDatabase } from '../helpers/engines.ts';

const DB_PASSWORD = 'Db-Secret-Pw-6612';
const DB_PASSWORD_ENV = 'PMH_T_SUPPORT_DB_PASSWORD';
const WRONG_PASSWORD = 'Wrong-Pmh-Pass-9931';

interface Resident {
  kojin_no: string | null;
  shimei: string | null;
  shimei_kana: string | null;
  jusho: string | null;
  seinengappi: string | null;
}

/** Every personal value of the generated registry, in the forms the bot handles them. */
function personalValues(registryFile: string): string[] {
  const db = new Database(registryFile, { readonly: true });
  try {
    const rows = db.prepare('SELECT kojin_no, shimei, shimei_kana, jusho, seinengappi FROM residents').all() as Resident[];
    const values = new Set<string>();
    for (const row of rows) {
      for (const value of [row.kojin_no, row.shimei, row.shimei_kana, row.jusho]) if (value) values.add(value);
      // Birth dates close to the run's own dates could appear as a date of the run, not of a person.
      if (row.seinengappi && row.seinengappi < '20250101') {
        values.add(row.seinengappi);
        values.add(`${row.seinengappi.slice(0, 4)}-${row.seinengappi.slice(4, 6)}-${row.seinengappi.slice(6, 8)}`);
      }
    }
    return [...values];
  } finally {
    db.close();
  }
}

function logFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.log'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('no personal data and no secret in any log', () => {
  let env: DemoEnv;
  let pg: ScratchDatabase;
  let config: BotConfig;
  const summaries: RunSummary[] = [];

  before(async () => {
    env = await startDemoEnv({ recipients: 300 });
    pg = await createScratchDatabase('pg');
    await copySystem(env.data.files, 'support', pg);
    const support = pg.source();
    if (support.client === 'sqlite') throw new Error('expected a network source');
    // The DB password comes from an owner-only secrets file (PostgreSQL here trusts local connections and never asks for it).
    const secretsFile = join(env.dir, 'secrets.env');
    writeFileSync(secretsFile, `${DB_PASSWORD_ENV}=${DB_PASSWORD}\n`);
    chmodSync(secretsFile, 0o600);
    config = {
      ...env.config,
      sources: { ...env.config.sources, support: { ...support, connection: { ...support.connection, password_env: DB_PASSWORD_ENV } } },
      // One attempt: the failing cycles below fail at once instead of backing off.
      pmh: { ...env.config.pmh, retry: { ...env.config.pmh.retry, max_attempts: 1, initial_delay_seconds: 0 } },
      secrets: { file: secretsFile, credential_store: false },
    };
    configureSecrets(config);
  });

  after(async () => {
    await pg?.drop().catch(() => undefined);
    await env?.close();
  });

  it('runs a succeeding cycle, one refused at login and one that cannot reach PMH', async () => {
    process.env.PMH_PASSWORD = TEST_PASSWORD;
    const ok = await runCycle({ config, trigger: 'test' });
    assert.equal(ok.error, null, ok.error?.message);
    assert.ok(ok.counts.quarantined > 0, 'the planted bad records were held back (and reported)');
    summaries.push(ok);

    process.env.PMH_PASSWORD = WRONG_PASSWORD;
    const refused = await runCycle({ config, trigger: 'test' });
    assert.equal(refused.error?.code, 'LoginFailed', refused.error?.message);
    summaries.push(refused);

    process.env.PMH_PASSWORD = TEST_PASSWORD;
    await env.simulator.close();
    const unreachable = await runCycle({ config, trigger: 'test' });
    assert.equal(unreachable.error?.code, 'PmhUnreachable', unreachable.error?.message);
    summaries.push(unreachable);
  });

  it('leaves no My Number, name, kana, address, birth date, PMH password or DB password in any log file', () => {
    const files = logFiles(env.config.data_dir);
    for (const summary of summaries) {
      assert.ok(files.includes(join(summary.runDir, 'run.log')), `${summary.runId} has its run.log`);
    }
    const text = files.map((file) => readFileSync(file, 'utf8')).join('\n');
    assert.match(text, /LoginFailed/, 'the failures were logged');
    assert.match(text, /PmhUnreachable/);

    const personal = personalValues(env.data.files.registry);
    assert.ok(personal.length > 1000, `personal values planted: ${personal.length}`);
    const leaked = personal.filter((value) => text.includes(value));
    assert.deepEqual(leaked.slice(0, 5).map((v) => `${v.length} chars`), [], `${leaked.length} personal values found in the logs`);
    for (const secret of [TEST_PASSWORD, WRONG_PASSWORD, DB_PASSWORD]) {
      assert.ok(!text.includes(secret), 'a secret is in the logs');
      assert.ok(!text.includes(encodeURIComponent(secret)), 'a secret is in the logs, percent-encoded');
    }
    assert.doesNotMatch(text, /(?<!\d)\d{12}(?!\d)/, 'no 12-digit number at all');
  });
});
