// The simulator's state in SQLite: uploads, their accepted and rejected rows, and the
// current records per certificate type. All access is synchronous (node:sqlite); readers
// that stream large results page through them by key so no statement stays open across an
// await (the connection is shared with the background processing).

import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { AcceptedRecord, RecordKey, RowError, UploadFile, UploadMode, UploadStatus, UploadSummary } from './types.ts';
import { UPLOAD_STATUS } from './types.ts';

export interface StoredFile extends UploadFile {
  /** Where the file waits for processing; null once the upload is finished. */
  path: string | null;
}

export interface StoredUpload extends UploadSummary {
  seq: number;
  files: StoredFile[];
  /** The file that made the upload refused as a whole, when one file did. */
  refusedFileName: string | null;
}

export interface NewUpload {
  files: (UploadFile & { path: string })[];
  certificateTypeId: string;
  mode: UploadMode;
  uploadedBy: string;
  receivedAt: string;
}

export interface UploadOutcome {
  status: UploadStatus;
  finishedAt: string;
  total: number | null;
  accepted: number | null;
  rejected: number | null;
  refusalReason: string | null;
  refusedFileName: string | null;
}

export interface JsonPage<Cursor> {
  items: string[];
  next: Cursor | null;
}

export interface ErrorPage {
  items: RowError[];
  next: number | null;
}

