/**
 * One daily cycle: extract → shape and validate → compare with what PMH holds → write →
 * guard → deliver → advance the snapshot → record.
 * Every stage is a ledger step; whatever happens, the run ends with a status, the error
 * (with its Japanese hint) and the artifacts an operator needs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readSecret } from '../../config/secrets.ts';
import { tokyoDate } from '../../core/clock.ts';
import { asPmhBotError, type PmhBotError } from '../../core/errors.ts';
import { extractToStaging } from '../../extractors/extract.ts';
import { StagingStore } from '../../extractors/staging.ts';
import { checkBrowserConfig } from '../../flows/browser-check.ts';
import { Ledger } from '../state/ledger.ts';
import { ledgerPath, makeRunDir, newRunId, snapshotPath } from '../state/paths.ts';
import { restrictSqlite } from '../state/permissions.ts';
import { Snapshot } from '../state/snapshot.ts';
import { RunContext, type RunOptions, type RunSummary } from './context.ts';
import { deliverStep } from './deliver.ts';
import { finish } from './finish.ts';
import { extractionPlan, layoutOf, runLogger, screenProfileOf } from './settings.ts';
import { closeCrashedRuns, findUnsettled, settleEarlierRuns } from './settle.ts';
import { shapeAndWrite } from './write-records.ts';

/** Runs one full cycle and records it; never throws for a failure of the run itself. */
export async function runCycle(options: RunOptions): Promise<RunSummary> {
  const { config } = options;
  const layout = layoutOf(config);
  const profile = options.profile ?? screenProfileOf(config);
  checkBrowserConfig(config.browser);
  const runId = newRunId();
  const runDir = makeRunDir(config, runId);
  const baseDate = config.base_date ?? tokyoDate();
  const ledger = new Ledger(ledgerPath(config));
  restrictSqlite(ledgerPath(config));
  const snapshot = new Snapshot(snapshotPath(config));
  restrictSqlite(snapshotPath(config));
  const log = runLogger(config, runDir, { runId });
  const ctx = new RunContext(runId, runDir, baseDate, config, ledger, snapshot, log, layout, profile);
  ledger.startRun(runId, options.trigger, runDir, baseDate, { parentRunId: options.parentRunId ?? null, scheduledAt: options.scheduledAt ?? null });
  log.info({ trigger: options.trigger, mode: ctx.mode, baseDate, programs: config.programs.map((p) => p.code) }, 'run started');

  let error: PmhBotError | null = null;
  const stagingPath = join(runDir, 'staging.sqlite');
  try {
    // What earlier runs left at PMH is finished first: the differential is computed on top of
    // it. A full upload replaces what PMH holds of each type whatever came before, so only a
    // differential needs it (an earlier full run can still be finished with replay).
    const unsettled = ctx.mode === 'diff' ? findUnsettled(ledger, snapshot, runId) : [];
    if (unsettled.length > 0) {
      await ctx.step('settle', () => settleEarlierRuns(config, profile, runId, unsettled, log), (settled) => ({ runs: settled }));
    }
    const crashed = closeCrashedRuns(ledger, runId);
    if (crashed.length > 0) log.warn({ runs: crashed }, 'earlier runs that stopped without recording their end are recorded as crashed');
    const staging = new StagingStore(stagingPath);
    restrictSqlite(stagingPath);
    try {
      await ctx.step(
        'extract',
        () => extractToStaging(extractionPlan(config, baseDate), staging, readSecret),
        (counts) => ({ ...counts }),
      ).then((counts) => ctx.setCounts({ extracted: Object.values(counts.certificates).reduce((a, b) => a + b, 0) }));
      await ctx.step('shape', () => shapeAndWrite(ctx, staging), () => ({
        mode: ctx.mode,
        diff: ctx.diff,
        layout: { name: ctx.layout.name, version: ctx.layout.version, file: ctx.layout.file },
        files: ctx.files.map((f) => ({ program: f.programCode, file: f.fileName, rows: f.rows, bytes: f.bytes })),
        quarantined: ctx.counts.quarantined,
      }));
    } finally {
      // The staging store holds personal data: it never outlives the shaping step.
      staging.close();
      rmSync(stagingPath, { force: true });
    }
    await deliverStep(ctx);
  } catch (caught) {
    error = asPmhBotError(caught);
  }
  return await finish(ctx, error);
}
