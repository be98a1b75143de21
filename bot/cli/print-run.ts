/** Printing a run's outcome for the operator at the terminal. */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ConfigError } from '../../config/load.ts';
import type { PmhBotError } from '../../core/errors.ts';
import { lang, t } from '../../core/i18n.ts';
import { cliText } from './cli-text.ts';
import { Ledger } from '../state/ledger.ts';
import { HELD_BACK_FILE } from '../report/record-lists.ts';
import { dryRunText, standingText } from '../report/file-standing.ts';
import type { RunSummary } from '../pipeline/context.ts';

/** Held-back records printed at the terminal; the rest are in the list file. */
const SHOWN_HELD = 10;

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

export function printError(error: PmhBotError, out: (line: string) => void = console.error): void {
  const { title, message, hint } = error.describe();
  out(t(cliText.errorTitle, { code: error.code, title }));
  out(t(cliText.errorMessage, { message }));
  if (error instanceof ConfigError) {
    for (const problem of error.problems.slice(1)) {
      const path = problem.line ? `${problem.path}（${problem.line} 行目）` : problem.path;
      out(t(cliText.configProblem, { path, detail: problem.ja }));
    }
  }
  out(t(cliText.errorHint, { hint }));
}

export function printRunSummary(summary: RunSummary, out: (line: string) => void = console.log): void {
  out(t(cliText.runId, { id: summary.runId }));
  out(t(summary.status === 'succeeded' ? cliText.succeeded : summary.status === 'held' ? cliText.held : cliText.failed));
  const c = summary.counts;
  if (summary.mode === 'diff') out(t(cliText.diffCounts, { ...summary.diff }));
  if (summary.status === 'succeeded' && summary.files.length === 0) out(t(cliText.nothingChanged));
  out(t(cliText.counts, {
    extracted: c.extracted, quarantined: c.quarantined, uploaded: c.uploaded,
    accepted: c.accepted ?? '-', rejected: c.rejected ?? '-',
  }));
  if (summary.status === 'failed') {
    // Not "uploaded or not": what PMH holds of each file decides what a replay does, and an
    // operator who read "not uploaded" for a file PMH holds would upload it again by hand.
    if (summary.standings.length) {
      out(t(cliText.standingFiles));
      for (const s of summary.standings) {
        out(t(cliText.standingFile, { path: shown(s.path ?? s.fileName), rows: s.rows, standing: standingText(s, lang()) }));
      }
      out(`  ${dryRunText(summary.runId, lang())}`);
    }
  } else if (summary.files.length) {
    out(t(cliText.uploadedFiles));
    for (const file of summary.files) {
      // One outcome answers every part of a type sent together.
      const outcome = summary.outcomes.find((o) => o.fileNames.includes(file.fileName));
      out(outcome
        ? t(cliText.uploadedFile, { path: shown(file.path), rows: file.rows, uploadId: outcome.uploadId, status: outcome.status })
        : t(cliText.writtenFile, { path: shown(file.path), rows: file.rows }));
    }
  }
  const firstShot = summary.screenshots[0];
  if (firstShot) out(t(cliText.screenshots, { dir: shown(dirname(firstShot)) }));
  out(t(cliText.resultFile, { path: shown(`${summary.runDir}/result.json`) }));
  if (summary.reportPath) out(t(cliText.reportFile, { path: shown(summary.reportPath) }));
  out(t(cliText.runLog, { path: shown(`${summary.runDir}/run.log`) }));
  out(t(cliText.ledger, { path: shown(summary.ledgerPath) }));
  if (c.quarantined > 0) {
    const ledger = new Ledger(summary.ledgerPath);
    try {
      const entries = ledger.quarantine(summary.runId, SHOWN_HELD);
      out(t(cliText.quarantined, { count: c.quarantined }));
      for (const entry of entries) {
        out(t(cliText.quarantineLine, {
          residentNo: entry.residentNo, certificateId: entry.certificateId, program: entry.programCode,
          reason: t({ ja: entry.reasonJa, en: entry.reasonEn }),
        }));
      }
      const all = ledger.quarantineCount(summary.runId);
      const list = join(summary.runDir, HELD_BACK_FILE);
      if (all > entries.length) out(t(cliText.quarantineMore, { count: all - entries.length }));
      if (existsSync(list)) out(t(cliText.wholeList, { path: shown(list) }));
    } finally {
      ledger.close();
    }
  }
  if (summary.error) printError(summary.error, out);
}
