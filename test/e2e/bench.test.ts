/**
 * The benchmark works end to end at a small N: `npm run bench` generates the systems in
 * PostgreSQL, measures every part in its own process and prints the one table with every
 * row filled. Timings are never asserted here (docs/performance.md holds the figures).
 * Also: the CSV writer's hand-written quoting writes exactly what csv-stringify wrote.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'csv-stringify/sync';
import { csvLine } from '../../bot/output/output-writer.ts';
import type { BenchResult } from '../bench/bench.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe('npm run bench', () => {
  it('prints the table with every part measured at N = 2,000', { timeout: 600_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmh-bench-test-'));
    try {
      const json = join(dir, 'result.json');
      const run = spawnSync('npm', ['run', '--silent', 'bench', '--', '--n', '2000', '--uploads', '2', '--json', json], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 580_000,
      });
      assert.equal(run.status, 0, run.stderr.slice(-3000));
      const result = JSON.parse(readFileSync(json, 'utf8')) as BenchResult;
      assert.equal(result.n, 2000);
      assert.equal(result.rows.length, 9, 'floor, full, three design floors, differential and three uploads');
      for (const row of result.rows) {
        assert.ok(row.seconds > 0, `${row.part}: seconds`);
        assert.ok(row.records > 0, `${row.part}: records`);
        assert.ok(row.recordsPerSecond > 0, `${row.part}: records per second`);
        assert.ok(row.ratio > 0, `${row.part}: ratio to the floor`);
        assert.ok(row.peakMb > 0, `${row.part}: peak memory`);
      }
      const [, full, stagingFloor, joinedFloor, copyFloor, diff] = result.rows;
      assert.ok(full!.records >= 2000, 'the full run read every certificate');
      // The design floors carry every current certificate the COPY floor exports, each once
      // (and the benchmark itself fails when (b2) and (b3) wrote different files).
      assert.equal(stagingFloor!.records, result.certificates, 'the staging design floor joined every certificate');
      assert.equal(joinedFloor!.records, result.certificates, 'the joined design floor read every certificate');
      assert.equal(copyFloor!.records, result.certificates, 'the COPY design floor read every certificate');
      for (const floor of [stagingFloor!, joinedFloor!, copyFloor!]) {
        assert.match(floor.note, /pending rows [\d.]+ s; .*full pipeline [\d.]+× this$/, floor.part);
      }
      assert.match(stagingFloor!.note, /^to sealed staging [\d.]+ s;/);
      assert.match(diff!.note, /^\d+ changed/);
      assert.ok(Number(/^(\d+) changed/.exec(diff!.note)![1]) > 0, 'the differential run found the changed records');
      assert.ok(result.growth && result.growth.fromN === 200 && result.growth.fromMb > 0, 'memory growth from N/10');
      assert.ok(result.targets.length >= 6);
      // The pipeline's target since the seventh round: the full run against its own design floor.
      const designTarget = result.targets.find((t) => t.name === 'full pipeline vs its design floor (b1)');
      assert.ok(designTarget, 'the design-floor target is judged');
      assert.equal(designTarget.measured, `${(full!.seconds / stagingFloor!.seconds).toFixed(2)}×`);
      assert.equal(designTarget.met, full!.seconds / stagingFloor!.seconds <= 2.5);
      assert.match(run.stdout, /NOT MET {2}full pipeline vs COPY floor: [\d.]+× \(target ≤ 4×, out of reach of this design\)|met {6}full pipeline vs COPY floor/);
      for (const upload of result.rows.slice(6)) assert.match(upload.note, /median of 2$/, `${upload.part}: the median of two rounds`);
      for (const part of result.rows.map((r) => r.part)) assert.ok(run.stdout.includes(part), `the table shows ${part}`);
      assert.match(run.stdout, /memory growth/);
      assert.match(run.stdout, /targets:/);
      const { staging, joined, copy } = result.designFloors;
      assert.ok(staging > 0 && joined > 0 && copy > 0, 'the design floors as multiples of COPY');
      assert.match(run.stdout, /the design's own floors, \(b1\), \(b2\) and \(b3\): [\d.]+×, [\d.]+× and [\d.]+× the COPY floor/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the CSV writer quoting', () => {
  it('writes exactly the bytes csv-stringify wrote, for every quoting and line ending', () => {
    const values = ['', 'a', 'a,b', 'a"b', '""', 'a\nb', 'a\rb', 'a\r\nb', 'x\r', '\n', ' ', '　', 'ﾔﾏﾀﾞ ﾀﾛｳ', '="1"', '-1', '@x', 'a\tb', '{"a":"b,c"}', '山田　太郎'];
    for (const quoteAll of [false, true]) {
      for (const ending of ['windows', 'unix'] as const) {
        const line = csvLine(quoteAll, ending === 'windows' ? '\r\n' : '\n');
        for (const a of values) {
          for (const b of values) {
            const expected = stringify([[a, b, a]], { record_delimiter: ending, quoted: quoteAll, quoted_empty: quoteAll, eof: true });
            assert.equal(line([a, b, a]), expected, JSON.stringify({ quoteAll, ending, a, b }));
          }
        }
      }
    }
    const keyLine = csvLine(false, '\n');
    for (const a of values) assert.equal(keyLine(['1', a, 'C1']), stringify([['1', a, 'C1']], { record_delimiter: 'unix' }));
  });
});
