/**
 * The performance benchmark (issue 9): N generated recipients in PostgreSQL, and side by
 * side the physical floor (COPY of the joined data), the bot's whole pipeline in full and
 * differential mode, the floor of the bot's own design (the same rows moved along its paths
 * with none of its work done on them), and the upload of the produced file three ways.
 * Every measured part runs in its own process, so that its peak resident memory is its own.
 * Timings are reported, never asserted here: the targets are judged in the table.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load.ts';
import type { BotConfig } from '../../config/schema.ts';
import { snapshotPath } from '../../bot/state/paths.ts';
import { formatTable } from '../../bot/cli/text-table.ts';
import { Snapshot } from '../../bot/state/snapshot.ts';
import { startSimulator, type Simulator } from '../../sim/server.ts';
import { generateDemoData, type DemoData } from '../generators/demo-data.ts';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/engines.ts';
import { BASE_DATE, EXAMPLE_CONFIG } from '../helpers/demo-env.ts';
import { runChild, timeCommand, type ChildResult } from './child.ts';
import { changeCertificates, joinedQuery, loadIntoPostgres, psqlArgs } from './pg-load.ts';
import type { DesignFloorInput, DesignFloorReport } from './design-floor-child.ts';
import type { PipelineReport } from './pipeline-child.ts';
import type { UploadInput, UploadReport } from './upload-children.ts';

export interface BenchOptions {
  /** Recipients (default 1,000,000). */
  n: number;
  /** Recipients of the memory-growth comparison run (default n / 10; 0: none). */
  compareN: number;
  /** Write a CPU profile of each pipeline child into this folder. */
  cpuProfDir?: string;
  /** Leave the temporary folder (data, runs, files) in place. */
  keep?: boolean;
  /** Uploads of each kind, taken in turn; the table shows each kind's median (default 3). */
  uploadRounds?: number;
  /** Progress lines go here (stderr by default). */
  progress?: (line: string) => void;
}

export interface BenchRow {
  part: string;
  seconds: number;
  records: number;
  recordsPerSecond: number;
  /** Ratio to the floor of the part's group (COPY for the pipeline, the multipart POST for uploads). */
  ratio: number;
  peakMb: number;
  note: string;
}

export interface BenchTarget {
  name: string;
  limit: string;
  measured: string;
  met: boolean;
}

export interface BenchResult {
  n: number;
  certificates: number;
  rows: BenchRow[];
  growth: { fromN: number; fromMb: number; toN: number; toMb: number; percent: number } | null;
  targets: BenchTarget[];
  /** The design floors (b1), (b2) and (b3) as multiples of the COPY floor. */
  designFloors: { staging: number; joined: number; copy: number };
  dir: string;
}

const PASSWORD = 'bench-password-Kx27';
const MB = 1024;

function rowOf(part: string, seconds: number, records: number, floorSeconds: number, peakKb: number, note: string): BenchRow {
  return {
    part,
    seconds,
    records,
    recordsPerSecond: seconds > 0 ? records / seconds : 0,
    ratio: floorSeconds > 0 ? seconds / floorSeconds : 0,
    peakMb: peakKb / MB,
    note,
  };
}

interface PipelineRuns {
  data: DemoData;
  certificates: number;
  floor: { seconds: number; maxRssKb: number };
  full: ChildResult<PipelineReport>;
  /** The floor of the bot's own design: with the staging store, with the join in the source, read by COPY. */
  designFloors: Record<DesignFloorInput['variant'], ChildResult<DesignFloorReport>> | null;
  diff: ChildResult<PipelineReport> | null;
  changed: number;
}

function pipelineSeconds(result: ChildResult<PipelineReport>): number {
  return (result.report.steps.extract ?? 0) + (result.report.steps.shape ?? 0);
}

function checkRun(result: ChildResult<PipelineReport>, label: string): void {
  const { status, errorCode } = result.report;
  // A folder delivery with no pickup leaves a run succeeded; anything else means the measurement is not of a working run.
  if (status !== 'succeeded') throw new Error(`${label}: the run ended ${status} (${errorCode ?? 'no error code'})`);
}

