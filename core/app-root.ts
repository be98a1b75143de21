/**
 * The application's root folder: the nearest folder above this module holding a
 * package.json. The same whether the sources run through tsx (the repository), the compiled
 * build runs (build/ inside the repository) or the offline bundle runs (its app/ folder), so
 * the shipped files (config/, bin/) are found the same way in all three.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const APP_ROOT = findRoot(import.meta.dirname);

/** A shipped file, by its path from the application's root (`config/layouts/pmh-v1.yaml`). */
export function appFile(...parts: string[]): string {
  return join(APP_ROOT, ...parts);
}

/** The version in the application's package.json. */
export function appVersion(): string {
  return (JSON.parse(readFileSync(appFile('package.json'), 'utf8')) as { version: string }).version;
}
