/**
 * The linux-x64 offline bundle on a machine like the terminal: unzipped outside the
 * repository, run in a network namespace with no network (only loopback, which the demo's
 * simulator listens on), with no npm and no Node.js on the PATH. Everything it needs comes in
 * the zip; the only thing it takes from the machine is the browser (/usr/bin/chromium).
 * Needs root for `unshare -n`: without it the test fails, it never skips.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT } from '../../core/exit-codes.ts';
import { buildAndUnzip, ROOT, VERSION, type BuiltBundle } from '../helpers/bundle.ts';

const SLOW = { timeout: 10 * 60_000 };
/** What PATH must not offer: the machine's own Node.js and package managers. */
const NOT_ON_PATH = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack', 'pnpm', 'yarn', 'tsx']);

/** A PATH folder with the machine's commands (the browser's wrapper script uses many) but no node or npm. */
function toolsWithoutNode(dir: string): string {
  mkdirSync(dir);
  for (const from of ['/usr/bin', '/bin']) {
    for (const name of readdirSync(from)) {
      if (NOT_ON_PATH.has(name) || existsSync(join(dir, name))) continue;
      symlinkSync(join(from, name), join(dir, name));
    }
  }
  // `ip`, to bring loopback up inside the namespace.
  const ip = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((path) => existsSync(path));
  assert.ok(ip, 'iproute2 (ip) is needed to bring up loopback in the namespace');
  if (!existsSync(join(dir, 'ip'))) symlinkSync(ip, join(dir, 'ip'));
  return dir;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the linux-x64 offline bundle, with no network, no npm and no Node.js of the machine', () => {
  let scratch: string;
  let bundle: BuiltBundle;
  let tools: string;
  let home: string;

  /** `script` run by sh in a new network namespace, loopback up, with only the tools folder on PATH. */
  function offline(script: string, env: Record<string, string> = {}): Promise<Result> {
    return new Promise((done, fail) => {
      const child = spawn('unshare', ['-n', 'sh', '-c', `ip link set lo up && ${script}`], {
        cwd: home,
        env: { PATH: tools, HOME: home, PMH_BOT_LANG: 'ja', ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', fail);
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  }

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'pmh-bundle-linux-'));
    assert.ok(!scratch.startsWith(ROOT), 'the bundle is unzipped outside the repository');
    tools = toolsWithoutNode(join(scratch, 'tools'));
    home = join(scratch, 'home');
    mkdirSync(home);
    bundle = await buildAndUnzip('linux-x64', scratch);
  }, SLOW);

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('runs in a namespace with loopback only, where neither node nor npm is found', async () => {
    const result = await offline(`tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; command -v node || echo 'no node'; command -v npm || echo 'no npm'`);
    assert.equal(result.code, 0, `unshare -n must work here (as root): ${result.stderr}`);
    assert.deepEqual(result.stdout.trim().split('\n'), ['lo', 'no node', 'no npm']);
  });

  it('keeps the launcher and node executable through the zip', () => {
    assert.equal(statSync(join(bundle.dir, 'pmh-bot')).mode & 0o111, 0o111);
    assert.equal(statSync(join(bundle.dir, 'node/bin/node')).mode & 0o111, 0o111);
  });

  it('pmh-bot --version prints package.json\'s version', async () => {
    const result = await offline(`"${bundle.dir}/pmh-bot" --version`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), VERSION);
  });

  it('pmh-bot demo runs a whole cycle against the bundled simulator and exits 0', SLOW, async () => {
    const result = await offline(`"${bundle.dir}/pmh-bot" demo`);
    assert.equal(result.code, EXIT.ok, result.stdout + result.stderr);
    assert.match(result.stdout, /結果: 成功/);
    assert.match(result.stdout, /受付番号 U\d+, 完了/);
    // The demo writes where its config (app/config/pmh-bot.example.yaml, data_dir ../data) says.
    assert.ok(existsSync(join(bundle.dir, 'app/data/demo/subsidy.sqlite')), 'the demo sources are in app/data/demo');
    assert.ok(existsSync(join(bundle.dir, 'app/data/ledger.sqlite')), 'the ledger is in app/data');
  });

  it('pmh-bot doctor on the demo config passes every check that can work offline; PMH out of reach is its one failure (exit 3)', SLOW, async () => {
    const config = join(bundle.dir, 'app/config/pmh-bot.example.yaml');
    // The demo's own password, as the demo announced it; PMH (127.0.0.1:8080 in the example) is not there.
    const result = await offline(`"${bundle.dir}/pmh-bot" doctor --config "${config}"`, { PMH_PASSWORD: 'pmh-demo-password' });
    const lines = result.stdout.split('\n');
    const failed = lines.filter((line) => line.startsWith('✖'));
    assert.deepEqual(failed, ['✖ PMH ログイン画面'], result.stdout + result.stderr);
    assert.match(result.stdout, /\[PmhUnreachable\]/);
    for (const passed of [/^✔ 設定ファイル/, /^✔ 秘密情報 PMH_PASSWORD/, /^✔ ブラウザーの起動/, /^✔ ディスクの空き容量/, /^✔ データフォルダーへの書き込み/]) {
      assert.ok(lines.some((line) => passed.test(line)), `${passed} in\n${result.stdout}`);
    }
    assert.equal(lines.filter((line) => /^✔ データソース \w+（sqlite）/.test(line)).length, 3, 'the three SQLite sources opened');
    assert.equal(lines.filter((line) => /^✔ 抽出 SQL /.test(line)).length, 6, 'every extraction query planned');
    // doctor exits with the most severe failure's kind (bot/ops/doctor/doctor.ts): PMH unreachable is a system error.
    assert.equal(result.code, EXIT.system);
  });
});
