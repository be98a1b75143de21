/**
 * One measured run of the bot's pipeline (extract, join, shape, validate, diff, write), in
 * its own process: a whole runCycle whose delivery only drops the files into a local
 * folder (transport: folder, not waiting), so the bot's own code decides everything up to
 * the written files. The pipeline's time is the ledger's 'extract' + 'shape' steps.
 * Input: { configFile } (a BotConfig as JSON). Prints the report as its last line.
 */
import { readFileSync } from 'node:fs';
import type { BotConfig } from '../../config/schema.ts';
import { Ledger } from '../../bot/state/ledger.ts';
import { runCycle } from '../../bot/pipeline/run.ts';
import { ledgerPath } from '../../bot/state/paths.ts';
import { report } from './child.ts';

export interface PipelineReport {
  runId: string;
  status: string;
  errorCode: string | null;
  /** Seconds of the ledger steps: extract (sources → staging), shape (join → shape → validate → diff → write). */
  steps: Record<string, number>;
  files: { type: string; path: string; rows: number; bytes: number }[];
  extracted: number;
  quarantined: number;
  uploaded: number;
  diff: { added: number; changed: number; unchanged: number; gone: number };
}

const { configFile } = JSON.parse(process.argv[2] ?? '{}') as { configFile: string };
const config = JSON.parse(readFileSync(configFile, 'utf8')) as BotConfig;
const summary = await runCycle({ config, trigger: 'test' });
const ledger = new Ledger(ledgerPath(config));
const steps: Record<string, number> = {};
for (const step of ledger.steps(summary.runId)) {
  if (step.ended_at) steps[step.name] = (Date.parse(step.ended_at) - Date.parse(step.started_at)) / 1000;
}
ledger.close();
const result: PipelineReport = {
  runId: summary.runId,
  status: summary.status,
  errorCode: summary.error?.code ?? null,
  steps,
  files: summary.files.map((f) => ({ type: f.certificateTypeId, path: f.path, rows: f.rows, bytes: f.bytes })),
  extracted: summary.counts.extracted,
  quarantined: summary.counts.quarantined,
  uploaded: summary.counts.uploaded,
  diff: { added: summary.diff.added, changed: summary.diff.changed, unchanged: summary.diff.unchanged, gone: summary.diff.gone },
};
report(result);
