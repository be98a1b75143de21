/**
 * The files of a folder, as the bundle sees them: relative paths with forward slashes, in a
 * stable order. A bundle holds plain files only: a link would not survive a zip on Windows.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BundleError } from './bundle-error.ts';

/** Every file under `root`, relative to it, sorted. */
export function listFiles(root: string, from = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, from), { withFileTypes: true })) {
    const relative = from ? `${from}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...listFiles(root, relative));
    else if (entry.isFile()) files.push(relative);
    else {
      throw new BundleError(
        `${join(root, relative)} is neither a file nor a folder (a link or a device)`,
        'The bundle holds plain files only (a zip cannot carry a link to Windows). Find what put it there; npm ci runs with --no-bin-links for this reason.',
      );
    }
  }
  return files.sort();
}

export function sha256File(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}
