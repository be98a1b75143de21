/**
 * MANIFEST.sha256: one line per file of the bundle, `<sha256 hex>  <path from the bundle's
 * top folder, forward slashes>`, sorted by path, itself excepted. sha256sum -c reads it on
 * Linux; scripts/windows/verify-manifest.ps1 reads it on the terminal.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles, sha256File } from './files.ts';

export const MANIFEST = 'MANIFEST.sha256';

export async function writeManifest(bundleDir: string): Promise<number> {
  const files = listFiles(bundleDir).filter((path) => path !== MANIFEST);
  const lines: string[] = [];
  for (const path of files) lines.push(`${await sha256File(join(bundleDir, path))}  ${path}`);
  writeFileSync(join(bundleDir, MANIFEST), `${lines.join('\n')}\n`);
  return files.length;
}

/** The manifest's lines as path → hash; what the tests and the checks read back. */
export function parseManifest(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!match) throw new Error(`${MANIFEST}: cannot read the line "${line}"`);
    entries.set(match[2]!, match[1]!);
  }
  return entries;
}