/** Generates `n` recipients, loads them into a scratch PostgreSQL database, measures the floor and the pipeline. */
async function measurePipeline(
  root: string,
  n: number,
  withDiff: boolean,
  example: BotConfig,
  options: BenchOptions,
): Promise<PipelineRuns> {
  const say = options.progress ?? (() => undefined);
  const dir = join(root, `n${n}`);
  say(`[${n}] generating ${n} recipients`);
  const data = generateDemoData({ dir: join(dir, 'sources'), recipients: n, baseDate: BASE_DATE });
  const certificates = Object.values(data.currentCertificates).reduce((a, b) => a + b, 0);
  let scratch: ScratchDatabase | undefined;
  try {
    scratch = await createScratchDatabase('pg');
    say(`[${n}] loading PostgreSQL database ${scratch.database}`);
    await loadIntoPostgres(data.files, scratch);

    say(`[${n}] COPY floor`);
    const floor = await timeCommand('psql', psqlArgs(scratch.database, `\\copy (${joinedQuery(BASE_DATE)}) to '/dev/null' with (format csv)`));

    const source = { ...scratch.source(), query_timeout_seconds: 3600, connect_timeout_seconds: 30 };
    const configOf = (mode: 'full' | 'diff'): string => {
      const config: BotConfig = {
        ...example,
        data_dir: join(dir, 'data'),
        base_date: BASE_DATE,
        sources: { subsidy: source, registry: source, support: source },
        pmh: {
          ...example.pmh,
          mode,
          transport: 'folder',
          folder: { path: join(dir, 'drop'), marker: true, wait_for_pickup_seconds: 0 },
        },
        notify: { ...example.notify, on: 'never' },
      } as BotConfig;
      mkdirSync(join(dir, 'drop'), { recursive: true });
      const file = join(dir, `config-${mode}.json`);
      writeFileSync(file, JSON.stringify(config));
      return file;
    };
    const nodeFlags = (label: string): string[] =>
      options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=${label}-n${n}.cpuprofile`] : [];

    say(`[${n}] bot pipeline, full mode`);
    const fullConfig = configOf('full');
    const full = await runChild<PipelineReport>('pipeline-child.ts', { configFile: fullConfig }, { nodeFlags: nodeFlags('full') });
    checkRun(full, `full run at ${n}`);
    if (!withDiff) return { data, certificates, floor, full, designFloors: null, diff: null, changed: 0 };

    const designFloor = (variant: DesignFloorInput['variant']): Promise<ChildResult<DesignFloorReport>> => {
      say(`[${n}] design floor (${{ staging: 'staging store', joined: 'join in the source', copy: 'COPY into Node.js' }[variant]})`);
      const input: DesignFloorInput = { configFile: fullConfig, variant, joinedSql: joinedQuery(BASE_DATE), dir: join(dir, `design-floor-${variant}`) };
      return runChild<DesignFloorReport>('design-floor-child.ts', input, { nodeFlags: nodeFlags(`floor-${variant}`) });
    };
    const designFloors = { staging: await designFloor('staging'), joined: await designFloor('joined'), copy: await designFloor('copy') };
    // (b2) and (b3) read the same query, one through the driver, one through COPY: their files must agree.
    if (designFloors.copy.report.csvSha256 !== designFloors.joined.report.csvSha256) {
      throw new Error(`the COPY design floor wrote other rows than the driver's (${n} recipients): its reading of COPY's text is wrong`);
    }

    // PMH accepted the full upload: what the snapshot then holds is the base of the differential.
    const snapshot = new Snapshot(snapshotPath({ data_dir: join(dir, 'data') } as BotConfig));
    try {
      for (const program of example.programs) snapshot.applyAccepted(full.report.runId, program.certificate_type_id, 'full', new Set());
    } finally {
      snapshot.close();
    }
    const changed = await changeCertificates(scratch.database, BASE_DATE);
    say(`[${n}] bot pipeline, differential mode (${changed} certificates changed)`);
    const diff = await runChild<PipelineReport>('pipeline-child.ts', { configFile: configOf('diff') }, { nodeFlags: nodeFlags('diff') });
    checkRun(diff, `differential run at ${n}`);
    return { data, certificates, floor, full, designFloors, diff, changed };
  } finally {
    await scratch?.drop().catch(() => undefined);
  }
}

async function waitUntilProcessed(simulator: Simulator): Promise<void> {
  for (;;) {
    const uploads = (await (await fetch(`${simulator.url}/__sim/uploads`)).json()) as { status: string }[];
    if (uploads.every((u) => u.status !== '受付済' && u.status !== '処理中')) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface UploadRuns {
  file: { path: string; rows: number; bytes: number; type: string };
  rounds: number;
  /** Each kind's median upload by its time to the acknowledgement. */
  post: ChildResult<UploadReport>;
  minimal: ChildResult<UploadReport>;
  bot: ChildResult<UploadReport>;
}

/** The median by time to the acknowledgement (the lower of the middle two for an even count). */
function medianUpload(runs: ChildResult<UploadReport>[]): ChildResult<UploadReport> {
  const sorted = [...runs].sort((a, b) => a.report.toAcknowledgement - b.report.toAcknowledgement);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * The largest file of the full run, uploaded three ways against the simulator, in turn,
 * `uploadRounds` times: one upload varies by about ±20% here, so the table takes medians.
 * The simulator settles between uploads.
 */
async function measureUploads(root: string, full: PipelineReport, example: BotConfig, options: BenchOptions): Promise<UploadRuns> {
  const say = options.progress ?? (() => undefined);
  const file = [...full.files].sort((a, b) => b.bytes - a.bytes)[0];
  if (!file) throw new Error('the full run wrote no file');
  const simulator = await startSimulator({
    users: [{ userId: example.pmh.user_id!, password: PASSWORD }],
    certificateTypes: example.programs.map((p) => ({ id: p.certificate_type_id, name: p.certificate_name })),
    storePath: join(root, 'sim.sqlite'),
    processingDelayMs: 100,
  });
  try {
    const input: UploadInput = {
      baseUrl: simulator.url, userId: example.pmh.user_id!, password: PASSWORD, certificateTypeId: file.type, mode: 'full',
      file: file.path, browser: example.browser, evidenceDir: join(root, 'evidence'),
    };
    const rounds = options.uploadRounds ?? 3;
    const runs: Record<'post' | 'minimal' | 'bot', ChildResult<UploadReport>[]> = { post: [], minimal: [], bot: [] };
    for (let round = 1; round <= rounds; round += 1) {
      const of = `${round}/${rounds}`;
      say(`upload floor ${of}: multipart POST of ${file.rows} records (${(file.bytes / 1e6).toFixed(1)} MB)`);
      runs.post.push(await runChild<UploadReport>('upload-post.ts', input));
      await waitUntilProcessed(simulator);
      say(`upload ${of}: minimal Playwright script`);
      runs.minimal.push(await runChild<UploadReport>('upload-minimal.ts', input));
      await waitUntilProcessed(simulator);
      say(`upload ${of}: the bot's screen flow`);
      runs.bot.push(await runChild<UploadReport>('upload-bot.ts', { ...input, evidenceDir: join(input.evidenceDir, String(round)) }));
      await waitUntilProcessed(simulator);
    }
    return { file, rounds, post: medianUpload(runs.post), minimal: medianUpload(runs.minimal), bot: medianUpload(runs.bot) };
  } finally {
    await simulator.close();
  }
}

