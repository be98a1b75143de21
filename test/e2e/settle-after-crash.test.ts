/**
 * Exactly once across crashes: the terminal reboots (SIGKILL to the daemon's whole process
 * group) while an upload waits for PMH's answer, between two API requests, or between PMH's
 * answer and the snapshot; the daemon starts again and its schedule goes on (or an
 * operator types `pmh-bot run`). The next run must settle the killed one before it
 * extracts: PMH ends up with every record exactly once, the killed run ends finished, the
 * new run sends only its own changes (here: none), and no run is left stuck.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Ledger, type RunRow } from '../../bot/state/ledger.ts';
import { ledgerPath } from '../../bot/state/paths.ts';
import { assertApiDeliveredOnce, assertScreenDeliveredOnce, expectedTotal } from '../helpers/exactly-once.ts';
import { startTransportEnv, type TransportEnv } from '../helpers/transport-env.ts';
import { until } from '../helpers/until.ts';

const BIN = resolve(import.meta.dirname, '../../bin/pmh-bot.mjs');

interface Child {
  child: ChildProcess;
  exited: Promise<{ code: number | null; output: string }>;
}

/** The bot in its own process group, as a service manager starts it (so the kill takes its browser too). */
function bot(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, PMH_BOT_LANG: 'ja', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; output: string }>((done) => child.on('exit', (code) => done({ code, output })));
  return { child, exited };
}

/** A power cut: the whole process group at once, nothing can record its end. */
async function pullThePlug(running: Child): Promise<void> {
  process.kill(-running.child.pid!, 'SIGKILL');
  await running.exited;
}

function readLedger<T>(env: TransportEnv, read: (ledger: Ledger) => T): T {
  const ledger = new Ledger(ledgerPath(env.config));
  try {
    return read(ledger);
  } finally {
    ledger.close();
  }
}

interface Scenario {
  transport: 'screen' | 'api';
  /** How work goes on after the reboot. */
  restart: 'daemon' | 'run';
  /** Where the first daemon is killed: a step, a ledger state, or a pause point of the bot's own. */
  killAt: { step: 'extract' } | { upload: 'registered' } | { pause: 'answered-before-apply' | 'api-between-chunks' };
}

async function crashAndGoOn(scenario: Scenario): Promise<void> {
  const env = await startTransportEnv({
    transport: scenario.transport,
    mode: 'diff',
    // Enough recipients for the extraction to last while the test looks for it.
    recipients: 'step' in scenario.killAt ? 20_000 : 300,
    chunkSize: 40,
    // Slow enough on the screen for a kill while PMH is still processing.
    processingDelayMs: 'upload' in scenario.killAt ? 4000 : 300,
  });
  try {
    // Every 3 seconds: the schedule goes on right after the restart.
    env.rewrite((config) => ({ ...config, schedule: { ...config.schedule, cron: '*/3 * * * * *', missed_run_policy: 'run-once', missed_run_window_hours: 12 } }));
    const pauseFile = join(env.dir, 'paused-at');
    const pauseEnv: Record<string, string> = 'pause' in scenario.killAt ? { PMH_BOT_PAUSE_AT: scenario.killAt.pause, PMH_BOT_PAUSE_FILE: pauseFile } : {};
    const first = bot(['daemon', '-c', env.configPath], pauseEnv);
    const killed = await until('the first scheduled run', () => readLedger(env, (l) => l.recentRuns(1)[0]), 180_000);
    if ('step' in scenario.killAt) {
      const step = scenario.killAt.step;
      await until(`the ${step} step`, () => readLedger(env, (l) => l.steps(killed.id).some((s) => s.name === step && s.status === 'running')), 180_000);
    } else if ('upload' in scenario.killAt) {
      await until('an upload PMH acknowledged', () => readLedger(env, (l) => l.uploads(killed.id).some((u) => u.status === 'registered')), 180_000);
    } else {
      await until(`the pause point ${scenario.killAt.pause}`, () => existsSync(pauseFile), 180_000);
    }
    await pullThePlug(first);
    assert.equal(readLedger(env, (l) => l.run(killed.id)!.status), 'running', 'a killed run cannot record its end');
    const restartedAt = new Date().toISOString();

    let next: RunRow;
    if (scenario.restart === 'daemon') {
      const second = bot(['daemon', '-c', env.configPath]);
      try {
        next = await until('a run after the restart to finish', () =>
          readLedger(env, (l) => l.recentRuns(20).find((r) => r.started_at > restartedAt && r.id !== killed.id && r.status !== 'running')),
        180_000, 25);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } else {
      const manual = await bot(['run', '-c', env.configPath]).exited;
      assert.equal(manual.code, 0, manual.output);
      next = readLedger(env, (l) => l.recentRuns(20).find((r) => r.trigger === 'manual')!);
    }

    if (scenario.transport === 'screen') await assertScreenDeliveredOnce(env);
    else await assertApiDeliveredOnce(env);
    readLedger(env, (l) => {
      const after = l.run(next.id)!;
      assert.equal(after.status, 'succeeded', after.error_message ?? '');
      assert.deepEqual(l.recentRuns(50).filter((r) => r.status === 'running').map((r) => r.id), [], 'no run is left stuck');
      const killedRun = l.run(killed.id)!;
      if ('step' in scenario.killAt) {
        // Nothing of it reached PMH: recorded as crashed, and the new run sends everything.
        assert.equal(killedRun.status, 'failed');
        assert.equal(killedRun.error_code, 'RunCrashed');
        assert.equal(after.accepted, expectedTotal(env));
        return;
      }
      assert.equal(killedRun.status, 'succeeded', `the killed run ends finished: ${killedRun.error_code} ${killedRun.error_message}`);
      assert.equal(killedRun.accepted, expectedTotal(env));
      const settle = l.steps(next.id).find((s) => s.name === 'settle');
      assert.ok(settle && settle.status === 'succeeded', 'the new run settled the killed one first');
      assert.match(settle.detail ?? '', new RegExp(killed.id));
      assert.equal(after.uploaded, 0, 'nothing changed in the sources: the new run sends nothing');
    });
  } finally {
    await env.close();
  }
}

describe('a reboot mid-run, then the schedule goes on', { timeout: 900_000 }, () => {
  it('screen: killed while PMH processes the upload; the restarted daemon\'s next run settles it and sends nothing twice', async () => {
    await crashAndGoOn({ transport: 'screen', restart: 'daemon', killAt: { upload: 'registered' } });
  });

  it('screen: killed while extracting; the next run records it as crashed and sends everything once', async () => {
    await crashAndGoOn({ transport: 'screen', restart: 'daemon', killAt: { step: 'extract' } });
  });

  it('screen: the same, with an operator\'s manual pmh-bot run after the reboot', async () => {
    await crashAndGoOn({ transport: 'screen', restart: 'run', killAt: { upload: 'registered' } });
  });

  it('screen: killed between PMH\'s answer and the snapshot; the next run applies the answer instead of resending', async () => {
    await crashAndGoOn({ transport: 'screen', restart: 'daemon', killAt: { pause: 'answered-before-apply' } });
  });

  it('api: killed between two requests of a file; the next run sends the rest once and nothing again', async () => {
    await crashAndGoOn({ transport: 'api', restart: 'daemon', killAt: { pause: 'api-between-chunks' } });
  });

  it('api: killed between PMH\'s last answer and the snapshot; the next run applies it', async () => {
    await crashAndGoOn({ transport: 'api', restart: 'run', killAt: { pause: 'answered-before-apply' } });
  });
});
