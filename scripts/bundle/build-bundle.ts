/**
 * One offline bundle, `<out>/pmh-bot-<version>-<target>.zip` with its .sha256, laid out as:
 *
 *   pmh-bot-<version>-<target>/
 *     node/                   Node.js of .node-version from the registry (node.exe or bin/node) and its LICENSE
 *     app/                    package.json, bin/, build/ (compiled), config/ (layouts, screens, SQL,
 *                             the example config) and node_modules/ (production, for the target)
 *     config/                 the same examples, for the operator to copy
 *     docs/, README.md
 *     pmh-bot.cmd | pmh-bot   the launcher
 *     *.ps1                   (win32) scripts/windows/: install and verify-manifest
 *     THIRD-PARTY-NOTICES.txt
 *     MANIFEST.sha256         the SHA-256 of every other file
 *
 * Nothing in it is downloaded or compiled on the terminal.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BundleError } from './bundle-error.ts';
import { listFiles } from './files.ts';
import { launcher } from './launchers.ts';
import { writeManifest } from './manifest.ts';
import { binaryKind, type BinaryKind } from './native-binaries.ts';
import { extractFromTarball, makeExecutable, registryTarball, tarballPackageJson } from './node-runtime.ts';
import { thirdPartyNotices } from './notices.ts';
import { fitDependenciesToTarget, fitsTarget, type PlatformReport } from './platform-check.ts';
import { installProductionDependencies } from './production-deps.ts';
import { run } from './run-command.ts';
import { NODE_LICENSE_PACKAGE, type BundleTarget } from './targets.ts';
import { checkWindowsPaths } from './windows-paths.ts';
import { writeZip } from './zip.ts';

export interface BundleOptions {
  repoRoot: string;
  target: BundleTarget;
  outDir: string;
  /** Run `npm run build` first (default); false uses the build/ already there. */
  build?: boolean;
  log?: (line: string) => void;
}

export interface BundleResult {
  zip: string;
  topFolder: string;
  version: string;
  nodeVersion: string;
  files: number;
  unpackedBytes: number;
  zipBytes: number;
  node: BinaryKind;
  binaries: PlatformReport;
  noticedPackages: number;
  withoutLicenseFile: string[];
}