export interface RecordCursor {
  myNumber: string;
  historyKey: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS uploads (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT UNIQUE,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  certificate_type_id TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('diff', 'full')),
  status TEXT NOT NULL,
  received_at TEXT NOT NULL,
  processing_at TEXT,
  finished_at TEXT,
  total INTEGER,
  accepted INTEGER,
  rejected INTEGER,
  refusal_reason TEXT,
  file_path TEXT,
  uploaded_by TEXT NOT NULL,
  refused_file_name TEXT
);
CREATE TABLE IF NOT EXISTS upload_files (
  upload_seq INTEGER NOT NULL,
  position INTEGER NOT NULL,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  file_path TEXT,
  PRIMARY KEY (upload_seq, position)
);
CREATE INDEX IF NOT EXISTS upload_files_by_hash ON upload_files (sha256);
-- line: the row's position in the whole upload (see rowPosition), not a line of one file.
CREATE TABLE IF NOT EXISTS upload_rows (
  upload_seq INTEGER NOT NULL,
  line INTEGER NOT NULL,
  certificate_type_id TEXT NOT NULL,
  my_number TEXT NOT NULL,
  history_key TEXT NOT NULL,
  is_deleted INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (upload_seq, line)
);
CREATE TABLE IF NOT EXISTS upload_errors (
  upload_seq INTEGER NOT NULL,
  line INTEGER NOT NULL,
  history_key TEXT NOT NULL,
  column_name TEXT NOT NULL,
  message TEXT NOT NULL,
  file_name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS upload_errors_by_upload ON upload_errors (upload_seq);
CREATE TABLE IF NOT EXISTS upload_keys (
  upload_seq INTEGER NOT NULL,
  key TEXT NOT NULL,
  line INTEGER NOT NULL,
  file_index INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (upload_seq, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
  certificate_type_id TEXT NOT NULL,
  my_number TEXT NOT NULL,
  history_key TEXT NOT NULL,
  data TEXT NOT NULL,
  upload_id TEXT NOT NULL,
  PRIMARY KEY (certificate_type_id, my_number, history_key)
);
`;

interface UploadRow {
  seq: number;
  id: string;
  file_name: string;
  sha256: string;
  bytes: number;
  certificate_type_id: string;
  mode: UploadMode;
  status: UploadStatus;
  received_at: string;
  processing_at: string | null;
  finished_at: string | null;
  total: number | null;
  accepted: number | null;
  rejected: number | null;
  refusal_reason: string | null;
  file_path: string | null;
  refused_file_name: string | null;
}

interface FileRow {
  file_name: string;
  sha256: string;
  bytes: number;
  file_path: string | null;
}

interface ErrorRow {
  rowid: number;
  file_name: string;
  line: number;
  history_key: string;
  column_name: string;
  message: string;
}

const UPLOAD_COLUMNS = `seq, id, file_name, sha256, bytes, certificate_type_id, mode, status, received_at,
  processing_at, finished_at, total, accepted, rejected, refusal_reason, file_path, refused_file_name`;

/** Columns added after the first release, for store files created before them. */
const ADDED_COLUMNS: [table: string, column: string, definition: string][] = [
  ['uploads', 'refused_file_name', 'TEXT'],
  ['upload_errors', 'file_name', "TEXT NOT NULL DEFAULT ''"],
  ['upload_keys', 'file_index', 'INTEGER NOT NULL DEFAULT 0'],
];

/** Rows of later files of an upload sort after every line of earlier files. */
const FILE_SPAN = 2 ** 32;

export function rowPosition(fileIndex: number, line: number): number {
  return fileIndex * FILE_SPAN + line;
}

function toUpload(row: UploadRow, fileRows: FileRow[]): StoredUpload {
  // Uploads stored before upload_files existed have their only file on the uploads row.
  const files: StoredFile[] =
    fileRows.length > 0
      ? fileRows.map((f) => ({ fileName: f.file_name, sha256: f.sha256, bytes: f.bytes, path: f.file_path }))
      : [{ fileName: row.file_name, sha256: row.sha256, bytes: row.bytes, path: row.file_path }];
  return {
    seq: row.seq,
    id: row.id,
    fileName: row.file_name,
    sha256: row.sha256,
    bytes: row.bytes,
    files,
    certificateTypeId: row.certificate_type_id,
    mode: row.mode,
    status: row.status,
    receivedAt: row.received_at,
    processingAt: row.processing_at,
    finishedAt: row.finished_at,
    total: row.total,
    accepted: row.accepted,
    rejected: row.rejected,
    refusalReason: row.refusal_reason,
    refusedFileName: row.refused_file_name,
  };
}

export function formatUploadId(seq: number): string {
  return `U${String(seq).padStart(6, '0')}`;
}

/** Any name does: SQLite nests savepoints of the same name, and RELEASE takes the innermost. */
const SAVEPOINT = '"sim_nested"';

/** A prepared statement; each caller says what its rows hold. */
interface Statement {
  run(...values: SQLInputValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...values: SQLInputValue[]): unknown;
  all(...values: SQLInputValue[]): unknown[];
}

export class SimStore {
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, Statement>();

  constructor(path: string) {
    // A reader waits up to 5 s for a writer; a 64 MB page cache for the records of a large upload.
    this.db = new DatabaseSync(path, { timeout: 5000 });
    this.db.exec('PRAGMA cache_size = -16000');
    if (path !== ':memory:') {
      this.db.exec('PRAGMA journal_mode = WAL');
      this.db.exec('PRAGMA synchronous = NORMAL');
    }
    this.db.exec(SCHEMA);
    this.addMissingColumns();
  }

  private addMissingColumns(): void {
    for (const [table, column, definition] of ADDED_COLUMNS) {
      const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      if (columns.some((c) => c.name === column)) continue;
      this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
      if (table === 'upload_errors') {
        this.db.exec(
          `UPDATE upload_errors SET file_name = (SELECT file_name FROM uploads WHERE uploads.seq = upload_errors.upload_seq)`,
        );
      }
    }
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` in one transaction (nested calls become savepoints); a throw undoes its writes. */
  transaction<T>(fn: () => T): T {
    const nested = this.db.isTransaction;
    this.db.exec(nested ? `SAVEPOINT ${SAVEPOINT}` : 'BEGIN');
    try {
      const result = fn();
      this.db.exec(nested ? `RELEASE ${SAVEPOINT}` : 'COMMIT');
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec(nested ? `ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}` : 'ROLLBACK');
      throw error;
    }
  }

  createUpload(upload: NewUpload): StoredUpload {
    const [first] = upload.files;
    if (!first) throw new Error('an upload needs at least one file');
    return this.transaction(() => {
      const insert = this.sql(
        `INSERT INTO uploads (file_name, sha256, bytes, certificate_type_id, mode, status, received_at, uploaded_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const { lastInsertRowid } = insert.run(
        first.fileName,
        first.sha256,
        first.bytes,
        upload.certificateTypeId,
        upload.mode,
        UPLOAD_STATUS.received,
        upload.receivedAt,
        upload.uploadedBy,
      );
      const seq = Number(lastInsertRowid);
      this.sql('UPDATE uploads SET id = ? WHERE seq = ?').run(formatUploadId(seq), seq);
      const insertFile = this.sql(
        'INSERT INTO upload_files (upload_seq, position, file_name, sha256, bytes, file_path) VALUES (?, ?, ?, ?, ?, ?)',
      );
      upload.files.forEach((file, position) => {
        insertFile.run(seq, position, file.fileName, file.sha256, file.bytes, file.path);
      });
      const row = this.sql(`SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE seq = ?`).get(seq) as UploadRow;
      return this.hydrate(row);
    });
  }

  getUpload(id: string): StoredUpload | undefined {
    const row = this.sql(`SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE id = ?`).get(id) as UploadRow | undefined;
    return row ? this.hydrate(row) : undefined;
  }

  /** Newest first; a negative limit lists all. */
  listUploads(limit: number): StoredUpload[] {
    const select = this.sql(`SELECT ${UPLOAD_COLUMNS} FROM uploads ORDER BY seq DESC LIMIT ?`);
    return (select.all(limit) as UploadRow[]).map((row) => this.hydrate(row));
  }

  /** Uploads a previous run left 受付済 or 処理中, oldest first. */
  listUnfinishedUploads(): StoredUpload[] {
    const select = this.sql(`SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE status IN (?, ?) ORDER BY seq`);
    return (select.all(UPLOAD_STATUS.received, UPLOAD_STATUS.processing) as UploadRow[]).map((row) => this.hydrate(row));
  }

  /** The newest upload of the type that holds a file with one of these SHA-256 values. */
  findUploadWithContent(certificateTypeId: string, sha256s: readonly string[]): string | undefined {
    const select = this.sql(
      `SELECT u.id FROM uploads u
       WHERE u.certificate_type_id = ? AND (
         EXISTS (SELECT 1 FROM upload_files f WHERE f.upload_seq = u.seq AND f.sha256 IN (SELECT value FROM json_each(?)))
         OR (NOT EXISTS (SELECT 1 FROM upload_files f WHERE f.upload_seq = u.seq)
             AND u.sha256 IN (SELECT value FROM json_each(?))))
       ORDER BY u.seq DESC LIMIT 1`,
    );
    const hashes = JSON.stringify(sha256s);
    const row = select.get(certificateTypeId, hashes, hashes) as { id: string } | undefined;
    return row?.id;
  }

  private hydrate(row: UploadRow): StoredUpload {
    const select = this.sql('SELECT file_name, sha256, bytes, file_path FROM upload_files WHERE upload_seq = ? ORDER BY position');
    return toUpload(row, select.all(row.seq) as FileRow[]);
  }

  markReceived(seq: number): void {
    this.sql('UPDATE uploads SET status = ?, processing_at = NULL WHERE seq = ?').run(UPLOAD_STATUS.received, seq);
  }

  markProcessing(seq: number, at: string): void {
    this.sql('UPDATE uploads SET status = ?, processing_at = ? WHERE seq = ?').run(UPLOAD_STATUS.processing, at, seq);
  }

  finishUpload(seq: number, outcome: UploadOutcome): void {
    const update = this.sql(
      `UPDATE uploads SET status = ?, finished_at = ?, total = ?, accepted = ?, rejected = ?, refusal_reason = ?,
         refused_file_name = ?, file_path = NULL
       WHERE seq = ?`,
    );
    update.run(
      outcome.status,
      outcome.finishedAt,
      outcome.total,
      outcome.accepted,
      outcome.rejected,
      outcome.refusalReason,
      outcome.refusedFileName,
      seq,
    );
    this.sql('UPDATE upload_files SET file_path = NULL WHERE upload_seq = ?').run(seq);
  }

  /** Forgets what an interrupted or refused processing of an upload wrote. */
  discardUploadWork(seq: number): void {
    this.transaction(() => {
      this.sql('DELETE FROM upload_rows WHERE upload_seq = ?').run(seq);
      this.sql('DELETE FROM upload_errors WHERE upload_seq = ?').run(seq);
      this.sql('DELETE FROM upload_keys WHERE upload_seq = ?').run(seq);
    });
  }

  /**
   * Remembers that `key` occurs on `line` of file `fileIndex` of the upload. Returns null the
   * first time, or where it first occurred when the key was already seen in this upload.
   */
  claimKey(seq: number, key: RecordKey, fileIndex: number, line: number): { fileIndex: number; line: number } | null {
    const text = JSON.stringify([key.certificateTypeId, key.myNumber, key.historyKey]);
    const insert = this.sql('INSERT OR IGNORE INTO upload_keys (upload_seq, key, line, file_index) VALUES (?, ?, ?, ?)');
    if (insert.run(seq, text, line, fileIndex).changes === 1) return null;
    const first = this.sql('SELECT line, file_index FROM upload_keys WHERE upload_seq = ? AND key = ?').get(seq, text) as
      | { line: number; file_index: number }
      | undefined;
    return first ? { fileIndex: first.file_index, line: first.line } : { fileIndex, line };
  }

  recordExists(key: RecordKey): boolean {
    const select = this.sql(
      'SELECT 1 FROM records WHERE certificate_type_id = ? AND my_number = ? AND history_key = ?',
    );
    return select.get(key.certificateTypeId, key.myNumber, key.historyKey) !== undefined;
  }

  /** `position` orders the row within the whole upload (see rowPosition). */
  insertAcceptedRow(seq: number, position: number, key: RecordKey, isDeleted: boolean, record: AcceptedRecord): void {
    const insert = this.sql(
      `INSERT INTO upload_rows (upload_seq, line, certificate_type_id, my_number, history_key, is_deleted, data)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    insert.run(seq, position, key.certificateTypeId, key.myNumber, key.historyKey, isDeleted ? 1 : 0, JSON.stringify(record));
  }

  insertError(seq: number, error: RowError): void {
    const insert = this.sql(
      'INSERT INTO upload_errors (upload_seq, file_name, line, history_key, column_name, message) VALUES (?, ?, ?, ?, ?, ?)',
    );
    insert.run(seq, error.fileName, error.line, error.historyKey, error.column, error.message);
  }

  /** Makes an upload's accepted rows the current records, all at once. */
  applyUpload(upload: StoredUpload): void {
    this.transaction(() => {
      if (upload.mode === 'full') {
        this.sql('DELETE FROM records WHERE certificate_type_id = ?').run(upload.certificateTypeId);
      } else {
        const deleteRemoved = this.sql(
          `DELETE FROM records WHERE (certificate_type_id, my_number, history_key) IN (
             SELECT certificate_type_id, my_number, history_key FROM upload_rows WHERE upload_seq = ? AND is_deleted = 1)`,
        );
        deleteRemoved.run(upload.seq);
      }
      const upsert = this.sql(
        `INSERT INTO records (certificate_type_id, my_number, history_key, data, upload_id)
         SELECT certificate_type_id, my_number, history_key, data, ? FROM upload_rows
         WHERE upload_seq = ? AND is_deleted = 0 ORDER BY line
         ON CONFLICT (certificate_type_id, my_number, history_key)
         DO UPDATE SET data = excluded.data, upload_id = excluded.upload_id`,
      );
      upsert.run(upload.id, upload.seq);
      this.sql('DELETE FROM upload_keys WHERE upload_seq = ?').run(upload.seq);
    });
  }

  countErrors(seq: number): number {
    const row = this.sql('SELECT count(*) AS n FROM upload_errors WHERE upload_seq = ?').get(seq) as { n: number };
    return row.n;
  }

  /** Error rows in file order; `after` is the cursor returned by the previous page (0 at first). */
  errorsPage(seq: number, after: number, limit: number): ErrorPage {
    const select = this.sql(
      `SELECT rowid, file_name, line, history_key, column_name, message FROM upload_errors
       WHERE upload_seq = ? AND rowid > ? ORDER BY rowid LIMIT ?`,
    );
    const rows = select.all(seq, after, limit) as ErrorRow[];
    const last = rows.at(-1);
    return {
      items: rows.map((r) => ({
        fileName: r.file_name,
        line: r.line,
        historyKey: r.history_key,
        column: r.column_name,
        message: r.message,
      })),
      next: rows.length === limit && last ? last.rowid : null,
    };
  }

  /** Accepted rows (JSON text) in upload order; `after` is a row position (0 at first). */
  acceptedRowsPage(seq: number, after: number, limit: number): JsonPage<number> {
    const select = this.sql(
      'SELECT line, data FROM upload_rows WHERE upload_seq = ? AND line > ? ORDER BY line LIMIT ?',
    );
    const rows = select.all(seq, after, limit) as { line: number; data: string }[];
    const last = rows.at(-1);
    return { items: rows.map((r) => r.data), next: rows.length === limit && last ? last.line : null };
  }

  /** Current records (JSON text) of a type, by myNumber then historyKey. */
  recordsPage(certificateTypeId: string, after: RecordCursor | null, limit: number): JsonPage<RecordCursor> {
    const select = this.sql(
      `SELECT my_number, history_key, data FROM records
       WHERE certificate_type_id = ? AND (my_number, history_key) > (?, ?)
       ORDER BY my_number, history_key LIMIT ?`,
    );
    const rows = select.all(certificateTypeId, after?.myNumber ?? '', after?.historyKey ?? '', limit) as {
      my_number: string;
      history_key: string;
      data: string;
    }[];
    const last = rows.at(-1);
    return {
      items: rows.map((r) => r.data),
      next: rows.length === limit && last ? { myNumber: last.my_number, historyKey: last.history_key } : null,
    };
  }

  /** Empties every table and restarts the 受付番号 sequence. */
  reset(): void {
    this.transaction(() => {
      for (const table of ['uploads', 'upload_files', 'upload_rows', 'upload_errors', 'upload_keys', 'records']) {
        this.sql(`DELETE FROM ${table}`).run();
      }
      this.sql(`DELETE FROM sqlite_sequence WHERE name = 'uploads'`).run();
    });
  }

  /** Prepared once per SQL text: the per-row statements run millions of times. */
  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }
}
