/**
 * The packages npm installed in a node_modules folder, nested ones included, each with its
 * package.json: what the notices list and what the platform check walks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PackageJson {
  name: string;
  version: string;
  license?: string | { type?: string };
  licenses?: Array<string | { type?: string }>;
  scripts?: Record<string, string>;
  gypfile?: boolean;
  optionalDependencies?: Record<string, string>;
}

export interface InstalledPackage {
  /** From the application folder, as package-lock.json names it: `node_modules/@napi-rs/keyring`. */
  path: string;
  json: PackageJson;
}

function packageDirs(root: string, modules: string): string[] {
  const dir = join(root, modules);
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@')) {
      for (const scoped of readdirSync(join(dir, entry.name), { withFileTypes: true })) {
        if (scoped.isDirectory()) found.push(`${modules}/${entry.name}/${scoped.name}`);
      }
    } else {
      found.push(`${modules}/${entry.name}`);
    }
  }
  return found;
}

/** Every package under `root`/node_modules, depth first, in a stable order. */
export function installedPackages(root: string, modules = 'node_modules'): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const path of packageDirs(root, modules).sort()) {
    const manifest = join(root, path, 'package.json');
    if (existsSync(manifest)) packages.push({ path, json: JSON.parse(readFileSync(manifest, 'utf8')) as PackageJson });
    packages.push(...installedPackages(root, `${path}/node_modules`));
  }
  return packages;
}

/**
 * The package a file belongs to: the path up to the last node_modules/ and the package's
 * name after it (`node_modules/a/node_modules/@s/b/x.node` → `node_modules/a/node_modules/@s/b`).
 */
export function owningPackage(file: string): string | null {
  const parts = file.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return null;
  const length = parts[at + 1]!.startsWith('@') ? at + 3 : at + 2;
  return parts.length > length ? parts.slice(0, length).join('/') : null;
}

/** The licence a package declares, from `license` or the older `licenses` list. */
export function declaredLicense(json: PackageJson): string {
  const name = (value: string | { type?: string } | undefined): string | undefined => (typeof value === 'string' ? value : value?.type);
  return name(json.license) ?? (json.licenses?.map(name).filter(Boolean).join(' OR ') || '(none declared)');
}
