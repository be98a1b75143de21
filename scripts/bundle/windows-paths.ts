/**
 * Paths a Windows terminal can unzip and install: no two names that differ only by case
 * (NTFS would keep one), no character or device name Windows refuses, and short enough that
 * the bundle still fits under MAX_PATH (260) when unzipped into a Downloads folder or installed
 * under C:\Program Files\pmh-bot\<version>\.
 */
import { BundleError } from './bundle-error.ts';

/** Room left for the folder the bundle is unzipped or installed into. */
export const MAX_BUNDLE_PATH = 160;

const RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;
const REFUSED_CHARACTERS = /[<>:"|?*\\\x00-\x1f]/;

export function checkWindowsPaths(files: string[], topFolder: string): void {
  const problems: string[] = [];
  const byLowerCase = new Map<string, string>();
  for (const path of files) {
    const other = byLowerCase.get(path.toLowerCase());
    if (other) problems.push(`${other} and ${path} differ only by case`);
    byLowerCase.set(path.toLowerCase(), path);
    for (const name of path.split('/')) {
      if (RESERVED.test(name) || REFUSED_CHARACTERS.test(name) || /[ .]$/.test(name)) problems.push(`${path}: Windows cannot name a file "${name}"`);
    }
    const length = topFolder.length + 1 + path.length;
    if (length > MAX_BUNDLE_PATH) problems.push(`${topFolder}/${path} is ${length} characters long (at most ${MAX_BUNDLE_PATH})`);
  }
  if (problems.length > 0) {
    throw new BundleError(`The win32 bundle has paths Windows cannot hold:\n  ${problems.join('\n  ')}`, 'Find which package brings them (the path names it) and replace or drop the package.');
  }
}
