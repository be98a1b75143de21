/**
 * Builds an offline bundle the way a developer does (`npm run bundle -- --target <t>`), into
 * a folder of the test's, unzips it, and reads back what the bundle says of itself.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { unzip, type UnzippedEntry } from './unzip.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
export const NODE_VERSION = readFileSync(join(ROOT, '.node-version'), 'utf8').trim();

export interface BuiltBundle {
  zip: string;
  /** The unzipped bundle's top folder. */
  dir: string;
  entries: UnzippedEntry[];
  /** What `npm run bundle` printed. */
  output: string;
}

function bundleCommand(target: string, out: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bundle.ts', '--target', target, '--out', out], { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(output) : fail(new Error(`npm run bundle -- --target ${target} exited ${code}:\n${output}`))));
  });
}

/** Builds the bundle into `<scratch>/dist` and unzips it into `<scratch>/unzipped`. */
export async function buildAndUnzip(target: string, scratch: string): Promise<BuiltBundle> {
  const output = await bundleCommand(target, join(scratch, 'dist'));
  const top = `pmh-bot-${VERSION}-${target}`;
  const zip = join(scratch, 'dist', `${top}.zip`);
  const entries = await unzip(zip, join(scratch, 'unzipped'));
  return { zip, dir: join(scratch, 'unzipped', top), entries, output };
}
