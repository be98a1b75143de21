/**
 * Crash safety: the bot is killed with SIGKILL at the worst moments — during extraction,
 * while writing the files, right after the final upload click, while waiting for PMH's
 * result — and then replayed. Whatever the moment, PMH must end up having received every
 * file exactly once, and the ledger must tell the whole story (the crashed run, the
 * replay linked to it, what the replay found at PMH).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { Ledger, type RunRow } from '../../bot/state/ledger.ts';
import type { BotConfig } from '../../config/schema.ts';
import { startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';
import { assertScreenDeliveredOnce } from '../helpers/exactly-once.ts';
import { until } from '../helpers/until.ts';

const BIN = resolve(import.meta.dirname, '../../bin/pmh-bot.mjs');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bot(args: string[]): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PMH_BOT_LANG: 'ja' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<Exit>((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
  return { child, exited };
}

function readLedger<T>(env: DemoEnv, read: (ledger: Ledger) => T): T {
  const ledger = new Ledger(join(env.config.data_dir, 'ledger.sqlite'));
  try {
    return read(ledger);
  } finally {
    ledger.close();
  }
}

function writeConfig(env: DemoEnv): string {
  const config: BotConfig = {
    ...env.config,
    pmh: { ...env.config.pmh, retry: { max_attempts: 2, initial_delay_seconds: 0.2, max_delay_seconds: 1, multiplier: 2 } },
  };
  const path = join(env.dir, 'crash.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

/** Every file the bot wrote reached PMH exactly once, and PMH accepted every record. */
async function assertDeliveredExactlyOnce(env: DemoEnv, replay: RunRow): Promise<void> {
  await assertScreenDeliveredOnce(env);
  const sent = readLedger(env, (ledger) => ledger.uploads(replay.id));
  assert.ok(sent.every((u) => u.status === 'done'), JSON.stringify(sent));
}

async function crashThenReplay(
  env: DemoEnv,
  killWhen: (ledger: Ledger, runId: string) => boolean,
): Promise<{ parent: RunRow; replay: RunRow; replayOutput: string; show: string }> {
  const configPath = writeConfig(env);
  const run = bot(['run', '-c', configPath]);
  const runId = await until('the run to start', () => readLedger(env, (l) => l.recentRuns(1)[0]?.id));
  await until('the kill point', () => readLedger(env, (l) => killWhen(l, runId)));
  run.child.kill('SIGKILL');
  const killed = await run.exited;
  assert.equal(killed.code, null, 'killed by the signal, not finished');
  assert.equal(readLedger(env, (l) => l.run(runId)!.status), 'running', 'a killed run cannot record its end');

  let replayed = await bot(['replay', runId, '-c', configPath]).exited;
  let output = replayed.stdout + replayed.stderr;
  if (/ResubmitNeedsConfirmation/.test(output)) {
    // The kill came between the click and PMH: the replay could not tell, and asked.
    assert.equal(replayed.code, 2, output);
    assert.match(output, /--confirm-resubmit/);
    const failedReplay = readLedger(env, (l) => l.replaysOf(runId)[0]!);
    replayed = await bot(['replay', failedReplay.id, '-c', configPath, '--confirm-resubmit']).exited;
    output = replayed.stdout + replayed.stderr;
  }
  assert.equal(replayed.code, 0, output);
  const parent = readLedger(env, (l) => l.run(runId)!);
  const replay = readLedger(env, (l) => {
    const all = l.recentRuns(10).filter((r) => r.trigger === 'replay' && r.status === 'succeeded');
    return all[0]!;
  });
  const show = await bot(['show', parent.id, '-c', configPath]).exited;
  return { parent, replay, replayOutput: output, show: show.stdout };
}

function stepRunning(name: string | RegExp) {
  return (ledger: Ledger, runId: string): boolean =>
    ledger.steps(runId).some((s) => s.status === 'running' && (typeof name === 'string' ? s.name === name : name.test(s.name)));
}

describe('SIGKILL at the worst moments, then replay', { timeout: 900_000 }, () => {
  it('during extraction: the replay starts again from extraction and delivers everything once', async () => {
    const env = await startDemoEnv({ recipients: 20_000, processingDelayMs: 50 });
    try {
      const { parent, replay, show } = await crashThenReplay(env, stepRunning('extract'));
      assert.equal(parent.status, 'failed');
      assert.equal(parent.error_code, 'RunCrashed');
      assert.equal(replay.parent_run_id, parent.id);
      assert.ok(readLedger(env, (l) => l.steps(replay.id).some((s) => s.name === 'extract' && s.status === 'succeeded')));
      await assertDeliveredExactlyOnce(env, replay);
      assert.match(show, new RegExp(replay.id));
      assert.match(show, /RunCrashed/);
    } finally {
      await env.close();
    }
  });

  it('while writing the files: the half-written files are never sent; the replay re-extracts', async () => {
    const env = await startDemoEnv({ recipients: 20_000, processingDelayMs: 50 });
    try {
      const { parent, replay } = await crashThenReplay(env, stepRunning('shape'));
      assert.equal(parent.error_code, 'RunCrashed');
      assert.ok(readLedger(env, (l) => l.steps(replay.id).some((s) => s.name === 'shape' && s.status === 'succeeded')));
      await assertDeliveredExactlyOnce(env, replay);
    } finally {
      await env.close();
    }
  });

  it('right after the final upload click: PMH\'s history decides, nothing is sent twice', async () => {
    const env = await startDemoEnv({ recipients: 400, processingDelayMs: 3000 });
    try {
      const { parent, replay } = await crashThenReplay(env, (ledger, runId) =>
        ledger.uploads(runId).some((u) => u.status === 'submitting' || u.status === 'registered'),
      );
      assert.equal(parent.error_code, 'RunCrashed');
      // No extraction: the stored files were delivered.
      assert.ok(!readLedger(env, (l) => l.steps(replay.id).some((s) => s.name === 'extract')));
      await assertDeliveredExactlyOnce(env, replay);
    } finally {
      await env.close();
    }
  });

  it('while waiting for the result: the replay only waits for the acknowledged upload', async () => {
    const env = await startDemoEnv({ recipients: 400, processingDelayMs: 3000 });
    try {
      const { parent, replay, replayOutput } = await crashThenReplay(env, stepRunning(/^screen:result:/));
      const acknowledged = readLedger(env, (l) => l.uploads(parent.id).filter((u) => u.status === 'registered' || u.status === 'done'));
      assert.ok(acknowledged.length >= 1);
      const detail = readLedger(env, (l) => l.steps(replay.id).find((s) => s.name === 'replay')!.detail!);
      assert.match(detail, /await-result|answered/);
      await assertDeliveredExactlyOnce(env, replay);
      assert.doesNotMatch(replayOutput, /ResubmitNeedsConfirmation/);
    } finally {
      await env.close();
    }
  });
});
