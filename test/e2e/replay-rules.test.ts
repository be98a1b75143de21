/**
 * The rules of `pmh-bot replay` that keep PMH from receiving anything twice: what may be
 * replayed, what a dry run shows, that a replay's knowledge is shared with later replays,
 * and that stale files are never sent over newer state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BotConfig } from '../../config/schema.ts';
import { setLang } from '../../core/i18n.ts';
import { Ledger } from '../../bot/state/ledger.ts';
import { snapshotPath } from '../../bot/state/paths.ts';
import { Snapshot } from '../../bot/state/snapshot.ts';
import { planReplay, replayRun } from '../../bot/pipeline/replay.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { type RunSummary } from '../../bot/pipeline/context.ts';
import { formatReplayPlan, formatRun } from '../../bot/cli/show-run.ts';
import { simJson, startDemoEnv, type DemoEnv } from '../helpers/demo-env.ts';

interface SimStats {
  registrations: number;
  logins: number;
}

function withLedger<T>(summary: { ledgerPath: string }, read: (ledger: Ledger) => T): T {
  const ledger = new Ledger(summary.ledgerPath);
  try {
    return read(ledger);
  } finally {
    ledger.close();
  }
}

describe('replay rules', { timeout: 600_000 }, () => {
  let env: DemoEnv;
  let config: BotConfig;
  before(async () => {
    setLang('ja');
    env = await startDemoEnv({ recipients: 200, processingDelayMs: 50 });
    config = {
      ...env.config,
      pmh: { ...env.config.pmh, mode: 'diff', retry: { max_attempts: 1, initial_delay_seconds: 0, max_delay_seconds: 0, multiplier: 1 } },
    };
  });
  after(async () => env.close());

  let failed: RunSummary;

  it('a run that failed before anything reached PMH is planned as "upload every file"', async () => {
    process.env.PMH_BAD_PASSWORD = 'wrong-password';
    failed = await runCycle({ config: { ...config, pmh: { ...config.pmh, password_env: 'PMH_BAD_PASSWORD' } }, trigger: 'test' });
    assert.equal(failed.error?.code, 'LoginFailed');
    const plan = withLedger(failed, (ledger) => planReplay(ledger, new Snapshot(snapshotPath(config)), { runId: failed.runId }));
    assert.equal(plan.kind, 'deliver');
    assert.equal(plan.files.length, failed.files.length);
    assert.ok(plan.files.every((f) => f.action === 'upload'));
    const text = formatReplayPlan(plan).join('\n');
    assert.match(text, /--dry-run/);
    assert.match(text, /未送信: アップロードします/);
  });

  it('the replay delivers the stored files without extracting, and the lineage is recorded', async () => {
    const statsBefore = await simJson<SimStats>(env.simulator, '/__sim/stats');
    const replay = await replayRun({ config, runId: failed.runId });
    assert.equal(replay.status, 'succeeded', replay.error?.message);
    const statsAfter = await simJson<SimStats>(env.simulator, '/__sim/stats');
    assert.equal(statsAfter.registrations - statsBefore.registrations, failed.files.length);
    withLedger(replay, (ledger) => {
      const run = ledger.run(replay.runId)!;
      assert.equal(run.parent_run_id, failed.runId);
      assert.equal(run.trigger, 'replay');
      assert.ok(!ledger.steps(replay.runId).some((s) => s.name === 'extract'));
      assert.deepEqual(ledger.replaysOf(failed.runId).map((r) => r.id), [replay.runId]);
      const shown = formatRun(ledger, ledger.run(failed.runId)!).join('\n');
      assert.match(shown, new RegExp(`この実行の再実行: ${replay.runId}`));
      assert.match(shown, /LoginFailed/);
    });
  });

  it('replaying the same failed run again sends nothing: the earlier replay\'s answers count', async () => {
    const statsBefore = await simJson<SimStats>(env.simulator, '/__sim/stats');
    const plan = withLedger(failed, (ledger) => planReplay(ledger, new Snapshot(snapshotPath(config)), { runId: failed.runId }));
    assert.ok(plan.files.every((f) => f.action === 'answered'), JSON.stringify(plan.files));
    const again = await replayRun({ config, runId: failed.runId });
    assert.equal(again.status, 'succeeded');
    assert.deepEqual(await simJson<SimStats>(env.simulator, '/__sim/stats'), statsBefore, 'PMH was not even visited');
  });

  it('a succeeded run is not replayed', async () => {
    const succeeded = withLedger(failed, (ledger) => ledger.recentRuns(10).find((r) => r.status === 'succeeded')!);
    await assert.rejects(replayRun({ config, runId: succeeded.id }), (e: unknown) => (e as { code: string }).code === 'RunNotReplayable');
    await assert.rejects(replayRun({ config, runId: 'no-such-run' }), (e: unknown) => (e as { code: string }).code === 'RunNotFound');
  });

  it('files computed before another run advanced PMH are never sent: the replay asks for --re-extract', async () => {
    process.env.PMH_BAD_PASSWORD = 'wrong-password';
    // Change the sources so that the differential is not empty.
    const stale = await runCycle({ config: { ...config, pmh: { ...config.pmh, mode: 'full', password_env: 'PMH_BAD_PASSWORD' } }, trigger: 'test' });
    assert.equal(stale.error?.code, 'LoginFailed');
    const advanced = await runCycle({ config: { ...config, pmh: { ...config.pmh, mode: 'full' } }, trigger: 'test' });
    assert.equal(advanced.status, 'succeeded');
    await assert.rejects(replayRun({ config, runId: stale.runId }), (e: unknown) => {
      const error = e as { code: string; describeIn(lang: 'ja'): { message: string } };
      return error.code === 'RunNotReplayable' && /--re-extract/.test(error.describeIn('ja').message);
    });
    const fresh = await replayRun({ config, runId: stale.runId, reExtract: true });
    assert.equal(fresh.status, 'succeeded', fresh.error?.message);
    withLedger(fresh, (ledger) => {
      assert.equal(ledger.run(fresh.runId)!.parent_run_id, stale.runId);
      assert.ok(ledger.steps(fresh.runId).some((s) => s.name === 'extract' && s.status === 'succeeded'));
    });
  });
});
