/** The end of every run, whatever happened: its status, result.json, the lists, the report, the notice. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PmhBotError } from '../../core/errors.ts';
import { closeLogger } from '../../core/log.ts';
import { notifyRun } from '../notify/notify.ts';
import { writeRecordLists } from '../report/record-lists.ts';
import { writeRunReport } from '../report/run-report.ts';
import { buildRunNotice, type RunNotice } from '../report/run-notice.ts';
import type { FileStanding } from '../report/file-standing.ts';
import type { RunStatus } from '../state/ledger.ts';
import type { RunContext, RunSummary } from './context.ts';
import { fileStandings } from './standings.ts';

function statusFor(error: PmhBotError | null): Exclude<RunStatus, 'running'> {
  if (!error) return 'succeeded';
  return error.code === 'MassChangeGuard' ? 'held' : 'failed';
}

/**
 * Ends a run: records its status, writes result.json and the HTML report, closes the
 * ledger, then notifies. Nothing here changes the run's outcome: a report or a
 * notification that fails is logged, never thrown.
 */
export async function finish(ctx: RunContext, error: PmhBotError | null): Promise<RunSummary> {
  const status = statusFor(error);
  const described = error?.describeIn('ja');
  ctx.ledger.finishRun(
    ctx.id,
    status,
    error && described ? { code: error.code, kind: error.kind, message: described.message, hint: described.hint } : undefined,
  );
  let standings: FileStanding[] = [];
  try {
    standings = fileStandings(ctx.ledger, ctx.snapshot, ctx.ledger.run(ctx.id)!);
  } catch (caught) {
    ctx.log.error({ err: caught }, 'where the files stand at PMH could not be read');
  }
  const summary: RunSummary = {
    runId: ctx.id, status, mode: ctx.mode, runDir: ctx.dir, ledgerPath: ctx.ledger.path, baseDate: ctx.baseDate,
    counts: { ...ctx.counts }, diff: { ...ctx.diff }, files: ctx.files, outcomes: ctx.outcomes, screenshots: ctx.screenshots, error,
    standings, reportPath: null,
  };
  writeFileSync(
    join(ctx.dir, 'result.json'),
    `${JSON.stringify({ ...summary, error: error ? { code: error.code, kind: error.kind, ...described } : null }, null, 2)}\n`,
  );
  ctx.ledger.addArtifact(ctx.id, 'finish', 'result', join(ctx.dir, 'result.json'));
  try {
    const lists = writeRecordLists(ctx.ledger, ctx.id, ctx.dir);
    // Both are purged with the run folder: they name residents and certificates.
    if (lists.heldBack) ctx.ledger.addArtifact(ctx.id, 'finish', 'held_back_list', lists.heldBack);
    if (lists.rejected) ctx.ledger.addArtifact(ctx.id, 'finish', 'rejected_list', lists.rejected);
  } catch (caught) {
    ctx.log.error({ err: caught }, 'held-back and rejected lists not written');
  }
  try {
    summary.reportPath = await writeRunReport(ctx.ledger, ctx.id, { standings });
    ctx.ledger.addArtifact(ctx.id, 'finish', 'report', summary.reportPath);
  } catch (caught) {
    ctx.log.error({ err: caught }, 'run report not written');
  }
  let notice: RunNotice | null = null;
  try {
    notice = buildRunNotice(ctx.ledger, ctx.id, ctx.config);
  } catch (caught) {
    ctx.log.error({ err: caught }, 'run notice not built: no notification');
  }
  ctx.log.info({ status, counts: ctx.counts, diff: ctx.diff, code: error?.code }, 'run finished');
  ctx.snapshot.close();
  ctx.ledger.close();
  if (notice) await notifyRun(notice, ctx.config.notify, ctx.log);
  ctx.log.flush();
  closeLogger(ctx.log);
  return summary;
}
