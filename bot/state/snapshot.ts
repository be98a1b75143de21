/**
 * The snapshot of what PMH last accepted, per certificate type, in `<data_dir>/snapshot.sqlite`.
 * It is what the daily differential compares against, so it only ever advances for records
 * PMH accepted.
 *
 * What it keeps, and why (see docs/differential.md):
 * - the key PMH matches on: certificate type + history key, and the My Number sent with it;
 * - a hash of the record as sent, to tell a changed record from an unchanged one;
 * - the record as last accepted: PMH's schema makes every field required even on a
 *   deletion (`isDeleted = true`), so a record gone from the source can only be deleted by
 *   sending it back as it was. It is removed from the snapshot as soon as PMH accepts
 *   the deletion. The file is readable by the bot's account only.
 * - the source key (resident number, certificate ID), so an operator can trace a deletion.
 *
 * Records proposed by a run wait in `pending` until PMH's result is known.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { hash as digest } from 'node:crypto';
import { dirname } from 'node:path';
import { Database, type Statement } from '../../core/sqlite.ts';
import type { PmhRecord, SourceKey } from '../records/pmh-record.ts';

export interface SnapshotEntry {
  type: string;
  historyKey: string;
  myNumber: string;
  contentHash: string;
  record: PmhRecord;
  source: SourceKey;
}

export type PendingAction = 'upsert' | 'delete';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS accepted (
  type TEXT NOT NULL, history_key TEXT NOT NULL, my_number TEXT NOT NULL, content_hash TEXT NOT NULL,
  record TEXT NOT NULL, resident_no TEXT NOT NULL, certificate_id TEXT NOT NULL, program_code TEXT NOT NULL,
  run_id TEXT NOT NULL, accepted_at TEXT NOT NULL,
  PRIMARY KEY (type, history_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending (
  run_id TEXT NOT NULL, type TEXT NOT NULL, history_key TEXT NOT NULL, action TEXT NOT NULL,
  my_number TEXT NOT NULL, content_hash TEXT NOT NULL, record TEXT NOT NULL,
  resident_no TEXT NOT NULL, certificate_id TEXT NOT NULL, program_code TEXT NOT NULL,
  UNIQUE (run_id, type, history_key, action));
CREATE TABLE IF NOT EXISTS seen (
  run_id TEXT NOT NULL, type TEXT NOT NULL, history_key TEXT NOT NULL,
  PRIMARY KEY (run_id, type, history_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** A record as PMH would store it, as JSON, and the hash of that JSON. */
export interface RecordContent {
  json: string;
  hash: string;
}

/**
 * The content of a record: what PMH would store (the deletion flag is not content, so it
 * is always false here). A shaped record already holds `isDeleted: false` in its place,
 * and its JSON is then the same string without a copy of the record.
 */
export function contentOf(record: PmhRecord): RecordContent {
  const json = record.isDeleted === false ? JSON.stringify(record) : JSON.stringify({ ...record, isDeleted: false });
  return { json, hash: digest('sha256', json, 'hex') };
}

interface AcceptedRow {
  type: string;
  history_key: string;
  my_number: string;
  content_hash: string;
  record: string;
  resident_no: string;
  certificate_id: string;
  program_code: string;
}

function toEntry(row: AcceptedRow): SnapshotEntry {
  return {
    type: row.type,
    historyKey: row.history_key,
    myNumber: row.my_number,
    contentHash: row.content_hash,
    record: JSON.parse(row.record) as PmhRecord,
    source: { residentNo: row.resident_no, certificateId: row.certificate_id, programCode: row.program_code },
  };
}

