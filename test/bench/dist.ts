/**
 * `npm run bench:dist -- [--runs 9] [--no-bundles]`
 * What the distribution costs: the offline bundles' sizes (zip and unpacked, per target) and
 * the start-up time of `pmh-bot --version` run through tsx (the sources, as before the
 * compiled build), compiled (`node bin/pmh-bot.mjs`) and from the unzipped linux-x64 bundle.
 * Each command runs once to warm the disk cache, then `--runs` times, interleaved; the table
 * gives the median and the spread. See docs/performance.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundle, type BundleResult } from '../../scripts/bundle/build-bundle.ts';
import { TARGETS } from '../../scripts/bundle/targets.ts';
import { unzip } from '../helpers/unzip.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' }, 'no-bundles': { type: 'boolean', default: false } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('usage: npm run bench:dist -- [--runs <at least 1>] [--no-bundles]');
  process.exit(2);
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const scratch = mkdtempSync(join(tmpdir(), 'pmh-bench-dist-'));
try {
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  if (built.status !== 0) throw new Error('npm run build failed');

  const bundles: BundleResult[] = [];
  if (!values['no-bundles']) {
    for (const target of Object.values(TARGETS)) {
      process.stderr.write(`building the ${target.name} bundle...\n`);
      bundles.push(await buildBundle({ repoRoot: ROOT, target, outDir: join(scratch, 'dist'), build: false }));
    }
  }
  const linux = bundles.find((bundle) => bundle.topFolder.endsWith('linux-x64'));
  if (linux) await unzip(linux.zip, join(scratch, 'unzipped'));

  const commands: Array<{ name: string; argv: string[] }> = [
    { name: 'tsx (node --import tsx bot/cli/main.ts)', argv: [process.execPath, '--import', 'tsx', 'bot/cli/main.ts', '--version'] },
    { name: 'compiled (node bin/pmh-bot.mjs)', argv: [process.execPath, 'bin/pmh-bot.mjs', '--version'] },
    ...(linux ? [{ name: 'linux-x64 bundle (./pmh-bot)', argv: [join(scratch, 'unzipped', linux.topFolder, 'pmh-bot'), '--version'] }] : []),
  ];
  const times = new Map<string, number[]>(commands.map((command) => [command.name, []]));
  const once = (argv: string[]): number => {
    const started = process.hrtime.bigint();
    const result = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
    return ms;
  };
  process.stderr.write(`timing pmh-bot --version, ${runs} runs each...\n`);
  for (const command of commands) once(command.argv);
  for (let i = 0; i < runs; i += 1) for (const command of commands) times.get(command.name)!.push(once(command.argv));

  const lines = [`Node.js ${process.version}, ${runs} runs each (after one warm-up)`, '', '| pmh-bot --version | median | min | max |', '|---|---:|---:|---:|'];
  for (const [name, samples] of times) {
    const sorted = [...samples].sort((a, b) => a - b);
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
    lines.push(`| ${name} | ${median.toFixed(0)} ms | ${sorted[0]!.toFixed(0)} ms | ${sorted.at(-1)!.toFixed(0)} ms |`);
  }
  if (bundles.length > 0) {
    lines.push('', '| bundle | zip | unpacked | files |', '|---|---:|---:|---:|');
    for (const bundle of bundles) lines.push(`| ${bundle.topFolder}.zip | ${mib(bundle.zipBytes)} | ${mib(bundle.unpackedBytes)} | ${bundle.files} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
