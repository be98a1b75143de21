/**
 * A system that can only export files: the support-measure register arrives as a CP932
 * CSV written by its EUC function (Japanese header, CRLF), and the cycle uses it as a source.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Database } from '../../core/sqlite.ts';
import iconv from 'iconv-lite';
import type { BotConfig } from '../../config/schema.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { type RunSummary } from '../../bot/pipeline/context.ts';
import { BASE_DATE, simJson, startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';

describe('a support register exported as a CP932 CSV file', () => {
  let env: DemoEnv;
  let summary: RunSummary;

  before(async () => {
    env = await startDemoEnv({ recipients: 300 });
    const register = new Database(env.data.files.support, { readonly: true });
    const current = register
      .prepare('SELECT atena_no, measure_type FROM support_measures WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?)')
      .all(BASE_DATE, BASE_DATE) as { atena_no: string; measure_type: string }[];
    register.close();
    const lines = ['宛名番号,措置区分,不開示', ...current.map((r) => `${r.atena_no},${r.measure_type},１`)];
    const exportPath = join(env.dir, 'SHIENSOCHI_20260401.csv');
    writeFileSync(exportPath, iconv.encode(`${lines.join('\r\n')}\r\n`, 'cp932'));
    const config: BotConfig = {
      ...env.config,
      sources: {
        ...env.config.sources,
        support: {
          client: 'file',
          path: exportPath,
          format: 'csv',
          encoding: 'cp932',
          header: true,
          columns: [
            { name: 'resident_no', field: '宛名番号' },
            { name: 'is_not_disclosed', field: '不開示' },
          ],
        },
      },
      extraction: { ...env.config.extraction, support_measures: { source: 'support', allow_empty: false } },
    };
    summary = await runCycle({ config, trigger: 'test' });
  });

  after(async () => {
    await env?.close();
  });

  it('flags exactly the residents in the export, read from CP932 with full-width digits', async () => {
    assert.equal(summary.status, 'succeeded', summary.error?.message);
    const registry = new Database(env.data.files.registry, { readonly: true });
    const myNumber = registry.prepare('SELECT kojin_no FROM residents WHERE atena_no = ?');
    const myNumberOf = (residentNo: string): string => (myNumber.get(residentNo) as { kojin_no: string }).kojin_no;
    const protectedNumbers = new Set(env.data.planted.protectedResidents.map((r) => myNumberOf(r)));
    registry.close();
    assert.ok(protectedNumbers.size > 0);
    let flagged = 0;
    for (const type of ['990001KODOMO', '990001HITORIOYA', '990001IKUSEI', '990001SEISHIN']) {
      for (const record of await simJson<Record<string, unknown>[]>(env.simulator, `/__sim/records?type=${type}`)) {
        assert.equal(record.isNotDisclosed, protectedNumbers.has(record.myNumber as string));
        if (record.isNotDisclosed) flagged += 1;
      }
    }
    assert.ok(flagged >= protectedNumbers.size);
  });
});
