/**
 * Makes the installed production dependencies fit one target, or says which cannot.
 *
 * npm installed them for the target's os and cpu without running any install script, so every
 * binary present came in a registry tarball. Here every file is read for machine code: the
 * target's binaries stay; other platforms' binaries, which some packages carry for every
 * platform (oracledb's thick-mode modules), are removed. A package that would build or fetch
 * its binary at install time (an install script, a binding.gyp) must carry one for the target,
 * and a package that ships its binary as per-platform packages (napi-rs, esbuild) must have
 * the target's installed: otherwise the bundle fails, naming the package.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BundleError } from './bundle-error.ts';
import { listFiles } from './files.ts';
import { installedPackages, owningPackage, type InstalledPackage } from './installed-packages.ts';
import { binaryKind, type BinaryKind } from './native-binaries.ts';
import type { BundleTarget } from './targets.ts';

export interface FoundBinary {
  /** From the application folder: `node_modules/oracledb/build/Release/oracledb-6.10.0-win32-x64.node`. */
  path: string;
  kind: BinaryKind;
}

export interface PlatformReport {
  kept: FoundBinary[];
  pruned: FoundBinary[];
}

export interface Lockfile {
  packages: Record<string, { os?: string[]; cpu?: string[]; libc?: string[] }>;
}

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

export function fitsTarget(kind: BinaryKind, target: BundleTarget): boolean {
  return kind.format === target.binaryFormat && kind.machine === target.machine;
}

function describe(kind: BinaryKind): string {
  return `${kind.format.toUpperCase()} ${kind.machine}`;
}

/** What npm would have run at install time, which the bundle never runs. */
function installStep(root: string, pkg: InstalledPackage): string | null {
  const script = INSTALL_SCRIPTS.find((name) => pkg.json.scripts?.[name]);
  if (script) return `${script}: ${pkg.json.scripts![script]}`;
  if (pkg.json.gypfile || existsSync(join(root, pkg.path, 'binding.gyp'))) return 'binding.gyp: node-gyp rebuild';
  return null;
}

/** The lockfile's entry a package's dependency resolves to, as node resolves it on disk. */
function resolveInLock(lock: Lockfile, from: string, dependency: string): string | null {
  for (let base = from; ; ) {
    const key = `${base}/node_modules/${dependency}`;
    if (lock.packages[key]) return key;
    const at = base.lastIndexOf('/node_modules/');
    if (at < 0) break;
    base = base.slice(0, at);
  }
  const top = `node_modules/${dependency}`;
  return lock.packages[top] ? top : null;
}

/** The package's optional dependencies that are each for one platform, by lockfile key. */
function platformPackages(lock: Lockfile, pkg: InstalledPackage): string[] {
  return Object.keys(pkg.json.optionalDependencies ?? {})
    .map((dependency) => resolveInLock(lock, pkg.path, dependency))
    .filter((key): key is string => key !== null && !!(lock.packages[key]!.os || lock.packages[key]!.cpu));
}

export function fitDependenciesToTarget(appDir: string, target: BundleTarget, lock: Lockfile): PlatformReport {
  const report: PlatformReport = { kept: [], pruned: [] };
  const problems: string[] = [];
  for (const path of listFiles(appDir, 'node_modules')) {
    const kind = binaryKind(join(appDir, path));
    if (kind) (fitsTarget(kind, target) ? report.kept : report.pruned).push({ path, kind });
    else if (path.endsWith('.node')) problems.push(`${path}: a native module that is not a binary this script can read`);
  }
  for (const { path } of report.pruned) {
    rmSync(join(appDir, path));
    // oracledb keeps a build note beside each binary; it goes with it.
    rmSync(join(appDir, `${path}-buildinfo.txt`), { force: true });
  }

  for (const pkg of installedPackages(appDir)) {
    const label = `${pkg.json.name}@${pkg.json.version}`;
    const ownBinaries = report.kept.filter((binary) => owningPackage(binary.path) === pkg.path);
    const step = installStep(appDir, pkg);
    if (step && ownBinaries.length === 0) {
      problems.push(`${label} (${pkg.path}) carries no ${describe({ format: target.binaryFormat, machine: target.machine })} binary; it would make one at install time (${step}), which the bundle never does`);
    }
    const family = platformPackages(lock, pkg);
    const platforms = new Set(family.map((key) => `${lock.packages[key]!.os ?? '*'}/${lock.packages[key]!.cpu ?? '*'}`));
    const forTarget = (key: string): boolean => {
      const { os, cpu } = lock.packages[key]!;
      return (!os || os.includes(target.os)) && (!cpu || cpu.includes(target.cpu)) && existsSync(join(appDir, key));
    };
    if (platforms.size > 1 && !family.some(forTarget)) {
      problems.push(`${label} (${pkg.path}) has no platform package for ${target.name} (it has: ${family.map((key) => key.replace(/^.*node_modules\//, '')).join(', ')})`);
    }
  }

  if (problems.length > 0) {
    throw new BundleError(
      `No binary for ${target.name} in the registry for:\n  ${problems.join('\n  ')}`,
      `The bundle is never compiled and runs nothing at install time. Replace the package with one that ships a binary for ${target.name} (or needs none), or drop it from dependencies.`,
    );
  }
  return report;
}