function asArray(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** node/: the runtime from the registry package of exactly `version`, checked to be what it says. */
function addNodeRuntime(bundleDir: string, target: BundleTarget, version: string): BinaryKind {
  const tarball = registryTarball(target.nodePackage, version);
  const packed = tarballPackageJson(tarball);
  if (packed.name !== target.nodePackage || packed.version !== version || !asArray(packed.os).includes(target.os) || !asArray(packed.cpu).includes(target.cpu)) {
    throw new BundleError(
      `${tarball} holds ${packed.name}@${packed.version} for ${asArray(packed.os).join(',')}/${asArray(packed.cpu).join(',')}, not ${target.nodePackage}@${version} for ${target.name}`,
      `Delete ${tarball} and its .integrity file, and build again.`,
    );
  }
  const executable = join(bundleDir, target.nodeExecutable);
  extractFromTarball(tarball, target.nodeInPackage, executable);
  const kind = binaryKind(executable);
  if (!kind || !fitsTarget(kind, target)) {
    throw new BundleError(`${target.nodePackage}@${version}'s ${target.nodeInPackage} is ${kind ? `${kind.format} ${kind.machine}` : 'not a binary'}, not ${target.binaryFormat} ${target.machine}`, 'The registry package is not what its name says: do not ship it.');
  }
  if (target.os !== 'win32') makeExecutable(executable);
  extractFromTarball(registryTarball(NODE_LICENSE_PACKAGE, version), 'LICENSE', join(bundleDir, 'node', 'LICENSE'));
  return kind;
}

/** The config folder's data (layouts, screens, SQL, the example config), not its TypeScript. */
function copyConfigExamples(repoRoot: string, to: string): void {
  for (const path of listFiles(repoRoot, 'config').filter((file) => !file.endsWith('.ts'))) {
    mkdirSync(dirname(join(to, path)), { recursive: true });
    cpSync(join(repoRoot, path), join(to, path));
  }
}

function addWindowsScripts(repoRoot: string, bundleDir: string): void {
  const dir = join(repoRoot, 'scripts', 'windows');
  const scripts = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.ps1')) : [];
  if (scripts.length === 0) {
    throw new BundleError(`No PowerShell scripts in ${dir}`, 'The win32 bundle carries scripts/windows/install.ps1 and verify-manifest.ps1 at its top level; they must be in the repository.');
  }
  for (const name of scripts) cpSync(join(dir, name), join(bundleDir, name));
}

export async function buildBundle(options: BundleOptions): Promise<BundleResult> {
  const { repoRoot, target } = options;
  const log = options.log ?? (() => {});
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const nodeVersion = readFileSync(join(repoRoot, '.node-version'), 'utf8').trim();
  const topFolder = `pmh-bot-${version}-${target.name}`;
  const staging = mkdtempSync(join(tmpdir(), 'pmh-bot-bundle-'));
  const bundleDir = join(staging, topFolder);
  const appDir = join(bundleDir, 'app');
  try {
    if (options.build !== false) {
      log('npm run build');
      run('npm', ['run', 'build'], { cwd: repoRoot, what: 'Compiling (npm run build)', hint: 'Fix the compile errors npm run build shows, then build the bundle again.' });
    }
    if (!existsSync(join(repoRoot, 'build', 'bot', 'cli', 'main.js'))) {
      throw new BundleError(`${join(repoRoot, 'build')} holds no compiled pmh-bot`, 'Run npm run build first.');
    }

    log(`node/: ${target.nodePackage}@${nodeVersion}`);
    mkdirSync(join(bundleDir, 'node'), { recursive: true });
    const node = addNodeRuntime(bundleDir, target, nodeVersion);

    log(`app/node_modules: npm ci --omit=dev for ${target.name}`);
    mkdirSync(appDir, { recursive: true });
    const lock = installProductionDependencies(repoRoot, appDir, target);
    rmSync(join(appDir, 'package-lock.json'));
    const binaries = fitDependenciesToTarget(appDir, target, lock);
    for (const binary of binaries.kept) log(`  kept   ${binary.path} (${binary.kind.format} ${binary.kind.machine})`);
    for (const binary of binaries.pruned) log(`  pruned ${binary.path} (${binary.kind.format} ${binary.kind.machine})`);

    log('app/: bin, build, config');
    cpSync(join(repoRoot, 'bin'), join(appDir, 'bin'), { recursive: true });
    cpSync(join(repoRoot, 'build'), join(appDir, 'build'), { recursive: true });
    copyConfigExamples(repoRoot, appDir);

    copyConfigExamples(repoRoot, bundleDir);
    cpSync(join(repoRoot, 'docs'), join(bundleDir, 'docs'), { recursive: true });
    cpSync(join(repoRoot, 'README.md'), join(bundleDir, 'README.md'));
    const start = launcher(target);
    writeFileSync(join(bundleDir, start.name), start.text);
    if (start.executable) makeExecutable(join(bundleDir, start.name));
    if (target.os === 'win32') addWindowsScripts(repoRoot, bundleDir);

    const notices = thirdPartyNotices(appDir, nodeVersion, readFileSync(join(bundleDir, 'node', 'LICENSE'), 'utf8'));
    writeFileSync(join(bundleDir, 'THIRD-PARTY-NOTICES.txt'), notices.text);

    const files = listFiles(bundleDir);
    if (target.os === 'win32') checkWindowsPaths(files, topFolder);
    const unpackedBytes = files.reduce((sum, path) => sum + statSync(join(bundleDir, path)).size, 0);
    log('MANIFEST.sha256');
    const listed = await writeManifest(bundleDir);

    mkdirSync(options.outDir, { recursive: true });
    const zip = join(options.outDir, `${topFolder}.zip`);
    log(`zip: ${zip}`);
    await writeZip(bundleDir, topFolder, zip);
    return {
      zip,
      topFolder,
      version,
      nodeVersion,
      files: listed + 1,
      unpackedBytes: unpackedBytes + statSync(join(bundleDir, 'MANIFEST.sha256')).size,
      zipBytes: statSync(zip).size,
      node,
      binaries,
      noticedPackages: notices.packages,
      withoutLicenseFile: notices.withoutLicenseFile,
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
