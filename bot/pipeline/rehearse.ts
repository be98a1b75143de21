/**
 * `pmh-bot profile check`: the screen rehearsal with a real file. The first program's
 * records are extracted and written as a full upload file in a throwaway data folder (a dry
 * run: the real ledger and snapshot are not touched), the screen is walked up to the final
 * submit with that file (flows/screen/rehearse.ts), and the throwaway folder, which holds
 * personal data, is deleted whatever happens. The screenshots stay in
 * <data_dir>/rehearsals/<time>/ for the vendor to read.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BotConfig } from '../../config/schema.ts';
import { readSecret } from '../../config/secrets.ts';
import { tokyoDate } from '../../core/clock.ts';
import { pmhError } from '../../core/errors.ts';
import { extractToStaging } from '../../extractors/extract.ts';
import { StagingStore } from '../../extractors/staging.ts';
import { rehearseScreen, type RehearsalResult } from '../../flows/screen/rehearse.ts';
import { Ledger } from '../state/ledger.ts';
import { ledgerPath, makeRunDir, newRunId, snapshotPath } from '../state/paths.ts';
import { Snapshot } from '../state/snapshot.ts';
import { RunContext } from './context.ts';
import { extractionPlan, layoutOf, runLogger, screenProfileOf } from './settings.ts';
import { shapeAndWrite } from './write-records.ts';

export interface ProfileCheck extends RehearsalResult {
  profileFile: string;
  certificateTypeId: string;
  rows: number;
}

export async function checkScreenProfile(config: BotConfig): Promise<ProfileCheck> {
  const { pmh } = config;
  if (pmh.transport !== 'screen') {
    throw pmhError('ConfigInvalid', {
      file: 'pmh-bot.yaml',
      path: 'pmh.transport',
      detail: `画面プロファイルの確認は transport: screen のときだけ使えます（今は ${pmh.transport}）/ the rehearsal needs transport: screen (it is ${pmh.transport})`,
    });
  }
  const profile = screenProfileOf(config);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const dir = join(config.data_dir, 'rehearsals', stamp);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const log = runLogger(config, dir, { rehearsal: stamp });
  const program = config.programs[0]!;
  const dryDir = join(dir, 'dry-run');
  try {
    const files = await dryRunFiles({ ...config, data_dir: dryDir, programs: [program], pmh: { ...pmh, mode: 'full' } }, log, profile);
    const parts = profile.upload.multiple_files ? files : files.slice(0, 1);
    if (parts.length === 0) throw pmhError('NoRecordsToRehearse', { program: program.code });
    log.info({ type: program.certificate_type_id, parts: parts.length }, 'rehearsing the screen with a file from a dry run');
    const result = await rehearseScreen({
      pmh,
      browser: config.browser,
      profile,
      batch: { certificateTypeId: program.certificate_type_id, mode: 'full', paths: parts.map((f) => f.path) },
      evidenceDir: join(dir, 'evidence'),
      log,
    });
    return { ...result, profileFile: profile.file, certificateTypeId: program.certificate_type_id, rows: parts.reduce((n, f) => n + f.rows, 0) };
  } finally {
    // The dry run's files and stores hold personal data: they never outlive the rehearsal.
    rmSync(dryDir, { recursive: true, force: true });
  }
}

/** Extracts and writes the upload files of a full run in `config.data_dir`, recording nothing anywhere else. */
async function dryRunFiles(config: BotConfig, log: ReturnType<typeof runLogger>, profile: ReturnType<typeof screenProfileOf>) {
  mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
  const ledger = new Ledger(ledgerPath(config));
  const snapshot = new Snapshot(snapshotPath(config));
  const runId = newRunId();
  const runDir = makeRunDir(config, runId);
  const baseDate = config.base_date ?? tokyoDate();
  const staging = new StagingStore(join(runDir, 'staging.sqlite'));
  try {
    const ctx = new RunContext(runId, runDir, baseDate, config, ledger, snapshot, log, layoutOf(config), profile);
    ledger.startRun(runId, 'rehearsal', runDir, baseDate, { parentRunId: null, scheduledAt: null });
    await extractToStaging(extractionPlan(config, baseDate), staging, readSecret);
    await shapeAndWrite(ctx, staging);
    return ctx.files;
  } finally {
    staging.close();
    snapshot.close();
    ledger.close();
  }
}
