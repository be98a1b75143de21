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
