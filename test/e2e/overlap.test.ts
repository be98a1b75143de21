/**
 * Two runs never overlap: a second `pmh-bot run` while one is in progress is refused with
 * the RunLocked exit code, a scheduled trigger is skipped and recorded, and a lock left by a
 * killed process is taken over by the next run.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { BotConfig } from '../../config/schema.ts';
import { startDaemon } from '../../bot/ops/daemon.ts';
import { EXIT } from '../../core/exit-codes.ts';
import { Ledger, type RunRow, type TriggerRow } from '../../bot/state/ledger.ts';
import { ledgerPath } from '../../bot/state/paths.ts';
import { lockFile } from '../../bot/state/run-lock.ts';
import { startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';

const BIN = resolve(import.meta.dirname, '../../bin/pmh-bot.mjs');
const RUN_LOCK_URL = pathToFileURL(resolve(import.meta.dirname, '../../bot/state/run-lock.ts')).href;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function pmhBot(args: string[]): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PMH_BOT_LANG: 'ja' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Finished>((resolveDone, fail) => {
    child.on('error', fail);
    child.on('close', (code) => resolveDone({ code, stdout, stderr }));
  });
  return { child, done };
}

/** A plain node process that takes the run lock and holds it until killed or its stdin closes. */
async function lockHolder(dataDir: string): Promise<ChildProcessWithoutNullStreams> {
  const script = `
    import { createInterface } from 'node:readline';
    import { acquireRunLock, RunLock } from ${JSON.stringify(RUN_LOCK_URL)};
    const lock = acquireRunLock(${JSON.stringify(dataDir)}, { command: 'test holder' });
    console.log(lock instanceof RunLock ? 'locked' : 'refused');
    for await (const _ of createInterface({ input: process.stdin })) { /* hold */ }
    if (lock instanceof RunLock) lock.release();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  assert.equal(first.value, 'locked', stderr);
  return child;
}

function ended(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

function readLedger(config: BotConfig): { runs: RunRow[]; triggers: TriggerRow[] } {
  if (!existsSync(ledgerPath(config))) return { runs: [], triggers: [] };
  const ledger = new Ledger(ledgerPath(config));
  try {
    return { runs: ledger.recentRuns(100), triggers: ledger.triggers(100) };
  } finally {
    ledger.close();
  }
}

describe('overlapping runs', () => {
  let env: DemoEnv;

  before(async () => {
    // Each upload takes PMH 6 seconds: a run lasts long enough for a second one to meet it.
    env = await startDemoEnv({ recipients: 120, processingDelayMs: 6000 });
  });

  after(async () => {
    await env?.close();
  });

  it('refuses a second pmh-bot run while one is in progress: one run in the ledger, exit code 4 naming the holder', async () => {
    const lock = lockFile(env.config.data_dir);
    const first = pmhBot(['run', '-c', env.configPath]);
    await waitFor('the first run to take the lock', () => existsSync(lock) || first.child.exitCode !== null);
    const second = await pmhBot(['run', '-c', env.configPath]).done;
    assert.equal(first.child.exitCode, null, 'the first run was still in progress when the second one gave up');
    assert.equal(second.code, EXIT.critical, second.stdout + second.stderr);
    assert.match(second.stderr, /エラー \[RunLocked\] 別の実行が動いています/);
    assert.match(second.stderr, new RegExp(`pmh-bot run（プロセス ${first.child.pid}、端末 ${hostname()}、\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} 開始）`));
    assert.match(second.stderr, /対処: 前の処理が終わるのを待って/);

    const result = await first.done;
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const { runs } = readLedger(env.config);
    assert.equal(runs.length, 1, 'only the first run was recorded');
    assert.equal(runs[0]!.status, 'succeeded');
    assert.equal(runs[0]!.pid, first.child.pid);
    assert.equal(existsSync(lock), false, 'the first run gave the lock back');
  });

  it('skips a scheduled trigger while a lock is held and records why', async () => {
    const config: BotConfig = {
      ...env.config,
      data_dir: join(env.dir, 'daemon-overlap'),
      schedule: { ...env.config.schedule, cron: '*/2 * * * * *', missed_run_policy: 'run-once' },
    };
    const holder = await lockHolder(config.data_dir);
    const lines: string[] = [];
    const daemon = startDaemon(config, { out: (line) => lines.push(line) });
    try {
      await daemon.ready;
      await waitFor('a skipped trigger', () => readLedger(config).triggers.some((t) => t.outcome === 'skipped'));
    } finally {
      await daemon.stop();
      holder.stdin.end();
      await ended(holder);
    }
    const { runs, triggers } = readLedger(config);
    assert.equal(runs.length, 0, 'nothing ran beside the holder');
    assert.ok(triggers.length >= 1);
    for (const trigger of triggers) {
      assert.equal(trigger.outcome, 'skipped');
      assert.match(trigger.reason ?? '', new RegExp(`^locked by pid ${holder.pid} on host ${hostname()} since \\d{4}-\\d{2}-\\d{2}T.* \\(test holder\\)$`));
      assert.equal(trigger.run_id, null);
    }
    assert.ok(lines.some((line) => line.includes(`実行を見送りました。別の処理（プロセス ${holder.pid}`)), lines.join('\n'));
  });

  it('takes over the lock of a killed process at the next run, and says so', async () => {
    const holder = await lockHolder(env.config.data_dir);
    holder.kill('SIGKILL');
    await ended(holder);
    assert.equal(existsSync(lockFile(env.config.data_dir)), true, 'the killed holder left its lock');
    const before = readLedger(env.config).runs.length;

    const result = await pmhBot(['run', '-c', env.configPath]).done;
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`前の処理（test holder、プロセス ${holder.pid}、端末 ${hostname()}、.* 開始）が残したロックを引き継ぎました（そのプロセスは終了しています）`));
    assert.equal(readLedger(env.config).runs.length, before + 1);
    assert.equal(existsSync(lockFile(env.config.data_dir)), false);
  });
});