/**
 * A design floor's row: the note says how much of it the snapshot's `pending` rows took, what
 * it left out and how far the full pipeline is above it.
 */
function designFloorRow(part: string, result: ChildResult<DesignFloorReport>, floorSeconds: number, fullSeconds: number): BenchRow {
  const { seconds, stagingSeconds, pendingSeconds, records } = result.report;
  const staging = stagingSeconds > 0 ? `to sealed staging ${stagingSeconds.toFixed(1)} s; ` : '';
  return rowOf(part, seconds, records, floorSeconds, result.report.maxRssKb,
    `${staging}pending rows ${pendingSeconds.toFixed(1)} s; no normalising, shaping, checks or hashing; full pipeline ${ratioText(fullSeconds / seconds)} this`);
}

/**
 * The pipeline target since the seventh round: the bot's own work (normalising, shaping,
 * validation, hashing, the key map, the ledger) may at most add one and a half times the cost of
 * moving the same rows along its paths. Measured 1.93–2.24× from the fourth round on.
 */
const DESIGN_FLOOR_TARGET = 2.5;

function ratioText(value: number): string {
  return `${value.toFixed(2)}×`;
}

export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'pmh-bench-'));
  const example = loadConfig(EXAMPLE_CONFIG).config;
  process.env.PMH_PASSWORD = PASSWORD;
  try {
    const compare = options.compareN > 0 && options.compareN !== options.n
      ? await measurePipeline(root, options.compareN, false, example, options)
      : null;
    const main = await measurePipeline(root, options.n, true, example, options);
    const uploads = await measureUploads(root, main.full.report, example, options);

    const floorSeconds = main.floor.seconds;
    const fullSeconds = pipelineSeconds(main.full);
    const diffSeconds = pipelineSeconds(main.diff!);
    const extracted = main.full.report.extracted;
    const uploadFloor = uploads.post.report.toAcknowledgement;
    const fileRows = uploads.file.rows;
    const median = uploads.rounds > 1 ? `; median of ${uploads.rounds}` : '';
    const stagingFloor = designFloorRow('(b1) design floor: driver, staging, join, pending, CSV', main.designFloors!.staging, floorSeconds, fullSeconds);
    const joinedFloor = designFloorRow('(b2) design floor, join in the source: driver, pending, CSV', main.designFloors!.joined, floorSeconds, fullSeconds);
    const copyFloor = designFloorRow('(b3) design floor, COPY into Node.js: pending, CSV', main.designFloors!.copy, floorSeconds, fullSeconds);
    const rows: BenchRow[] = [
      rowOf('(a) COPY floor (psql \\copy of the joined query)', floorSeconds, main.certificates, floorSeconds, main.floor.maxRssKb, 'psql client memory'),
      rowOf('(b) bot pipeline, full mode', fullSeconds, extracted, floorSeconds, main.full.report.maxRssKb,
        `extract ${(main.full.report.steps.extract ?? 0).toFixed(1)} s + shape/write ${(main.full.report.steps.shape ?? 0).toFixed(1)} s; ${main.full.report.uploaded} written`),
      stagingFloor,
      joinedFloor,
      copyFloor,
      rowOf('(c) bot pipeline, differential (1% changed)', diffSeconds, main.diff!.report.extracted, floorSeconds, main.diff!.report.maxRssKb,
        `${main.diff!.report.diff.changed} changed, ${main.diff!.report.uploaded} written; ${ratioText(diffSeconds / fullSeconds)} the full run`),
      rowOf('(e) upload floor: multipart POST (to 受付番号)', uploadFloor, fileRows, uploadFloor, uploads.post.report.maxRssKb,
        `${(uploads.file.bytes / 1e6).toFixed(1)} MB, ${uploads.file.type}${median}`),
      rowOf('(e) minimal Playwright script (to 受付番号)', uploads.minimal.report.toAcknowledgement, fileRows, uploadFloor, uploads.minimal.report.maxRssKb,
        `launch, login, set file, submit, confirm; node process only${median}`),
      rowOf("(e) bot's screen flow (to PMH's result)", uploads.bot.report.total, fileRows, uploadFloor, uploads.bot.report.maxRssKb,
        `to 受付番号 ${uploads.bot.report.toAcknowledgement.toFixed(2)} s; then polling, result, logout; node process only${median}`),
    ];
    const growth = compare
      ? {
          fromN: options.compareN,
          fromMb: compare.full.report.maxRssKb / MB,
          toN: options.n,
          toMb: main.full.report.maxRssKb / MB,
          percent: (main.full.report.maxRssKb / compare.full.report.maxRssKb - 1) * 100,
        }
      : null;
    const peakMb = Math.max(main.full.report.maxRssKb, main.diff!.report.maxRssKb) / MB;
    const botToMinimal = uploads.bot.report.toAcknowledgement / uploads.minimal.report.toAcknowledgement;
    const targets: BenchTarget[] = [
      // Issue 9's first target, kept in the list so that it is never read as met: this design
      // cannot reach it (docs/performance.md, seventh round), and the line below replaces it.
      { name: 'full pipeline vs COPY floor', limit: '≤ 4×, out of reach of this design', measured: ratioText(fullSeconds / floorSeconds), met: fullSeconds / floorSeconds <= 4 },
      {
        name: 'full pipeline vs its design floor (b1)',
        limit: `≤ ${DESIGN_FLOOR_TARGET}×`,
        measured: ratioText(fullSeconds / stagingFloor.seconds),
        met: fullSeconds / stagingFloor.seconds <= DESIGN_FLOOR_TARGET,
      },
      { name: 'differential (1%) vs full run', limit: '≤ 1.5×', measured: ratioText(diffSeconds / fullSeconds), met: diffSeconds / fullSeconds <= 1.5 },
      { name: `peak resident memory at ${options.n}`, limit: '≤ 300 MB', measured: `${peakMb.toFixed(0)} MB`, met: peakMb <= 300 },
      ...(growth
        ? [{ name: `memory growth ${growth.fromN} → ${growth.toN}`, limit: '≤ 20%', measured: `${growth.percent.toFixed(1)}%`, met: growth.percent <= 20 }]
        : []),
      {
        name: "bot's screen flow vs minimal Playwright (both to 受付番号)",
        limit: '≤ 1.2×',
        measured: ratioText(botToMinimal),
        met: botToMinimal <= 1.2,
      },
    ];
    const designFloors = { staging: stagingFloor.ratio, joined: joinedFloor.ratio, copy: copyFloor.ratio };
    return { n: options.n, certificates: main.certificates, rows, growth, targets, designFloors, dir: root };
  } finally {
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  }
}