export class Snapshot {
  private readonly db: Database;
  private readonly getStatement: Statement;
  private readonly heldStatement: Statement;
  private readonly seenStatement: Statement;
  private readonly pendingStatement: Statement;
  private inBatch = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    chmodSync(path, 0o600);
    // Records are about 1 KB; rows that size in 4 KiB pages of a WITHOUT ROWID table made
    // writing them the slowest part of a run (16 KiB pages: about 3× faster). A page size
    // only takes in a new file; an existing snapshot keeps its own, and works the same.
    // For the same reason `pending` keeps its rows in arrival order (a rowid table) and its
    // key in a small index: a run meets history keys in resident order, and keyed 1 KB rows
    // inserted in random key order were 6× slower (105,000 rows: 6.3 s against 1.1 s).
    // A snapshot made before keeps its WITHOUT ROWID table: the statements are the same.
    this.db.pragma('page_size = 16384');
    this.db.pragma('journal_mode = WAL');
    // As better-sqlite3's build synced WAL (see ledger.ts).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.getStatement = this.db.prepare('SELECT * FROM accepted WHERE type = ? AND history_key = ?');
    this.heldStatement = this.db.prepare('SELECT content_hash, my_number FROM accepted WHERE type = ? AND history_key = ?');
    this.seenStatement = this.db.prepare('INSERT OR IGNORE INTO seen (run_id, type, history_key) VALUES (?, ?, ?)');
    this.pendingStatement = this.db.prepare(`INSERT OR REPLACE INTO pending (run_id, type, history_key, action, my_number,
      content_hash, record, resident_no, certificate_id, program_code) VALUES (?,?,?,?,?,?,?,?,?,?)`);
  }

  /** Bumped whenever the snapshot advances: a held run computed against an older one is stale. */
  generation(): number {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'generation'").get() as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  /** The run whose records were applied last (a replay may go on from its own origin's generation). */
  lastAppliedRun(): string | null {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'last_applied_run'").get() as { value: string } | undefined;
    return row?.value ?? null;
  }

  population(types: string[]): number {
    if (types.length === 0) return 0;
    const row = this.db
      .prepare(`SELECT count(*) AS n FROM accepted WHERE type IN (${types.map(() => '?').join(',')})`)
      .get(...types) as { n: number };
    return row.n;
  }

  get(type: string, historyKey: string): SnapshotEntry | null {
    const row = this.getStatement.get(type, historyKey) as AcceptedRow | undefined;
    return row ? toEntry(row) : null;
  }

  /**
   * What the comparison needs of a key PMH holds: its hash and My Number. Most records
   * are unchanged, so their stored JSON (about 1 KB) is neither read nor parsed: `get`
   * gives the whole entry when a deletion must be sent.
   */
  held(type: string, historyKey: string): { contentHash: string; myNumber: string } | null {
    const row = this.heldStatement.get(type, historyKey) as { content_hash: string; my_number: string } | undefined;
    return row ? { contentHash: row.content_hash, myNumber: row.my_number } : null;
  }

  /** Writes are batched in transactions while a run shapes its records. */
  private batched(): void {
    if (this.inBatch === 0) this.db.exec('BEGIN');
    this.inBatch += 1;
    if (this.inBatch >= 5000) {
      this.db.exec('COMMIT');
      this.inBatch = 0;
    }
  }

  flush(): void {
    if (this.inBatch > 0) this.db.exec('COMMIT');
    this.inBatch = 0;
  }

  /** The run met this key in the source today (valid or held back): it is not gone. */
  markSeen(runId: string, type: string, historyKey: string): void {
    this.batched();
    this.seenStatement.run(runId, type, historyKey);
  }

  /** `content` is the record's `contentOf()`, when the caller has it already. */
  addPending(runId: string, action: PendingAction, record: PmhRecord, source: SourceKey, content = contentOf(record)): void {
    this.batched();
    const { json, hash } = content;
    // An upsert is stored as the hashed JSON itself (isDeleted false, in the same place).
    const stored = action === 'delete' ? JSON.stringify({ ...record, isDeleted: true }) : json;
    this.pendingStatement.run(runId, record.orgSpecificCertificateTypeId, record.historyKey, action, record.myNumber,
      hash, stored, source.residentNo, source.certificateId, source.programCode);
  }

  /**
   * Keys of a type PMH holds that the run did not meet in the source. Streamed through a
   * second, read-only connection, so the caller can record pending deletions meanwhile.
   */
  *gone(runId: string, type: string): Generator<SnapshotEntry> {
    this.flush();
    const reader = new Database(this.path, { readonly: true });
    try {
      const statement = reader.prepare(`SELECT a.* FROM accepted a WHERE a.type = ? AND NOT EXISTS
        (SELECT 1 FROM seen s WHERE s.run_id = ? AND s.type = a.type AND s.history_key = a.history_key)
        ORDER BY a.history_key`);
      for (const row of statement.iterate(type, runId)) yield toEntry(row as AcceptedRow);
    } finally {
      reader.close();
    }
  }

  /**
   * PMH accepted a run's file for this type: apply its pending records, except those PMH
   * rejected (by history key). In full mode PMH's state for the type becomes exactly the
   * accepted records, so the snapshot does too.
   */
  applyAccepted(runId: string, type: string, mode: 'full' | 'diff', rejectedHistoryKeys: Set<string>): { upserted: number; deleted: number } {
    let upserted = 0;
    let deleted = 0;
    this.flush();
    // Done in SQL, never through JavaScript arrays: a full upload's pending rows are the whole population.
    this.db.exec('CREATE TEMP TABLE IF NOT EXISTS rejected (history_key TEXT PRIMARY KEY) WITHOUT ROWID');
    this.db.transaction(() => {
      this.db.exec('DELETE FROM temp.rejected');
      const reject = this.db.prepare('INSERT OR IGNORE INTO temp.rejected (history_key) VALUES (?)');
      for (const key of rejectedHistoryKeys) reject.run(key);
      const acceptedPending = `FROM pending p WHERE p.run_id = ? AND p.type = ? AND p.action = ?
        AND NOT EXISTS (SELECT 1 FROM temp.rejected r WHERE r.history_key = p.history_key)`;
      if (mode === 'full') {
        this.db.prepare('DELETE FROM accepted WHERE type = ?').run(type);
      }
      // Deletions first: a corrected My Number deletes the old pairing, then stores the new.
      deleted = this.db
        .prepare(`DELETE FROM accepted WHERE type = ? AND (history_key, my_number) IN
          (SELECT p.history_key, p.my_number ${acceptedPending})`)
        .run(type, runId, type, 'delete').changes;
      upserted = this.db
        .prepare(`INSERT OR REPLACE INTO accepted (type, history_key, my_number, content_hash, record,
            resident_no, certificate_id, program_code, run_id, accepted_at)
          SELECT p.type, p.history_key, p.my_number, p.content_hash, p.record, p.resident_no, p.certificate_id,
            p.program_code, p.run_id, ? ${acceptedPending}`)
        .run(new Date().toISOString(), runId, type, 'upsert').changes;
      this.db.prepare('DELETE FROM pending WHERE run_id = ? AND type = ?').run(runId, type);
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1").run();
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('last_applied_run', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(runId);
    });
    return { upserted, deleted };
  }

  /** Runs and types with records still waiting in `pending` for PMH's answer to be applied (of one run, when named). */
  pendingTypes(runId?: string): { runId: string; type: string }[] {
    this.flush();
    const rows = runId === undefined
      ? this.db.prepare('SELECT DISTINCT run_id AS runId, type FROM pending').all()
      : this.db.prepare('SELECT DISTINCT run_id AS runId, type FROM pending WHERE run_id = ?').all(runId);
    return rows as { runId: string; type: string }[];
  }

  /** A run's proposed records that will never be applied (a later run covered them): dropped. */
  discardPending(runId: string): number {
    this.flush();
    return this.db.prepare('DELETE FROM pending WHERE run_id = ?').run(runId).changes;
  }

  /** The run's bookkeeping of what it met; pending stays until PMH's result is applied. */
  forgetSeen(runId: string): void {
    this.flush();
    this.db.prepare('DELETE FROM seen WHERE run_id = ?').run(runId);
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}
