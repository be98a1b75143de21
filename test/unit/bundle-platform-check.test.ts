/**
 * The bundle's platform check on small node_modules trees made here: other platforms'
 * binaries are pruned, the target's kept, and a package that has no binary for the target
 * fails the bundle by name (the e2e bundle tests see only today's dependencies, which pass).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BundleError } from '../../scripts/bundle/bundle-error.ts';
import { binaryKind } from '../../scripts/bundle/native-binaries.ts';
import { fitDependenciesToTarget, type Lockfile } from '../../scripts/bundle/platform-check.ts';
import { TARGETS } from '../../scripts/bundle/targets.ts';

function elf(machine: number): Buffer {
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2; // 64-bit
  header[5] = 1; // little-endian
  header.writeUInt16LE(machine, 18);
  return header;
}

function pe(machine: number): Buffer {
  const image = Buffer.alloc(128);
  image.write('MZ', 0, 'latin1');
  image.writeUInt32LE(0x40, 0x3c);
  image.write('PE\0\0', 0x40, 'latin1');
  image.writeUInt16LE(machine, 0x44);
  return image;
}

function machO(cpu: number): Buffer {
  const header = Buffer.alloc(32);
  header.writeUInt32LE(0xfeedfacf, 0);
  header.writeUInt32LE(cpu, 4);
  return header;
}

describe('the bundle\'s platform check', () => {
  let dir: string;
  let app = 0;

  function write(root: string, path: string, content: string | Buffer): void {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }

  function pkg(root: string, path: string, json: object): void {
    write(root, `${path}/package.json`, JSON.stringify({ version: '1.0.0', ...json }));
  }

  function appDir(): string {
    app += 1;
    return join(dir, `app-${app}`);
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pmh-bundle-check-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the machine from the header, not the file name', () => {
    write(dir, 'a.node', elf(0x3e));
    write(dir, 'b.dll', pe(0xaa64));
    write(dir, 'c', machO(0x0100000c));
    write(dir, 'd.node', 'module.exports = 1;\n');
    assert.deepEqual(binaryKind(join(dir, 'a.node')), { format: 'elf', machine: 'x86-64' });
    assert.deepEqual(binaryKind(join(dir, 'b.dll')), { format: 'pe', machine: 'arm64' });
    assert.deepEqual(binaryKind(join(dir, 'c')), { format: 'macho', machine: 'arm64' });
    assert.equal(binaryKind(join(dir, 'd.node')), null);
  });

  it('keeps the target\'s binary and prunes the ones a package carries for other platforms', () => {
    const root = appDir();
    pkg(root, 'node_modules/carrier', { name: 'carrier', scripts: { install: 'node check.js' } });
    write(root, 'node_modules/carrier/build/carrier-win32-x64.node', pe(0x8664));
    write(root, 'node_modules/carrier/build/carrier-linux-x64.node', elf(0x3e));
    write(root, 'node_modules/carrier/build/carrier-linux-x64.node-buildinfo.txt', 'built\n');
    write(root, 'node_modules/carrier/build/carrier-darwin-arm64.node', machO(0x0100000c));
    const report = fitDependenciesToTarget(root, TARGETS['win32-x64']!, { packages: {} });
    assert.deepEqual(report.kept.map((b) => b.path), ['node_modules/carrier/build/carrier-win32-x64.node']);
    assert.deepEqual(report.pruned.map((b) => b.path).sort(), ['node_modules/carrier/build/carrier-darwin-arm64.node', 'node_modules/carrier/build/carrier-linux-x64.node']);
    assert.ok(!existsSync(join(root, 'node_modules/carrier/build/carrier-linux-x64.node')));
    assert.ok(!existsSync(join(root, 'node_modules/carrier/build/carrier-linux-x64.node-buildinfo.txt')), 'its build note goes with it');
  });

  it('fails, naming the package, when one would compile its binary at install time', () => {
    const root = appDir();
    pkg(root, 'node_modules/compiles', { name: 'compiles', scripts: { install: 'prebuild-install || node-gyp rebuild' } });
    write(root, 'node_modules/compiles/binding.gyp', '{}');
    pkg(root, 'node_modules/plain', { name: 'plain' });
    assert.throws(
      () => fitDependenciesToTarget(root, TARGETS['linux-x64']!, { packages: {} }),
      (error: unknown) => error instanceof BundleError && /compiles@1\.0\.0 \(node_modules\/compiles\) carries no ELF x86-64 binary/.test(error.message) && !error.message.includes('plain'),
    );
  });

  it('fails, naming the package, when its per-platform packages have none for the target', () => {
    const root = appDir();
    const lock: Lockfile = {
      packages: {
        'node_modules/family': {},
        'node_modules/family-linux-x64': { os: ['linux'], cpu: ['x64'] },
        'node_modules/family-darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
      },
    };
    pkg(root, 'node_modules/family', { name: 'family', optionalDependencies: { 'family-linux-x64': '1.0.0', 'family-darwin-arm64': '1.0.0' } });
    pkg(root, 'node_modules/family-linux-x64', { name: 'family-linux-x64' });
    write(root, 'node_modules/family-linux-x64/family.node', elf(0x3e));
    assert.equal(fitDependenciesToTarget(root, TARGETS['linux-x64']!, lock).kept.length, 1, 'linux-x64 has its package');
    assert.throws(
      () => fitDependenciesToTarget(root, TARGETS['win32-x64']!, lock),
      (error: unknown) => error instanceof BundleError && /family@1\.0\.0 \(node_modules\/family\) has no platform package for win32-x64/.test(error.message),
    );
  });
});
