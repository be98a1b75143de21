/**
 * The Node.js runtime a bundle carries: the npm registry's node-<os>-x64 package of exactly
 * the version in .node-version, fetched with `npm pack` once and kept in a cache folder
 * (~/.cache/pmh-bot/registry, or $PMH_BOT_CACHE/registry). A cached tarball is used only
 * while it still matches the integrity the registry gave for it.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BundleError } from './bundle-error.ts';
import { run } from './run-command.ts';

export function cacheDir(): string {
  return join(process.env.PMH_BOT_CACHE ?? join(homedir(), '.cache', 'pmh-bot'), 'registry');
}

function integrityOf(path: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(path)).digest('base64')}`;
}

/** The registry tarball of `name@version`, from the cache or from `npm pack`. */
export function registryTarball(name: string, version: string): string {
  const dir = cacheDir();
  const tarball = join(dir, `${name}-${version}.tgz`);
  const integrityFile = `${tarball}.integrity`;
  if (existsSync(tarball) && existsSync(integrityFile) && readFileSync(integrityFile, 'utf8').trim() === integrityOf(tarball)) return tarball;

  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'pmh-bot-pack-'));
  try {
    const out = run('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', scratch], {
      cwd: scratch,
      what: `Fetching ${name}@${version} from the npm registry`,
      hint: `The bundle takes Node.js from the registry package ${name} of the version in .node-version; check that this machine reaches the npm registry and that ${name}@${version} exists (npm view ${name} versions).`,
    });
    const [packed] = JSON.parse(out) as Array<{ filename: string; integrity: string; version: string }>;
    const fetched = join(scratch, packed!.filename);
    if (packed!.version !== version || integrityOf(fetched) !== packed!.integrity) {
      throw new BundleError(`npm pack ${name}@${version} gave version ${packed!.version}, integrity ${packed!.integrity}, which the file does not match`, 'Run the bundle again; if it persists, clear the npm cache (npm cache clean --force).');
    }
    renameSync(fetched, tarball);
    writeFileSync(integrityFile, `${packed!.integrity}\n`);
    return tarball;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One file of a registry tarball (under its package/ folder), written to `to`. */
export function extractFromTarball(tarball: string, inPackage: string, to: string): void {
  const scratch = mkdtempSync(join(tmpdir(), 'pmh-bot-untar-'));
  try {
    run('tar', ['xzf', tarball, '-C', scratch, `package/${inPackage}`], {
      cwd: scratch,
      what: `Unpacking package/${inPackage} from ${tarball}`,
      hint: `Delete ${tarball} and its .integrity file to fetch it again.`,
    });
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(scratch, 'package', inPackage), to);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface RuntimePackage {
  name: string;
  version: string;
  os?: string | string[];
  cpu?: string | string[];
}

/** The packed package's own package.json: what it says it is. */
export function tarballPackageJson(tarball: string): RuntimePackage {
  const scratch = mkdtempSync(join(tmpdir(), 'pmh-bot-untar-'));
  try {
    extractFromTarball(tarball, 'package.json', join(scratch, 'package.json'));
    return JSON.parse(readFileSync(join(scratch, 'package.json'), 'utf8')) as RuntimePackage;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function makeExecutable(path: string): void {
  chmodSync(path, 0o755);
}
