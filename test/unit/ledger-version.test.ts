/**
 * A ledger a newer pmh-bot migrated is refused by an older one (after a rollback), on a
 * real SQLite file: the operator reads which file, its format version and this program's,
 * and what to do; the file is left exactly as the newer version wrote it.
 *
 * The file is made through the Ledger class; only its user_version is set from outside,
 * with the driver the other tests use to write SQLite files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.ts';
import { PmhBotError } from '../../core/errors.ts';
import { Database } from '../../core/sqlite.ts';
import { LEDGER_FORMAT_VERSION, Ledger } from '../../bot/state/ledger.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/pmh-bot.mjs');
const EXAMPLE_CONFIG = join(ROOT, 'config/pmh-bot.example.yaml');

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function userVersion(path: string): number {
  const db = new Database(path);
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

/** A ledger at this program's format with one run in it, then marked as written by a later format. */
function ledgerFromNewerVersion(path: string, version: number): void {
  const ledger = new Ledger(path);
  ledger.startRun('R1', 'manual', join(path, '..', 'runs', 'R1'), '2026-04-01');
  ledger.close();
  const db = new Database(path);
  db.pragma(`user_version = ${version}`);
  db.close();
}

describe('a ledger written by a newer pmh-bot', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pmh-ledger-version-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens and migrates a ledger at this program\'s format or an older one', () => {
    const path = join(dir, 'current.sqlite');
    new Ledger(path).close();
    assert.equal(userVersion(path), LEDGER_FORMAT_VERSION);
    new Ledger(path).close();
    assert.equal(userVersion(path), LEDGER_FORMAT_VERSION);
  });

  it('is refused with LedgerFromNewerVersion naming the file, its version and this program\'s, and the way back', () => {
    const path = join(dir, 'newer.sqlite');
    const newer = LEDGER_FORMAT_VERSION + 3;
    ledgerFromNewerVersion(path, newer);
    const before = sha256(path);

    let refused: unknown;
    assert.throws(() => new Ledger(path), (error: unknown) => {
      refused = error;
      return true;
    });
    assert.ok(refused instanceof PmhBotError, String(refused));
    assert.equal(refused.code, 'LedgerFromNewerVersion');
    assert.equal(refused.kind, 'critical', 'stops the command: nothing may run on a ledger it cannot read');

    const ja = refused.describeIn('ja');
    assert.match(ja.message, new RegExp(`実行台帳 ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} の形式はバージョン ${newer} ですが、このプログラムが扱えるのはバージョン ${LEDGER_FORMAT_VERSION} までです`));
    assert.match(ja.hint, /新しいバージョンの pmh-bot に戻す/);
    assert.match(ja.hint, /更新の前に取ったデータフォルダーのコピーから ledger\.sqlite と snapshot\.sqlite を戻す/);
    assert.match(ja.hint, /台帳を編集したり、バージョンを書き換えたりしないでください/);
    const en = refused.describeIn('en');
    assert.ok(en.message.includes(path) && en.message.includes(`format version ${newer}`) && en.message.includes(`up to ${LEDGER_FORMAT_VERSION}`), en.message);
    assert.match(en.hint, /Never edit the ledger/);

    assert.ok(!existsSync(`${path}-wal`) && !existsSync(`${path}-shm`), 'the refused file was closed again (no WAL left open)');
    assert.equal(sha256(path), before, 'nothing was written to the file');
    assert.equal(userVersion(path), newer, 'its version is still the newer one');
  });

  it('stops a command with exit code 4 and the Japanese message', () => {
    const { config } = loadConfig(EXAMPLE_CONFIG);
    const dataDir = join(dir, 'cli-data');
    const configPath = join(dir, 'pmh-bot.yaml');
    writeFileSync(configPath, stringify({ ...config, data_dir: dataDir }));
    ledgerFromNewerVersion(join(dataDir, 'ledger.sqlite'), LEDGER_FORMAT_VERSION + 1);

    const result = spawnSync(process.execPath, [BIN, 'runs', '--config', configPath], {
      encoding: 'utf8',
      env: { ...process.env, PMH_BOT_LANG: 'ja' },
    });
    assert.equal(result.status, 4, result.stderr);
    assert.match(result.stderr, /エラー \[LedgerFromNewerVersion\] 実行台帳が、より新しいバージョンの pmh-bot で更新されています/);
    assert.match(result.stderr, /対処: 次のどちらかを行ってください/);
  });
});
