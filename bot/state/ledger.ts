/**
 * The run ledger: a SQLite file in the data directory that records every run, each of
 * its steps, the artifacts it produced, the records it held back and what PMH said.
 * It is the operator's account of what happened; it holds system keys, never personal data.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { Database, type Statement } from '../../core/sqlite.ts';
import { pmhError } from '../../core/errors.ts';
import type { ApiChunkRecord, RejectedRecord } from '../../flows/delivery.ts';
import type { QuarantineEntry } from '../records/quarantine.ts';

/** What the delivery channels report, kept as they report it. */
export type RejectedEntry = RejectedRecord;
export type ApiChunkEntry = ApiChunkRecord;

/** held: stopped by the mass-change guard, waiting for `pmh-bot approve`. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'held';
export type StepStatus = 'running' | 'succeeded' | 'failed';

export interface RunCounts {
  extracted: number;
  quarantined: number;
  uploaded: number;
  /** Deletions sent (差分連携). */
  deleted: number;
  accepted: number | null;
  rejected: number | null;
}

export interface RunRow extends RunCounts {
  id: string;
  mode: 'full' | 'diff' | null;
  /** The snapshot generation the run's differential was computed against. */
  snapshot_generation: number | null;
  trigger: string;
  status: RunStatus;
  base_date: string | null;
  started_at: string;
  ended_at: string | null;
  run_dir: string;
  pid: number;
  host: string;
  error_code: string | null;
  error_kind: string | null;
  error_message: string | null;
  error_hint: string | null;
  /** The run this one replays (pmh-bot replay). */
  parent_run_id: string | null;
  /** When the schedule meant the run to start (daemon); null for a manual run. */
  scheduled_at: string | null;
}

/** What happened to one schedule trigger: started a run, skipped (lock), missed and ran late, missed and only alerted. */
export type TriggerOutcome = 'started' | 'skipped' | 'missed-run' | 'missed-alert';

export interface TriggerRow {
  id: number;
  scheduled_at: string | null;
  fired_at: string;
  outcome: TriggerOutcome;
  reason: string | null;
  run_id: string | null;
}

export interface StepRow {
  run_id: string;
  seq: number;
  name: string;
  status: StepStatus;
  started_at: string;
  ended_at: string | null;
  detail: string | null;
  error_code: string | null;
  error_message: string | null;
}

export interface ArtifactRow {
  run_id: string;
  step: string;
  kind: string;
  path: string;
  bytes: number | null;
  sha256: string | null;
  created_at: string;
  /** When `pmh-bot purge` deleted the file; the row stays as the record that it existed. */
  purged_at: string | null;
}

export interface UploadEntry {
  certificateTypeId: string;
  fileName: string;
  path?: string | null;
  keysPath?: string | null;
  sha256: string;
  rows: number;
  pmhUploadId: string | null;
  status: string;
  accepted: number | null;
  rejected: number | null;
}

const MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY, trigger TEXT NOT NULL, status TEXT NOT NULL, base_date TEXT,
     started_at TEXT NOT NULL, ended_at TEXT, run_dir TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
     extracted INTEGER NOT NULL DEFAULT 0, quarantined INTEGER NOT NULL DEFAULT 0, uploaded INTEGER NOT NULL DEFAULT 0,
     accepted INTEGER, rejected INTEGER,
     error_code TEXT, error_kind TEXT, error_message TEXT, error_hint TEXT);
   CREATE TABLE steps (
     run_id TEXT NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
     started_at TEXT NOT NULL, ended_at TEXT, detail TEXT, error_code TEXT, error_message TEXT,
     PRIMARY KEY (run_id, seq));
   CREATE TABLE artifacts (
     run_id TEXT NOT NULL REFERENCES runs(id), step TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL,
     bytes INTEGER, sha256 TEXT, created_at TEXT NOT NULL);
   CREATE TABLE quarantine (
     run_id TEXT NOT NULL REFERENCES runs(id), program_code TEXT NOT NULL, resident_no TEXT NOT NULL,
     certificate_id TEXT NOT NULL, field TEXT NOT NULL, code TEXT NOT NULL, reason_ja TEXT NOT NULL, reason_en TEXT NOT NULL);
   CREATE TABLE uploads (
     run_id TEXT NOT NULL REFERENCES runs(id), certificate_type_id TEXT NOT NULL, file_name TEXT NOT NULL,
     sha256 TEXT NOT NULL, rows INTEGER NOT NULL, pmh_upload_id TEXT, status TEXT NOT NULL,
     accepted INTEGER, rejected INTEGER, updated_at TEXT NOT NULL,
     PRIMARY KEY (run_id, file_name));
   CREATE TABLE rejected_rows (
     run_id TEXT NOT NULL REFERENCES runs(id), pmh_upload_id TEXT NOT NULL, line INTEGER, resident_no TEXT,
     certificate_id TEXT, history_key TEXT, column_name TEXT NOT NULL, message TEXT NOT NULL);
   CREATE INDEX steps_run ON steps (run_id);
   CREATE INDEX artifacts_run ON artifacts (run_id);
   CREATE INDEX quarantine_run ON quarantine (run_id);`,
  `ALTER TABLE runs ADD COLUMN mode TEXT;
   ALTER TABLE runs ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE runs ADD COLUMN snapshot_generation INTEGER;
   ALTER TABLE uploads ADD COLUMN path TEXT;
   ALTER TABLE uploads ADD COLUMN keys_path TEXT;`,
  // v3: replay lineage, schedule bookkeeping, purged artifacts, small persistent state.
  `ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
   ALTER TABLE runs ADD COLUMN scheduled_at TEXT;
   ALTER TABLE artifacts ADD COLUMN purged_at TEXT;
   CREATE TABLE triggers (
     id INTEGER PRIMARY KEY AUTOINCREMENT, scheduled_at TEXT, fired_at TEXT NOT NULL,
     outcome TEXT NOT NULL, reason TEXT, run_id TEXT);
   CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE INDEX runs_parent ON runs (parent_run_id);`,
  // v4: the registration API's chunks, so that a replay never resends what PMH accepted.
  `CREATE TABLE api_chunks (
     run_id TEXT NOT NULL REFERENCES runs(id), file_name TEXT NOT NULL, file_sha256 TEXT NOT NULL,
     first_index INTEGER NOT NULL, records INTEGER NOT NULL, status TEXT NOT NULL, http_status INTEGER,
     accepted INTEGER, rejected INTEGER, rejected_keys TEXT, updated_at TEXT NOT NULL,
     PRIMARY KEY (run_id, file_name, first_index));
   CREATE INDEX api_chunks_file ON api_chunks (file_sha256, file_name);`,
  // v5: a run's rejected rows are read by run, as its held-back records always were.
  `CREATE INDEX rejected_rows_run ON rejected_rows (run_id);`,
];

/** The ledger format this program writes (`PRAGMA user_version` once migrated). */
export const LEDGER_FORMAT_VERSION = MIGRATIONS.length;

function now(): string {
  return new Date().toISOString();
}

const QUARANTINE_ROWS = `SELECT program_code AS programCode, resident_no AS residentNo, certificate_id AS certificateId, field, code,
  reason_ja AS reasonJa, reason_en AS reasonEn FROM quarantine WHERE run_id = ? ORDER BY rowid LIMIT ?`;

const REJECTED_ROWS = `SELECT pmh_upload_id AS pmhUploadId, line, resident_no AS residentNo, certificate_id AS certificateId,
  history_key AS historyKey, column_name AS "column", message FROM rejected_rows WHERE run_id = ? ORDER BY rowid LIMIT ?`;

export class Ledger {
  private readonly db: Database;
  /** Each statement by its SQL, prepared on first use: preparing costs more than most queries it serves. */
  private readonly statements = new Map<string, Statement>();

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('busy_timeout = 5000');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    // A newer pmh-bot migrated this file and then an older one was put back (a rollback):
    // refused before anything is written, so the file stays as the newer version left it.
    if (version > LEDGER_FORMAT_VERSION) {
      this.db.close();
      throw pmhError('LedgerFromNewerVersion', { file: path, version, supported: LEDGER_FORMAT_VERSION });
    }
    this.db.pragma('journal_mode = WAL');
    // As better-sqlite3's build synced WAL: a power cut may lose the last commits, a crash of
    // the bot none, and neither corrupts the file; FULL would add a disk flush to every write.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.migrate(version);
  }

  private migrate(version: number): void {
    for (let v = version; v < MIGRATIONS.length; v += 1) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      });
    }
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * A statement of its own for a stream: a statement stays busy until its iterator ends,
   * and two streams, or a stream and a plain read of the same rows, may be open together.
   */
  private streamed(sql: string): Statement {
    return this.db.prepare(sql);
  }

  startRun(
    id: string,
    trigger: string,
    runDir: string,
    baseDate: string | null,
    lineage: { parentRunId?: string | null; scheduledAt?: string | null } = {},
  ): void {
    this.statement(`INSERT INTO runs (id, trigger, status, base_date, started_at, run_dir, pid, host, parent_run_id, scheduled_at)
                VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)`)
      .run(id, trigger, baseDate, now(), runDir, process.pid, hostname(), lineage.parentRunId ?? null, lineage.scheduledAt ?? null);
  }

  updateCounts(id: string, counts: Partial<RunCounts>): void {
    for (const [key, value] of Object.entries(counts)) {
      if (!['extracted', 'quarantined', 'uploaded', 'deleted', 'accepted', 'rejected'].includes(key)) continue;
      this.statement(`UPDATE runs SET ${key} = ? WHERE id = ?`).run(value, id);
    }
  }

  setDifferential(id: string, mode: 'full' | 'diff', snapshotGeneration: number): void {
    this.statement('UPDATE runs SET mode = ?, snapshot_generation = ? WHERE id = ?').run(mode, snapshotGeneration, id);
  }

  /** An approved held run goes on: running again, its error cleared. */
  resumeRun(id: string): void {
    this.statement(`UPDATE runs SET status = 'running', ended_at = NULL, error_code = NULL, error_kind = NULL,
                error_message = NULL, error_hint = NULL WHERE id = ?`)
      .run(id);
  }

  finishRun(
    id: string,
    status: Exclude<RunStatus, 'running'>,
    error?: { code: string; kind: string; message: string; hint: string },
  ): void {
    this.statement(`UPDATE runs SET status = ?, ended_at = ?, error_code = ?, error_kind = ?, error_message = ?, error_hint = ?
                WHERE id = ?`)
      .run(status, now(), error?.code ?? null, error?.kind ?? null, error?.message ?? null, error?.hint ?? null, id);
  }

  startStep(runId: string, name: string): number {
    const row = this.statement('SELECT coalesce(max(seq), 0) + 1 AS seq FROM steps WHERE run_id = ?').get(runId) as { seq: number };
    this.statement(`INSERT INTO steps (run_id, seq, name, status, started_at) VALUES (?, ?, ?, 'running', ?)`)
      .run(runId, row.seq, name, now());
    return row.seq;
  }

  /** A step that is over as soon as it is taken (an approval, a plan, a wait): recorded as succeeded with its detail. */
  noteStep(runId: string, name: string, detail: Record<string, unknown>): void {
    this.startStep(runId, name);
    this.endStep(runId, name, 'succeeded', { detail });
  }

  /** Ends the newest running step of that name. */
  endStep(
    runId: string,
    name: string,
    status: Exclude<StepStatus, 'running'>,
    extra: { detail?: Record<string, unknown>; errorCode?: string; errorMessage?: string } = {},
  ): void {
    this.statement(`UPDATE steps SET status = ?, ended_at = ?, detail = ?, error_code = ?, error_message = ?
                WHERE run_id = ? AND seq = (SELECT max(seq) FROM steps WHERE run_id = ? AND name = ? AND status = 'running')`)
      .run(
        status,
        now(),
        extra.detail ? JSON.stringify(extra.detail) : null,
        extra.errorCode ?? null,
        extra.errorMessage ?? null,
        runId,
        runId,
        name,
      );
  }

  addArtifact(runId: string, step: string, kind: string, path: string, bytes: number | null = null, sha256: string | null = null): void {
    this.statement('INSERT INTO artifacts (run_id, step, kind, path, bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(runId, step, kind, path, bytes, sha256, now());
  }

  addQuarantine(runId: string, entries: QuarantineEntry[]): void {
    const insert = this.statement(`INSERT INTO quarantine (run_id, program_code, resident_no, certificate_id, field, code, reason_ja, reason_en)
                                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const e of entries) insert.run(runId, e.programCode, e.residentNo, e.certificateId, e.field, e.code, e.reasonJa, e.reasonEn);
    });
  }

  recordUpload(runId: string, upload: UploadEntry): void {
    this.statement(`INSERT INTO uploads (run_id, certificate_type_id, file_name, sha256, rows, pmh_upload_id, status, accepted, rejected,
                  updated_at, path, keys_path)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id, file_name) DO UPDATE SET pmh_upload_id = excluded.pmh_upload_id, status = excluded.status,
                  accepted = excluded.accepted, rejected = excluded.rejected, updated_at = excluded.updated_at,
                  path = coalesce(excluded.path, uploads.path), keys_path = coalesce(excluded.keys_path, uploads.keys_path)`)
      .run(runId, upload.certificateTypeId, upload.fileName, upload.sha256, upload.rows, upload.pmhUploadId, upload.status,
        upload.accepted, upload.rejected, now(), upload.path ?? null, upload.keysPath ?? null);
  }

  addRejected(runId: string, entries: RejectedEntry[]): void {
    const insert = this.statement(`INSERT INTO rejected_rows (run_id, pmh_upload_id, line, resident_no, certificate_id, history_key, column_name, message)
                                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const e of entries) insert.run(runId, e.pmhUploadId, e.line, e.residentNo, e.certificateId, e.historyKey, e.column, e.message);
    });
  }

  run(id: string): RunRow | undefined {
    return this.statement('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  }

  recentRuns(limit = 20): RunRow[] {
    return this.statement('SELECT * FROM runs ORDER BY started_at DESC, id DESC LIMIT ?').all(limit) as RunRow[];
  }

  steps(runId: string): StepRow[] {
    return this.statement('SELECT * FROM steps WHERE run_id = ? ORDER BY seq').all(runId) as StepRow[];
  }

  artifacts(runId: string): ArtifactRow[] {
    return this.statement('SELECT * FROM artifacts WHERE run_id = ? ORDER BY rowid').all(runId) as ArtifactRow[];
  }

  uploads(runId: string): (UploadEntry & { updated_at: string })[] {
    return this.statement(`SELECT certificate_type_id AS certificateTypeId, file_name AS fileName, sha256, rows, pmh_upload_id AS pmhUploadId,
                       status, accepted, rejected, updated_at, path, keys_path AS keysPath FROM uploads WHERE run_id = ? ORDER BY rowid`)
      .all(runId) as (UploadEntry & { updated_at: string })[];
  }

  /**
   * A run's held-back records, in the order they were met: the first `limit` of them, or with
   * no limit all of them at once, which only a caller that knows the run is small may ask for.
   * A run can hold back every record of a million: `eachQuarantine` streams them.
   */
  quarantine(runId: string, limit = -1): QuarantineEntry[] {
    return this.statement(QUARANTINE_ROWS).all(runId, limit) as QuarantineEntry[];
  }

  eachQuarantine(runId: string): IterableIterator<QuarantineEntry> {
    return this.streamed(QUARANTINE_ROWS).iterate(runId, -1) as IterableIterator<QuarantineEntry>;
  }

  quarantineCount(runId: string): number {
    return (this.statement('SELECT count(*) AS n FROM quarantine WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  /** The rows PMH rejected in a run, as `quarantine` gives its held-back records. */
  rejected(runId: string, limit = -1): RejectedEntry[] {
    return this.statement(REJECTED_ROWS).all(runId, limit) as RejectedEntry[];
  }

  eachRejected(runId: string): IterableIterator<RejectedEntry> {
    return this.streamed(REJECTED_ROWS).iterate(runId, -1) as IterableIterator<RejectedEntry>;
  }

  rejectedCount(runId: string): number {
    return (this.statement('SELECT count(*) AS n FROM rejected_rows WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  /** Runs that replay `runId`, oldest first. */
  replaysOf(runId: string): RunRow[] {
    return this.statement('SELECT * FROM runs WHERE parent_run_id = ? ORDER BY started_at, id').all(runId) as RunRow[];
  }

  /** Runs still marked running: alive, or stopped without recording their end. */
  runningRuns(): RunRow[] {
    return this.statement("SELECT * FROM runs WHERE status = 'running' ORDER BY started_at, id").all() as RunRow[];
  }

  /** Runs with an upload in one of these states (e.g. submitting, registered: PMH may hold it, its answer unrecorded). */
  runsWithUploadStatus(statuses: readonly string[]): string[] {
    const rows = this.db
      .prepare(`SELECT DISTINCT run_id AS runId FROM uploads WHERE status IN (${statuses.map(() => '?').join(',')})`)
      .all(...statuses) as { runId: string }[];
    return rows.map((row) => row.runId);
  }

  /** History keys of the rows PMH rejected in one upload (its 受付番号), whichever run read them. */
  rejectedKeysOfUpload(pmhUploadId: string): string[] {
    const rows = this.statement('SELECT DISTINCT history_key AS key FROM rejected_rows WHERE pmh_upload_id = ? AND history_key IS NOT NULL')
      .all(pmhUploadId) as { key: string }[];
    return rows.map((row) => row.key);
  }

  /** Several writes that must land together or not at all. */
  transaction<T>(body: () => T): T {
    return this.db.transaction(body);
  }

  /** Every upload the ledger knows of a file with this content, in any run (newest first). */
  uploadsByHash(sha256: string): (UploadEntry & { runId: string; updated_at: string })[] {
    return this.statement(`SELECT run_id AS runId, certificate_type_id AS certificateTypeId, file_name AS fileName, sha256, rows,
                       pmh_upload_id AS pmhUploadId, status, accepted, rejected, updated_at, path, keys_path AS keysPath
                  FROM uploads WHERE sha256 = ? ORDER BY updated_at DESC`)
      .all(sha256) as (UploadEntry & { runId: string; updated_at: string })[];
  }

  recordTrigger(entry: { scheduledAt: string | null; outcome: TriggerOutcome; reason?: string | null; runId?: string | null }): number {
    const result = this.statement('INSERT INTO triggers (scheduled_at, fired_at, outcome, reason, run_id) VALUES (?, ?, ?, ?, ?)')
      .run(entry.scheduledAt, now(), entry.outcome, entry.reason ?? null, entry.runId ?? null);
    return Number(result.lastInsertRowid);
  }

  triggers(limit = 50): TriggerRow[] {
    return this.statement('SELECT * FROM triggers ORDER BY id DESC LIMIT ?').all(limit) as TriggerRow[];
  }

  /** Artifacts of finished runs that started before `before` and are still on disk (a held run waits for approval: kept). */
  expiredArtifacts(before: string): ArtifactRow[] {
    return this.statement(`SELECT a.rowid AS rowid, a.* FROM artifacts a JOIN runs r ON r.id = a.run_id
                 WHERE r.started_at < ? AND r.status NOT IN ('running', 'held') AND a.purged_at IS NULL ORDER BY a.rowid`)
      .all(before) as ArtifactRow[];
  }

  markPurged(runId: string, path: string): void {
    this.statement('UPDATE artifacts SET purged_at = ? WHERE run_id = ? AND path = ? AND purged_at IS NULL').run(now(), runId, path);
  }

  getState(key: string): string | null {
    const row = this.statement('SELECT value FROM state WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setState(key: string, value: string): void {
    this.statement('INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(key, value, now());
  }

  /** Records what is known of one API chunk (records first_index .. first_index + records - 1 of a file). */
  recordApiChunk(runId: string, chunk: ApiChunkEntry): void {
    this.statement(`INSERT INTO api_chunks (run_id, file_name, file_sha256, first_index, records, status, http_status, accepted, rejected,
                  rejected_keys, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id, file_name, first_index) DO UPDATE SET records = excluded.records, status = excluded.status,
                  http_status = excluded.http_status, accepted = excluded.accepted, rejected = excluded.rejected,
                  rejected_keys = excluded.rejected_keys, updated_at = excluded.updated_at`)
      .run(runId, chunk.fileName, chunk.fileSha256, chunk.firstIndex, chunk.records, chunk.status, chunk.httpStatus,
        chunk.accepted, chunk.rejected, JSON.stringify(chunk.rejectedKeys), now());
  }

  /** The API chunks of one run, in file and record order. */
  apiChunks(runId: string): (ApiChunkEntry & { runId: string; updated_at: string })[] {
    return this.apiChunkRows('WHERE run_id = ? ORDER BY file_name, first_index', runId);
  }

  /** Every API chunk any run recorded of a file with this content and name, oldest first. */
  apiChunksOfFile(sha256: string, fileName: string): (ApiChunkEntry & { runId: string; updated_at: string })[] {
    return this.apiChunkRows('WHERE file_sha256 = ? AND file_name = ? ORDER BY updated_at, rowid', sha256, fileName);
  }

  private apiChunkRows(where: string, ...params: string[]): (ApiChunkEntry & { runId: string; updated_at: string })[] {
    const rows = this.statement(`SELECT run_id AS runId, file_name AS fileName, file_sha256 AS fileSha256, first_index AS firstIndex, records, status,
                       http_status AS httpStatus, accepted, rejected, rejected_keys AS rejectedKeys, updated_at FROM api_chunks ${where}`)
      .all(...params) as (Omit<ApiChunkEntry, 'rejectedKeys'> & { runId: string; updated_at: string; rejectedKeys: string | null })[];
    return rows.map((row) => ({ ...row, rejectedKeys: row.rejectedKeys ? (JSON.parse(row.rejectedKeys) as string[]) : [] }));
  }

  close(): void {
    this.db.close();
  }
}
