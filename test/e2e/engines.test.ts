/**
 * One extraction suite, three engines: the demo systems loaded into SQLite, PostgreSQL
 * and MariaDB with real column types must give identical canonical rows. Then a cycle
 * whose three systems live on three different engines, against the simulator.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BotConfig, DatabaseSourceConfig } from '../../config/schema.ts';
import { PmhBotError } from '../../core/errors.ts';
import { extractToStaging, type ExtractionPlan } from '../../extractors/extract.ts';
import { openSqlSource } from '../../extractors/sql-source.ts';
import { StagingStore } from '../../extractors/staging.ts';
import type { JoinedRow } from '../../extractors/types.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { simJson, startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';
import { copySystem, createScratchDatabase, type ScratchDatabase } from '../helpers/engines.ts';

const noSecret = (): string => {
  throw new Error('no secret expected');
};

function planFor(config: BotConfig, sources: Record<'subsidy' | 'registry' | 'support', DatabaseSourceConfig>): ExtractionPlan {
  return {
    sources,
    parameters: { base_date: config.base_date! },
    programs: config.programs.map((p) => ({ code: p.code, query: { source: 'subsidy', sqlFile: p.sql } })),
    persons: { source: 'registry', sqlFile: config.extraction.persons.sql },
    supportMeasures: { source: 'support', sqlFile: config.extraction.support_measures.sql, allowEmpty: false },
  };
}

async function extractAll(env: DemoEnv, plan: ExtractionPlan, label: string): Promise<JoinedRow[]> {
  const staging = new StagingStore(join(env.dir, `staging-${label}.sqlite`));
  try {
    await extractToStaging(plan, staging, noSecret);
    return env.config.programs.flatMap((p) => [...staging.joined(p.code)]);
  } finally {
    staging.close();
  }
}

describe('the same systems on SQLite, PostgreSQL and MariaDB', () => {
  let env: DemoEnv;
  const scratch: ScratchDatabase[] = [];
  let pg: ScratchDatabase;
  let maria: ScratchDatabase;

  before(async () => {
    env = await startDemoEnv({ recipients: 400 });
    pg = await createScratchDatabase('pg');
    maria = await createScratchDatabase('mysql2');
    scratch.push(pg, maria);
    for (const target of scratch) {
      for (const system of ['subsidy', 'registry', 'support'] as const) await copySystem(env.data.files, system, target);
    }
  });

  after(async () => {
    for (const db of scratch) await db.drop().catch(() => undefined);
    await env?.close();
  });

  it('extract to identical canonical rows on every engine', async () => {
    const sqlite = env.config.sources as Record<'subsidy' | 'registry' | 'support', DatabaseSourceConfig>;
    const baseline = await extractAll(env, planFor(env.config, sqlite), 'sqlite');
    assert.ok(baseline.length > 400);
    for (const db of scratch) {
      const source = db.source();
      const rows = await extractAll(env, planFor(env.config, { subsidy: source, registry: source, support: source }), db.engine);
      assert.equal(rows.length, baseline.length, `${db.engine}: row count`);
      // Where a problem was found is the only thing allowed to differ: its source name and query.
      const comparable = (r: JoinedRow) => ({ ...r, readProblems: r.readProblems.map((p) => ({ column: p.column, row: p.row, detail: p.detail })) });
      for (let i = 0; i < rows.length; i += 1) {
        assert.deepEqual(comparable(rows[i]!), comparable(baseline[i]!), `${db.engine}: row ${i} (${baseline[i]!.certificate.certificateId})`);
      }
    }
  });

  it('trims CHAR padding and hands DATE columns back as the calendar day', async () => {
    const source = pg.source();
    const rows = await extractAll(env, planFor(env.config, { subsidy: source, registry: source, support: source }), 'pg-check');
    const first = rows[0]!;
    assert.match(first.certificate.residentNo, /^A\d{6}$/, 'char(10) padding removed');
    assert.match(first.certificate.validFrom ?? '', /^\d{4}-\d{2}-\d{2}$/);
    assert.match(first.person?.myNumber ?? '', /^\d{12}$/);
  });

  it('runs every query in a read-only transaction, so even a SELECT that writes is refused', async () => {
    for (const db of scratch) {
      await db.knex().raw(db.engine === 'pg' ? 'CREATE SEQUENCE pmh_seq' : 'CREATE SEQUENCE pmh_seq');
      const source = await openSqlSource('registry', db.source(), noSecret);
      try {
        const rows = source.rows(db.engine === 'pg' ? "SELECT nextval('pmh_seq') AS n" : 'SELECT NEXTVAL(pmh_seq) AS n', [], 'write.sql');
        await assert.rejects(
          (async () => {
            for await (const _ of rows) void _;
          })(),
          (error: unknown) => {
            assert.ok(error instanceof PmhBotError);
            assert.equal(error.code, 'QueryFailed');
            assert.match(error.message, /read[- ]only|READ ONLY/i, `${db.engine}: ${error.message}`);
            return true;
          },
        );
      } finally {
        await source.close();
      }
    }
  });

  it('stops a query that runs past query_timeout_seconds', async () => {
    for (const db of scratch) {
      const source = await openSqlSource('slow', { ...db.source(), query_timeout_seconds: 1 }, noSecret);
      const started = Date.now();
      try {
        const rows = source.rows(db.engine === 'pg' ? 'SELECT pg_sleep(5) AS s' : 'SELECT SLEEP(5) AS s', [], 'slow.sql');
        let interrupted = false;
        try {
          for await (const row of rows) {
            // MariaDB's SLEEP() reports an interruption by returning 1 instead of 0.
            if (Number((row as { s: unknown }).s) === 1) interrupted = true;
          }
        } catch (error) {
          assert.ok(error instanceof PmhBotError);
          assert.equal(error.code, 'QueryFailed');
          interrupted = true;
        }
        assert.ok(interrupted, `${db.engine}: the query was stopped`);
        assert.ok(Date.now() - started < 4500, `${db.engine}: stopped before it finished on its own`);
      } finally {
        await source.close();
      }
    }
  });

  it('drives a full cycle whose three systems live on SQLite, PostgreSQL and MariaDB', async () => {
    const config: BotConfig = {
      ...env.config,
      sources: { ...env.config.sources, registry: pg.source(), support: maria.source() },
    };
    writeFileSync(join(env.dir, 'three-engines.json'), JSON.stringify(config.sources));
    const summary = await runCycle({ config, trigger: 'test' });
    assert.equal(summary.status, 'succeeded', summary.error?.message);
    const expected = Object.values(env.data.expectedUploads).reduce((a, b) => a + b, 0);
    assert.equal(summary.counts.accepted, expected);
    const records = await simJson<Record<string, unknown>[]>(env.simulator, '/__sim/records?type=990001IKUSEI');
    assert.equal(records.length, env.data.expectedUploads.IKUSEI);
    assert.ok(records.every((r) => r['basicFiveInfo.sex'] === '0'));
    assert.ok(records.some((r) => r.isNotDisclosed === true) || env.data.planted.protectedResidents.length === 0);
  });
});
