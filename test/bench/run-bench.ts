/**
 * `npm run bench -- --n 1000000 [--compare 100000] [--uploads 3] [--cpu-prof <dir>] [--keep] [--json <file>]`
 * Prints the benchmark table; see docs/performance.md.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatResult, runBenchmark } from './bench.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    compare: { type: 'string' },
    uploads: { type: 'string', default: '3' },
    'cpu-prof': { type: 'string' },
    keep: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const n = Number(values.n);
const compareN = values.compare === undefined ? Math.round(n / 10) : Number(values.compare);
const uploadRounds = Number(values.uploads);
if (!Number.isInteger(n) || n < 100 || !Number.isInteger(compareN) || compareN < 0 || !Number.isInteger(uploadRounds) || uploadRounds < 1) {
  console.error('usage: npm run bench -- --n <recipients, at least 100> [--compare <recipients, 0 for none>] [--uploads <rounds, at least 1>]');
  process.exit(2);
}
const started = Date.now();
const result = await runBenchmark({
  n,
  compareN,
  uploadRounds,
  ...(values['cpu-prof'] ? { cpuProfDir: values['cpu-prof'] } : {}),
  keep: values.keep,
  progress: (line) => process.stderr.write(`${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s  ${line}\n`),
});
if (values.json) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(formatResult(result));
