/**
 * Personal data at rest: real cycles against the simulator (the PMH password read from an
 * owner-only secrets file), then `purge` with a clock past the retention period. Asserts on
 * the files on disk and the ledger's rows.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkSecrets, configureSecrets } from '../../config/secrets.ts';
import { Ledger, type ArtifactRow } from '../../bot/state/ledger.ts';
import { checkPrivate, requirePrivate, restrictDir, restrictFile, restrictSqlite } from '../../bot/state/permissions.ts';
import { purgeExpired } from '../../bot/state/purge.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { type RunSummary } from '../../bot/pipeline/context.ts';
import { ledgerPath, snapshotPath } from '../../bot/state/paths.ts';
import { PmhBotError } from '../../core/errors.ts';
import { startDemoEnv, TEST_PASSWORD, type DemoEnv } from '../helpers/demo-env.ts';
import { pmhBot } from '../helpers/pmh-bot-cli.ts';

const DAY_MS = 86_400_000;
const POSIX = process.platform !== 'win32';


function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('purging run artifacts past their retention', () => {
  let env: DemoEnv;
  const runs: RunSummary[] = [];
  let runningDir: string;
  let runningFile: string;
  let artifactsBefore: Map<string, ArtifactRow[]>;

  before(async () => {
    env = await startDemoEnv({ recipients: 200 });
  });

  after(async () => {
    await env?.close();
  });

  it('runs a real cycle with PMH_PASSWORD taken from a 0600 secrets file', async () => {
    const secretsFile = join(env.dir, 'secrets.env');
    writeFileSync(secretsFile, `# PMH\nPMH_PASSWORD=${TEST_PASSWORD}\n`);
    chmodSync(secretsFile, 0o600);
    delete process.env.PMH_PASSWORD;
    const config = { ...env.config, secrets: { file: 'secrets.env', credential_store: false } };
    configureSecrets(config, env.configPath);
    checkSecrets(config);
    for (let i = 0; i < 2; i += 1) {
      const summary = await runCycle({ config, trigger: 'test' });
      assert.equal(summary.error, null, summary.error?.message);
      assert.equal(summary.status, 'succeeded');
      runs.push(summary);
    }
    // A run still in progress (another process): its row says 'running'.
    const ledger = new Ledger(ledgerPath(env.config));
    try {
      runningDir = join(env.config.data_dir, 'runs', 'R-STILL-RUNNING');
      mkdirSync(join(runningDir, 'upload'), { recursive: true });
      runningFile = join(runningDir, 'upload', 'in-progress.csv');
      writeFileSync(runningFile, 'header\n');
      ledger.startRun('R-STILL-RUNNING', 'test', runningDir, env.config.base_date ?? null);
      ledger.addArtifact('R-STILL-RUNNING', 'shape', 'upload_file', runningFile, 7);
      artifactsBefore = new Map(runs.map((r) => [r.runId, ledger.artifacts(r.runId)]));
    } finally {
      ledger.close();
    }
    for (const run of runs) {
      const kinds = new Set(artifactsBefore.get(run.runId)!.map((a) => a.kind));
      for (const kind of ['upload_file', 'key_map', 'result']) assert.ok(kinds.has(kind), `${run.runId} has ${kind}`);
      assert.ok(existsSync(join(run.runDir, 'run.log')));
    }
  });

  it('deletes nothing while the runs are younger than retention.run_artifacts_days', () => {
    const summary = purgeExpired(env.config);
    assert.equal(summary.days, 30);
    assert.equal(summary.files, 0);
    for (const run of runs) assert.ok(existsSync(join(run.runDir, 'result.json')));
  });

  it('lists what it would delete on --dry-run, per run with bytes, and deletes nothing', async () => {
    const before = new Map(runs.map((r) => [r.runId, filesUnder(r.runDir)]));
    const result = await pmhBot(['purge', '-c', env.configPath, '--dry-run', '--older-than', '0']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /確認のみ/);
    for (const run of runs) {
      const files = before.get(run.runId)!;
      const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
      assert.match(result.stdout, new RegExp(`${run.runId}\\s.*成功\\s+${files.length}\\s+${bytes}`), `row of ${run.runId}`);
      assert.deepEqual(filesUnder(run.runDir), files, 'nothing deleted');
    }
    assert.doesNotMatch(result.stdout, /R-STILL-RUNNING/);
    const ledger = new Ledger(ledgerPath(env.config));
    try {
      for (const run of runs) assert.ok(ledger.artifacts(run.runId).every((a) => a.purged_at === null));
    } finally {
      ledger.close();
    }
  });

  it('deletes every file of the expired runs, keeps every ledger row with purged_at set, and spares running runs and the snapshot', () => {
    const now = new Date(Date.now() + 40 * DAY_MS);
    const summary = purgeExpired(env.config, { now });
    assert.equal(summary.error, null);
    assert.deepEqual(summary.runs.map((r) => r.runId).sort(), runs.map((r) => r.runId).sort());
    assert.ok(summary.files >= 8, `files deleted: ${summary.files}`);
    assert.ok(summary.bytes > 0);
    for (const run of runs) {
      for (const artifact of artifactsBefore.get(run.runId)!) assert.ok(!existsSync(artifact.path), `${artifact.path} still there`);
      assert.ok(!existsSync(run.runDir), `${run.runDir} left behind`);
    }
    assert.ok(existsSync(runningFile), 'a running run is never touched');
    assert.ok(existsSync(snapshotPath(env.config)), 'the snapshot stays');
    assert.ok(existsSync(ledgerPath(env.config)), 'the ledger stays');
    const ledger = new Ledger(ledgerPath(env.config));
    try {
      for (const run of runs) {
        assert.equal(ledger.run(run.runId)?.status, 'succeeded', 'the run row is intact');
        const rows = ledger.artifacts(run.runId);
        assert.equal(rows.length, artifactsBefore.get(run.runId)!.length, 'no artifact row removed');
        for (const row of rows) assert.ok(row.purged_at, `${row.path} has purged_at`);
        assert.equal(ledger.uploads(run.runId).length, runs[0]!.files.length, 'upload rows intact');
      }
      assert.deepEqual(ledger.artifacts('R-STILL-RUNNING').map((a) => a.purged_at), [null]);
    } finally {
      ledger.close();
    }
  });

  it('deletes nothing the second time', async () => {
    const summary = purgeExpired(env.config, { now: new Date(Date.now() + 40 * DAY_MS) });
    assert.equal(summary.files, 0);
    assert.deepEqual(summary.runs, []);
    const result = await pmhBot(['purge', '-c', env.configPath, '--older-than', '0']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /削除するファイルはありません/);
    assert.ok(existsSync(runningFile));
  });
});

describe('owner-only permissions for personal data at rest', { skip: !POSIX && 'POSIX modes; Windows relies on the installer’s ACLs' }, () => {
  it('makes folders 0700 and files 0600, including a SQLite database’s companions, and reports what is open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmh-perm-'));
    chmodSync(dir, 0o755);
    assert.equal(checkPrivate(dir).private, false);
    assert.throws(() => requirePrivate(dir), (error: unknown) => error instanceof PmhBotError && error.code === 'PathNotPrivate' && error.message.includes(dir));
    restrictDir(dir);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(checkPrivate(dir).mode, '0700 (rwx------)');
    requirePrivate(dir);

    const db = join(dir, 'ledger.sqlite');
    for (const suffix of ['', '-wal', '-shm']) writeFileSync(db + suffix, 'x', { mode: 0o644 });
    restrictSqlite(db);
    for (const suffix of ['', '-wal', '-shm']) assert.equal(statSync(db + suffix).mode & 0o777, 0o600, suffix);
    assert.equal(restrictFile(join(dir, 'missing')), false);
    const nested = join(dir, 'runs', 'r1');
    restrictDir(nested);
    assert.equal(statSync(nested).mode & 0o777, 0o700);
    assert.equal(checkPrivate(join(dir, 'nope')).exists, false);
    rmSync(dir, { recursive: true, force: true });
  });
});
