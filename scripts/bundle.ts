/**
 * `npm run bundle -- --target win32-x64|linux-x64 [--out <folder>] [--no-build]`
 *
 * Builds the offline bundle for the RPA terminal in the My Number network segment: one zip
 * holding Node.js, the compiled bot, its production dependencies for that machine, the
 * examples, the docs and a launcher, with a SHA-256 manifest; nothing is downloaded or
 * compiled on the terminal. Both targets build on Linux. Layout: scripts/bundle/build-bundle.ts.
 */
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BundleError } from './bundle/bundle-error.ts';
import { buildBundle } from './bundle/build-bundle.ts';
import { TARGETS } from './bundle/targets.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    out: { type: 'string', default: join(repoRoot, 'dist') },
    'no-build': { type: 'boolean', default: false },
  },
});
const target = TARGETS[values.target ?? ''];
if (!target) {
  console.error(`usage: npm run bundle -- --target ${Object.keys(TARGETS).join('|')} [--out <folder>] [--no-build]`);
  process.exit(2);
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const started = Date.now();
try {
  const result = await buildBundle({
    repoRoot,
    target,
    outDir: resolve(values.out),
    build: !values['no-build'],
    log: (line) => console.log(`[bundle ${target.name}] ${line}`),
  });
  console.log(`\n${relative(process.cwd(), result.zip) || result.zip}`);
  console.log(`  pmh-bot ${result.version}, Node.js ${result.nodeVersion} (${result.node.format} ${result.node.machine})`);
  console.log(`  ${result.files} files, ${mib(result.unpackedBytes)} unpacked, ${mib(result.zipBytes)} zipped, in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`  native modules: ${result.binaries.kept.map((b) => b.path).join(', ') || 'none'}`);
  console.log(`  pruned (other platforms): ${result.binaries.pruned.length}`);
  console.log(`  licences of ${result.noticedPackages} packages in THIRD-PARTY-NOTICES.txt${result.withoutLicenseFile.length ? ` (no licence file, declared licence only: ${result.withoutLicenseFile.join(', ')})` : ''}`);
} catch (error) {
  if (!(error instanceof BundleError)) throw error;
  console.error(`bundle ${target.name} failed: ${error.message}`);
  console.error(`what to do: ${error.hint}`);
  process.exit(1);
}