/** The one table: seconds, records per second, ratio to the floor, peak memory; then memory growth and the targets. */
export function formatResult(result: BenchResult): string {
  const table = formatTable(
    ['part', 'seconds', 'records/s', 'vs floor', 'peak MB', 'note'],
    result.rows.map((r) => [r.part, r.seconds.toFixed(2), Math.round(r.recordsPerSecond).toLocaleString('en-US'), ratioText(r.ratio), r.peakMb.toFixed(0), r.note]),
  );
  const out = [
    `pmh-bot benchmark: ${result.n.toLocaleString('en-US')} recipients, ${result.certificates.toLocaleString('en-US')} current certificates`,
    table,
    '',
  ];
  if (result.growth) {
    const g = result.growth;
    out.push(`memory growth (full pipeline peak RSS): ${g.fromN.toLocaleString('en-US')} → ${g.toN.toLocaleString('en-US')} recipients: ` +
      `${g.fromMb.toFixed(0)} MB → ${g.toMb.toFixed(0)} MB (${g.percent >= 0 ? '+' : ''}${g.percent.toFixed(1)}%)`);
  }
  out.push('targets:');
  for (const t of result.targets) out.push(`  ${t.met ? 'met    ' : 'NOT MET'}  ${t.name}: ${t.measured} (target ${t.limit})`);
  const { staging, joined, copy } = result.designFloors;
  out.push(`the design's own floors, (b1), (b2) and (b3): ${ratioText(staging)}, ${ratioText(joined)} and ${ratioText(copy)} the COPY floor; ` +
    'a pipeline built this way cannot run faster than they do (docs/performance.md, fourth and fifth rounds; the target restated in the seventh)');
  return `${out.join('\n')}\n`;
}
